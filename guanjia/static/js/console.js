// Behaviours the console's templates ask for with data attributes instead of inline handlers, so the
// Content-Security-Policy can forbid inline script. Delegated from the document: content swapped in
// by htmx behaves the same.
(function () {
  "use strict";
  // <select data-autosubmit>: choosing sends the form (the community switcher).
  document.addEventListener("change", function (e) {
    var field = e.target.closest("[data-autosubmit]");
    if (field && field.form) { field.form.submit(); }
  });
  // <button data-print>: print the page.
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-print]")) { window.print(); }
  });
  // <form data-confirm="question">: ask before sending.
  document.addEventListener("submit", function (e) {
    var form = e.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) { e.preventDefault(); }
  });
})();
