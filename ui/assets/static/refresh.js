// Reloads a page that watches something outside the appliance (the phones on USB) every few seconds, while it
// is on screen.
"use strict";
(function () {
  var el = document.querySelector("[data-refresh]");
  var s = el ? parseInt(el.dataset.refresh, 10) : 0;
  if (!(s > 0)) return;
  setInterval(function () {
    if (document.visibilityState !== "visible") return;
    // Marked as the page's own reload: only a person's actions extend the session, so the idle lock still fires.
    var u = new URL(location.href);
    u.searchParams.set("auto", "1");
    location.replace(u.toString());
  }, s * 1000);
})();
