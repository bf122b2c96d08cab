// The catalogue's import: the chosen file is read into the form's text (as UTF-8) and its kind
// chosen from its name; the form is then checked and sent as a person would send pasted text.
(() => {
  const file = document.getElementById("file");
  const content = document.getElementById("content");
  const format = document.getElementById("format");
  const name = document.getElementById("file-name");
  if (!file || !content || !window.FileReader) return;
  file.addEventListener("change", () => {
    const f = file.files && file.files[0];
    if (!f) return;
    if (f.size > 2 * 1024 * 1024) {
      alert("Tệp lớn hơn 2 MB. · The file is larger than 2 MB.");
      file.value = "";
      return;
    }
    const r = new FileReader();
    r.onload = () => {
      content.value = r.result;
      if (name) name.value = f.name;
      if (format) format.value = /\.json$/i.test(f.name) ? "json" : "csv";
    };
    r.readAsText(f, "utf-8");
  });
})();
