// Follows a session's progress as the server streams it (Server-Sent Events), on the job page, the progress page
// and the client's remote page. When the job ends, a job page opened while it ran (data-live) reloads once to
// show the job's final record and its results per chat.
"use strict";
(function () {
  var feed = document.getElementById("feed");
  if (!feed) return;
  var base = feed.dataset.base;
  var bar = document.getElementById("bar"), status = document.getElementById("status");
  var log = document.getElementById("log"), qr = document.getElementById("qr");
  var qrbox = document.getElementById("qrbox"), reload = document.getElementById("reload");
  var live = feed.dataset.live === "1";
  var es = new EventSource(base + "/events");
  function add(ev) {
    var e = JSON.parse(ev.data);
    var li = document.createElement("li");
    li.textContent = e.text;
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
    status.textContent = e.text;
    return e;
  }
  es.addEventListener("progress", function (ev) {
    var e = add(ev);
    if (e.total > 0) { bar.max = e.total; bar.value = e.done; }
  });
  es.addEventListener("qr", function (ev) {
    var e = add(ev);
    if (!qr) return; // the page was opened after the session ended
    qr.src = base + "/qr.png?v=" + e.seq;
    qr.hidden = false;
  });
  // The technician's session expired (the idle lock) while the page streamed: show the lock screen.
  es.addEventListener("locked", function () {
    es.close();
    location.replace("/lock");
  });
  es.addEventListener("end", function (ev) {
    add(ev);
    es.close();
    if (qr) qr.hidden = true;
    if (qrbox) qrbox.hidden = true;
    var form = document.getElementById("remote-form");
    if (form) form.hidden = true; // the session is over: no more client links
    // Only a page opened while the job ran reloads: the reloaded page sees the feed ended and stays. It goes to
    // the job's own address rather than reloading, which would post the client-link form again.
    if (live) {
      reload.hidden = false;
      setTimeout(function () { location.replace(reload.href); }, 1500);
    }
  });
})();
