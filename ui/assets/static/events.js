// Shows a session's progress as the server streams it (Server-Sent Events).
"use strict";
(function () {
  var feed = document.getElementById("feed");
  var base = feed.dataset.base;
  var bar = document.getElementById("bar"), status = document.getElementById("status");
  var log = document.getElementById("log"), qr = document.getElementById("qr");
  var es = new EventSource(base + "/events");
  function add(ev) {
    var e = JSON.parse(ev.data);
    var li = document.createElement("li");
    li.textContent = e.text;
    log.appendChild(li);
    status.textContent = e.text;
    return e;
  }
  es.addEventListener("progress", function (ev) {
    var e = add(ev);
    if (e.total > 0) { bar.max = e.total; bar.value = e.done; }
  });
  es.addEventListener("qr", function (ev) {
    var e = add(ev);
    qr.src = base + "/qr.png?v=" + e.seq;
    qr.hidden = false;
  });
  es.addEventListener("end", function (ev) {
    add(ev);
    qr.hidden = true;
    var form = document.getElementById("remote-form");
    if (form) form.hidden = true; // the session is over: no more client links
    es.close();
  });
})();
