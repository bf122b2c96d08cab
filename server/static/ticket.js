// A visitor's ticket on their phone: follows the centre's live state and re-reads the ticket
// when it changes (position, estimate, the counter it is called to).
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
  const connect = () => {
    const es = new EventSource("/api/v1/public/centres/" + encodeURIComponent(box.dataset.centre) + "/queue/events");
    es.addEventListener("state", refresh);
    es.onerror = () => { if (es.readyState === EventSource.CLOSED) setTimeout(connect, 10000); };
  };
  connect();
})();
