// The on-page keyboard: the panel has no keyboard of its own. Fields marked data-kbd="text" get letters, digits and
// the punctuation lists use; data-kbd="tel" gets a phone keypad. Keys never take the focus from the field.
"use strict";
(function () {
  var kbd = document.getElementById("kbd");
  if (!kbd) return;
  var layouts = {
    text: [
      ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "back"],
      ["q", "w", "e", "r", "t", "y", "u", "i", "o", "p", "è"],
      ["a", "s", "d", "f", "g", "h", "j", "k", "l", "ò", "à"],
      ["shift", "z", "x", "c", "v", "b", "n", "m", "ù", "ì", "é"],
      [";", ",", ".", ":", "-", "/", "@", "'", "space", "enter", "done"]
    ],
    tel: [
      ["1", "2", "3", "+"],
      ["4", "5", "6", "back"],
      ["7", "8", "9", "0"],
      ["done"]
    ]
  };
  var labels = {
    back: "⌫", shift: "⇧", space: kbd.dataset.space, enter: kbd.dataset.enter, done: kbd.dataset.done
  };
  var target = null, shift = false, layout = "";

  function render(name) {
    layout = name;
    kbd.textContent = "";
    kbd.className = "kbd " + name;
    layouts[name].forEach(function (row) {
      var div = document.createElement("div");
      div.className = "kbd-row";
      row.forEach(function (k) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "kbd-key";
        if (labels[k] !== undefined) {
          b.dataset.action = k;
          b.textContent = labels[k];
          b.classList.add(k);
        } else {
          b.dataset.key = k;
          b.textContent = k;
        }
        div.appendChild(b);
      });
      kbd.appendChild(div);
    });
    setShift(false);
  }

  function setShift(on) {
    shift = on;
    kbd.querySelectorAll("[data-key]").forEach(function (b) {
      b.textContent = on ? b.dataset.key.toUpperCase() : b.dataset.key;
    });
    var s = kbd.querySelector("[data-action=shift]");
    if (s) s.classList.toggle("on", on);
  }

  function insert(text) {
    if (!target) return;
    if (target.maxLength > 0 && target.value.length >= target.maxLength) return;
    var start = target.selectionStart, end = target.selectionEnd;
    if (start === null) { target.value += text; } else { target.setRangeText(text, start, end, "end"); }
    target.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function backspace() {
    if (!target) return;
    var start = target.selectionStart, end = target.selectionEnd;
    if (start === null) { target.value = target.value.slice(0, -1); return; }
    if (start === end && start > 0) start--;
    target.setRangeText("", start, end, "end");
    target.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function next() {
    var fields = Array.prototype.slice.call(document.querySelectorAll("[data-kbd]"));
    var i = fields.indexOf(target);
    if (i >= 0 && i + 1 < fields.length) { fields[i + 1].focus(); } else { hide(); }
  }

  function show(field) {
    target = field;
    if (layout !== field.dataset.kbd) render(field.dataset.kbd === "tel" ? "tel" : "text");
    kbd.hidden = false;
    document.body.classList.add("kbd-open");
    field.scrollIntoView({ block: "center" });
  }

  function hide() {
    kbd.hidden = true;
    document.body.classList.remove("kbd-open");
    if (target) target.blur();
    target = null;
  }

  // Keep the focus in the field: a key press must not blur it.
  kbd.addEventListener("mousedown", function (e) { e.preventDefault(); });
  kbd.addEventListener("click", function (e) {
    var b = e.target.closest("button");
    if (!b || !target) return;
    if (b.dataset.key !== undefined) {
      insert(shift ? b.dataset.key.toUpperCase() : b.dataset.key);
      if (shift) setShift(false);
      return;
    }
    switch (b.dataset.action) {
      case "back": backspace(); break;
      case "shift": setShift(!shift); break;
      case "space": insert(" "); break;
      case "enter": if (target.tagName === "TEXTAREA") { insert("\n"); } else { next(); } break;
      case "done": hide(); break;
    }
  });
  document.addEventListener("focusin", function (e) {
    if (e.target.dataset && e.target.dataset.kbd) { show(e.target); } else if (!kbd.contains(e.target)) { hide(); }
  });
})();
