// The hall's display board: follows the centre's live state (server-sent events, reconnecting by
// itself), redraws the calls, the lines and the recent calls, and plays each new call's
// announcement (chime, Vietnamese twice) in the order the calls were made. A kiosk-mode browser
// must allow sound without a touch (Chromium: --autoplay-policy=no-user-gesture-required).
(() => {
  "use strict";
  const root = document.getElementById("board");
  const centre = root.dataset.centre;
  const $ = (id) => document.getElementById(id);
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  };
  const seen = new Set();
  let first = true;
  const sounds = [];
  let playing = false;

  const clock = () => {
    $("clock").textContent = new Date().toLocaleTimeString("vi-VN", {
      hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh",
    });
  };
  setInterval(clock, 1000);
  clock();

  const play = () => {
    if (playing || sounds.length === 0) return;
    playing = true;
    const src = sounds.shift();
    const audio = new Audio(src);
    const next = () => { URL.revokeObjectURL(src); playing = false; play(); };
    audio.onended = next;
    audio.onerror = next;
    audio.play().catch(next);
  };

  const announce = async (call) => {
    const url = "/api/v1/public/centres/" + encodeURIComponent(centre) +
      "/queue/announce?number=" + encodeURIComponent(call.number) + "&counter=" + call.counter;
    try {
      const r = await fetch(url);
      if (!r.ok) return;
      const blob = await r.blob();
      root.dataset.announced = call.number + "@" + call.counter;
      sounds.push(URL.createObjectURL(blob));
      play();
    } catch (_) { /* the next call will be announced */ }
  };

  const render = (b) => {
    const latest = b.recent[0];
    $("latest").hidden = !latest;
    if (latest) {
      $("latest-number").textContent = latest.number;
      $("latest-counter").textContent = String(latest.counter);
    }
    $("counters").replaceChildren(...b.counters.map((c) => {
      const tr = el("tr");
      const td = el("td", String(c.counter) + " ");
      td.append(el("small", c.counter_name));
      tr.append(td, el("td", c.number, "num"));
      return tr;
    }));
    $("lines").replaceChildren(...b.lines.map((l) => {
      const tr = el("tr", undefined, l.issuing ? "" : "closed");
      const name = el("td");
      name.append(el("b", l.service), " " + l.name_vi);
      const wait = l.wait_minutes === null || l.wait_minutes === undefined ? "—" : "~" + l.wait_minutes + "′";
      tr.append(name, el("td", String(l.waiting), "num"), el("td", wait));
      return tr;
    }));
    $("recent").replaceChildren(...b.recent.map((c) => el("li", c.number + " → " + c.counter)));
    // Every call not heard yet, oldest first (a recall is a new call).
    const fresh = b.recent.slice().reverse().filter((c) => {
      const key = c.number + "@" + c.counter + "@" + c.at + "@" + c.calls;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    if (!first && fresh.length > 0) {
      const box = $("latest");
      box.classList.remove("flash");
      void box.offsetWidth;
      box.classList.add("flash");
      fresh.forEach(announce);
    }
    first = false;
    root.dataset.updated = b.now;
  };

  const connect = () => {
    const es = new EventSource("/api/v1/public/centres/" + encodeURIComponent(centre) + "/queue/events");
    es.addEventListener("state", (e) => {
      $("link").className = "link ok";
      render(JSON.parse(e.data));
    });
    es.onerror = () => {
      $("link").className = "link lost";
      if (es.readyState === EventSource.CLOSED) setTimeout(connect, 5000);
    };
  };
  connect();
})();
