// Paper answer-sheet entry (engagement/sheet_entry.html), keyboard only.
(function () {
  "use strict";
  var form = document.getElementById("sheet-entry-form");
  if (!form) return;
  // Ctrl+Enter in the suggestions box saves too, so the clerk never reaches for the mouse.
  document.getElementById("id_suggestions").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); this.form.requestSubmit(); }
  });
  // After a refused entry the cursor goes back to the first field at fault, its text selected.
  var bad = form.querySelector(".has-error input, .has-error textarea");
  if (bad) { bad.focus(); if (bad.select) { bad.select(); } }
})();
