// The front desk intake page (servicedesk/desk_intake.html): find the household, fill the form by keyboard.
(function () {
  "use strict";
  var box = document.getElementById("desk-search"), hits = document.getElementById("desk-hits");
  var form = document.getElementById("desk-form"), submit = document.getElementById("desk-submit");
  var labels = {call: form.dataset.labelCall, other: form.dataset.labelOther};
  function composing(e) { return e.isComposing || e.keyCode === 229; }
  function choose(a) {
    form.room.value = a.dataset.room || "";
    form.reporter.value = a.dataset.reporter || "";
    form.reporter_name.value = a.dataset.name || "";
    form.reporter_phone.value = a.dataset.phone || "";
    form.area.value = "";
    document.getElementById("chosen-label").textContent = a.dataset.roomLabel + (a.dataset.name ? " · " + a.dataset.name : "");
    document.getElementById("chosen").classList.remove("empty");
    document.getElementById("chosen-clear").hidden = false;
    var kind = form.querySelector("input[name=kind]:checked") || form.querySelector("input[name=kind]");
    kind.focus();
  }
  function links() { return Array.prototype.slice.call(hits.querySelectorAll("a.hit")); }
  hits.addEventListener("click", function (e) {
    var a = e.target.closest("a.hit");
    if (a) { e.preventDefault(); choose(a); }
  });
  hits.addEventListener("keydown", function (e) {
    var all = links(), i = all.indexOf(document.activeElement);
    if (i < 0) return;
    if (e.key === "ArrowDown" && i + 1 < all.length) { e.preventDefault(); all[i + 1].focus(); }
    if (e.key === "ArrowUp") { e.preventDefault(); (i > 0 ? all[i - 1] : box).focus(); }
  });
  box.addEventListener("keydown", function (e) {
    if (composing(e)) return;
    if (e.key === "ArrowDown") { var first = links()[0]; if (first) { e.preventDefault(); first.focus(); } return; }
    if (e.key !== "Enter") return;
    e.preventDefault();
    var q = box.value.trim();
    if (!q) return;
    var list = hits.querySelector(".desk-hits");
    if (list && list.dataset.q === q) { var a = links()[0]; if (a) choose(a); return; }
    fetch(box.dataset.url + "?q=" + encodeURIComponent(q), {headers: {"HX-Request": "true"}})
      .then(function (r) { return r.text(); })
      .then(function (html) { hits.innerHTML = html; var a = links()[0]; if (a) choose(a); });
  });
  document.getElementById("chosen-clear").addEventListener("click", function () {
    form.room.value = form.reporter.value = form.reporter_name.value = form.reporter_phone.value = "";
    document.getElementById("chosen-label").textContent = form.dataset.labelNone;
    document.getElementById("chosen").classList.add("empty");
    this.hidden = true;
    box.focus();
  });
  function sync() {
    var checked = form.querySelector("input[name=kind]:checked"), kind = checked ? checked.value : "";
    form.querySelectorAll("[data-kinds]").forEach(function (el) {
      var kinds = el.dataset.kinds.split(" ").filter(Boolean);
      el.hidden = kinds.length > 0 && kinds.indexOf(kind) < 0;
    });
    submit.textContent = kind === "call" ? labels.call : labels.other;
  }
  form.addEventListener("change", function (e) { if (e.target.name === "kind") sync(); });
  sync();
  form.description.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !composing(e)) { e.preventDefault(); form.requestSubmit(submit); }
  });
  var bad = form.querySelector(".has-error input, .has-error select, .has-error textarea");
  if (bad) bad.focus();
})();
