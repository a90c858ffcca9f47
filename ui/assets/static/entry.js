// The on-page keypad for forms with several digit fields (the kiosk has no on-screen keyboard): tapping a field
// makes it the one the keypad types into. A backup key field (#key) is shown 4 digits by 4, with its count, and
// the form can be sent only once the key is complete.
"use strict";
(function () {
  var fields = [].slice.call(document.querySelectorAll("[data-entry]"));
  if (fields.length === 0) return;
  var active = fields[0];
  function activate(f) {
    fields.forEach(function (x) { x.classList.toggle("active", x === f); });
    active = f;
  }
  fields.forEach(function (f) {
    f.addEventListener("click", function () { activate(f); });
    f.addEventListener("focus", function () { activate(f); });
  });
  activate(active);

  var key = document.getElementById("key"), view = document.getElementById("keyview");
  var count = document.getElementById("keycount"), start = document.getElementById("start");
  var caseSel = document.getElementById("case");
  function showKey() {
    if (!key || !view) return;
    var d = key.value, max = parseInt(key.getAttribute("maxlength"), 10);
    view.textContent = "";
    for (var i = 0; i < max; i += 4) {
      var g = document.createElement("span");
      g.className = "group";
      var part = d.slice(i, i + 4);
      g.textContent = part + "····".slice(part.length);
      if (part.length > 0 && part.length < 4 || d.length === i && d.length < max) g.classList.add("cur");
      view.appendChild(g);
    }
    count.textContent = d.length;
    if (start) start.disabled = d.length !== max || (caseSel && caseSel.value === "");
  }
  if (caseSel) caseSel.addEventListener("change", showKey);

  function change(f) {
    var max = parseInt(f.getAttribute("maxlength"), 10) || 64;
    return function (v) { f.value = v.slice(0, max); showKey(); };
  }
  document.querySelectorAll(".key[data-digit]").forEach(function (b) {
    b.addEventListener("click", function () { change(active)(active.value + b.dataset.digit); });
  });
  document.querySelectorAll(".key[data-action=back]").forEach(function (b) {
    b.addEventListener("click", function () { change(active)(active.value.slice(0, -1)); });
  });
  document.querySelectorAll(".key[data-action=clear]").forEach(function (b) {
    b.addEventListener("click", function () { change(active)(""); });
  });
  showKey();
})();
