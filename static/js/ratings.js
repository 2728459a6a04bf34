// Ratings pages: the width of progress bars (no inline styles: strict CSP), after htmx swaps too;
// the print button of the lists notice; the year-over-year chart; the campaign form's scope.
(function () {
  "use strict";
  function bars(root) {
    (root || document).querySelectorAll("[data-progress]").forEach(function (bar) {
      var value = Math.max(0, Math.min(100, parseInt(bar.getAttribute("data-progress"), 10) || 0));
      bar.style.width = value + "%";
    });
  }
  bars();
  document.body.addEventListener("htmx:afterSettle", function (event) { bars(event.target); });

  // The lists notice prints on A4 (a constructed sheet: no <style> element under the CSP).
  if (document.querySelector(".ratings-notice") && "adoptedStyleSheets" in document) {
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync("@page { size: A4 portrait; margin: 15mm; } @media print { .ratings-notice { font-size: 11pt; } }");
      document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
    } catch (e) { /* printing still works with the browser's page size */ }
  }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // The campaign form: show the place field the chosen scope needs.
  document.querySelectorAll("[data-campaign-form]").forEach(function (form) {
    var scope = form.querySelector("select[name=scope]");
    if (!scope) { return; }
    function update() {
      ["subdistrict", "district"].forEach(function (name) {
        var field = form.querySelector("[name=" + name + "]");
        var box = field && field.closest(".mb-3");
        if (box) { box.hidden = scope.value !== name; }
      });
    }
    scope.addEventListener("change", update);
    update();
  });

  var canvas = document.getElementById("ratings-chart");
  var source = document.getElementById("ratings-chart-data");
  if (canvas && source && typeof window.Chart !== "undefined") {
    var data = JSON.parse(source.textContent);
    var colours = ["#b71c1c", "#8a5300", "#1b6b34", "#1f5fa8", "#6f42c1", "#5c636a", "#212529"];
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (set, i) {
          return {
            label: set.label, data: set.data, yAxisID: set.yAxisID, borderColor: colours[i % colours.length],
            backgroundColor: colours[i % colours.length], borderWidth: i === 0 ? 3 : 1.5, tension: 0.2
          };
        })
      },
      options: {
        responsive: true,
        scales: {
          y: { position: "left", beginAtZero: true, title: { display: true, text: data.axes.y } },
          y1: { position: "right", beginAtZero: true, ticks: { precision: 0 }, grid: { drawOnChartArea: false },
                title: { display: true, text: data.axes.y1 } }
        },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }
})();
