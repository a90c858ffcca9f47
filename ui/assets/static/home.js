// Watches the USB port from the home screen: as soon as a phone is plugged in and has authorized the appliance,
// a banner leads to its extraction wizard. It polls a small JSON list, so nothing typed on the page is lost.
"use strict";
(function () {
  var banner = document.getElementById("phone-banner");
  if (!banner) return;
  function look() {
    if (document.visibilityState !== "visible") return;
    fetch("/api/phones", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        // The session ended (the idle lock, or a PIN change): show the lock screen. Polling never extends it.
        if (r.status === 401) { location.replace("/lock"); return []; }
        return r.ok ? r.json() : [];
      })
      .then(function (phones) {
        var ready = phones.filter(function (p) { return p.ready; })[0];
        if (!ready) { banner.hidden = true; return; }
        banner.textContent = banner.dataset.text + " " + (ready.model || ready.serial) + " — " + banner.dataset.cta;
        banner.href = "/phones/" + encodeURIComponent(ready.serial);
        banner.hidden = false;
      })
      .catch(function () { banner.hidden = true; });
  }
  look();
  setInterval(look, 3000);
})();
