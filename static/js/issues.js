// The issue pages: a live character counter under the description, and the dispatch form shows
// the member choice only when a member is chosen. Every page works without this file.
(function () {
  "use strict";
  function counters() {
    document.querySelectorAll("[data-counter-for]").forEach(function (output) {
      var field = document.getElementById(output.getAttribute("data-counter-for"));
      if (!field) { return; }
      var max = parseInt(field.getAttribute("data-counter") || field.getAttribute("maxlength") || "0", 10);
      function update() {
        var n = field.value.length;
        output.textContent = n + " / " + max;
        output.classList.toggle("text-danger", max > 0 && n > max);
      }
      field.addEventListener("input", update);
      update();
    });
  }
  function dispatchForms() {
    document.querySelectorAll("select[data-dispatch-to]").forEach(function (select) {
      var member = document.getElementById(select.getAttribute("data-dispatch-to"));
      var box = member ? member.closest(".mb-3") : null;
      if (!box) { return; }
      function update() { box.classList.toggle("d-none", select.value !== "member"); }
      select.addEventListener("change", update);
      update();
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    counters();
    dispatchForms();
  });
})();
