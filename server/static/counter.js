// A counter's page: keyboard shortcuts for the buttons that carry data-key, and a live refresh
// when the centre's queue changes (people waiting).
(() => {
  "use strict";
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.altKey || e.metaKey) return;
    const t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
    const b = document.querySelector('button[data-key="' + e.key.toLowerCase() + '"]:not([disabled])');
    if (b) { e.preventDefault(); b.click(); }
  });
  const page = document.getElementById("counter-page");
  if (page && page.dataset.centre) {
    const es = new EventSource("/api/v1/public/centres/" + encodeURIComponent(page.dataset.centre) + "/queue/events");
    es.addEventListener("state", (e) => {
      const b = JSON.parse(e.data);
      const mine = (page.dataset.services || "").split("");
      const waiting = b.lines.filter((l) => mine.includes(l.service)).reduce((n, l) => n + l.waiting, 0);
      const w = document.getElementById("waiting");
      if (w) w.textContent = String(waiting);
    });
  }
})();
