// Live checks on the staff forms: a field that does not match its rule says so as it is typed
// (the rule's words are the field's title), before the form is sent. The server checks again;
// without this script the browser's own checks and the server's answer still apply.
(function () {
  "use strict";
  function message(input) {
    var id = input.id + "-msg";
    var el = document.getElementById(id);
    if (!el) {
      el = document.createElement("span");
      el.id = id;
      el.className = "field-msg";
      el.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", el);
      input.setAttribute("aria-describedby", id);
    }
    return el;
  }
  function check(input) {
    var value = input.value.trim();
    var bad = value !== "" && !input.checkValidity();
    input.setAttribute("aria-invalid", bad ? "true" : "false");
    var el = message(input);
    el.textContent = bad ? "⚠ " + (input.title || input.validationMessage) : "";
  }
  document.querySelectorAll("input[pattern], input[type=email]").forEach(function (input) {
    input.addEventListener("input", function () { check(input); });
    input.addEventListener("blur", function () { check(input); });
    if (input.value) { check(input); }
  });
})();
