// The owner's report form (portal/report.html).
(function () {
  "use strict";
  // Show how many photos were chosen (the native file input is hidden behind the big button).
  var out = document.getElementById("photo-names");
  if (!out) return;
  document.getElementById(out.dataset.input).addEventListener("change", function () {
    var n = this.files.length;
    out.textContent = n ? out.dataset.chosen.replace("{n}", n) : out.dataset.none;
  });
})();
