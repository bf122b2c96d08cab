// A visitor's ticket on their phone: re-read every 20 s (position, estimate, the counter it is
// called to).
(() => {
  "use strict";
  const box = document.getElementById("ticket");
  const $ = (id) => document.getElementById(id);
  const refresh = async () => {
    try {
      const r = await fetch("/api/v1/public/tickets/" + encodeURIComponent(box.dataset.id));
      if (!r.ok) return;
      const t = await r.json();
      $("state").replaceChildren(t.state_vi + " ", Object.assign(document.createElement("span"), { className: "en", textContent: t.state_en }));
      $("counter").hidden = t.counter === null || t.counter === undefined;
      $("counter-no").textContent = t.counter ?? "";
      $("waiting").hidden = t.ahead === null || t.ahead === undefined;
      $("ahead").textContent = t.ahead ?? "";
      $("wait").textContent = t.wait_minutes === null || t.wait_minutes === undefined ? "—" : "~" + t.wait_minutes + " phút / min";
      // Served: the page offers the rating (drawn by the server).
      if (t.may_rate && box.dataset.state && box.dataset.state !== "done") location.reload();
      box.dataset.state = t.state;
    } catch (_) { /* the next change will try again */ }
  };
  // A phone re-reads its ticket every 20 s (it holds no live stream: the hall's boards need them).
  setInterval(refresh, 20000);
})();
