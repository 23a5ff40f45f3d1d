// The owner's questionnaire (portal/survey_sheet.html).
// Keep the answers as the owner goes: every change posts the form to the draft endpoint (text
// after a pause; whatever is pending when the page is left goes by sendBeacon). Submitting the
// form stays the only thing that returns it.
(function () {
  var form = document.getElementById("sheet-form"), url = form.dataset.draftUrl;
  var state = document.getElementById("draft-state"), progress = document.getElementById("sheet-progress");
  var total = form.querySelectorAll("fieldset[data-item]").length, timer = null, dirty = false, submitting = false;
  function count() {
    var n = form.querySelectorAll("fieldset[data-item] input[type=radio]:checked").length;
    progress.textContent = form.dataset.progress.replace("{n}", n).replace("{t}", total);
  }
  function save() {
    clearTimeout(timer);
    dirty = false;
    state.textContent = form.dataset.saving;
    fetch(url, {method: "POST", body: new FormData(form), credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json().then(function (d) { if (!r.ok) { throw d; } return d; }); })
      .then(function (d) { state.textContent = d.detail; })
      .catch(function (d) { dirty = true; state.textContent = (d && d.detail) || form.dataset.failed; });
  }
  form.addEventListener("change", function (e) { if (e.target.type === "radio") { count(); save(); } });
  form.addEventListener("input", function (e) {
    if (e.target.tagName === "TEXTAREA") { dirty = true; clearTimeout(timer); timer = setTimeout(save, 800); }
  });
  form.addEventListener("submit", function () { submitting = true; clearTimeout(timer); });
  window.addEventListener("pagehide", function () {
    if (dirty && !submitting && navigator.sendBeacon) { navigator.sendBeacon(url, new FormData(form)); }
  });
})();
