// The on-page keypad: the kiosk has no on-screen keyboard.
"use strict";
(function () {
  var pin = document.getElementById("pin");
  document.querySelectorAll(".key[data-digit]").forEach(function (b) {
    b.addEventListener("click", function () {
      if (pin.value.length < 12) pin.value += b.dataset.digit;
    });
  });
  document.querySelectorAll(".key[data-action=clear]").forEach(function (b) {
    b.addEventListener("click", function () { pin.value = pin.value.slice(0, -1); });
  });
})();
