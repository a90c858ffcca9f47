// Shows the name of the list file chosen for upload: the file field itself is hidden behind a large button.
"use strict";
(function () {
  var file = document.getElementById("file"), name = document.getElementById("file-name");
  if (!file || !name) return;
  file.addEventListener("change", function () {
    name.textContent = file.files.length ? file.files[0].name : "";
  });
})();
