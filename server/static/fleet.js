// The fleet page kept live: the server sends the table's rows again after every heartbeat,
// enrolment, change or refused event (and every 30 s); without scripts the page refreshes itself.
(() => {
  const body = document.getElementById("kiosk-rows");
  if (!body || !window.EventSource) return;
  const note = document.getElementById("live");
  const connect = () => {
    const es = new EventSource("/fleet/events");
    es.addEventListener("rows", (e) => {
      body.innerHTML = e.data;
      document.body.dataset.live = "1";
      if (note) note.hidden = false;
    });
    es.onerror = () => {
      if (note) note.hidden = true;
      if (es.readyState === EventSource.CLOSED) setTimeout(connect, 5000);
    };
  };
  connect();
})();
