// The three rates' charts: a bar chart of the composite per subject, or a line chart of the rates
// per month. Data comes from a json_script block (no inline script: strict CSP).
(function () {
  "use strict";
  var canvas = document.getElementById("rates-chart");
  var source = document.getElementById("rates-data");
  if (!canvas || !source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var colours = ["#1f5fa8", "#1b6b34", "#8a5300", "#c8161d"];
  var line = data.type === "line";
  new window.Chart(canvas, {
    type: line ? "line" : "bar",
    data: {
      labels: data.labels,
      datasets: data.series.map(function (series, i) {
        var colour = line ? colours[i % colours.length] : "#c8161d";
        return { label: series.label, data: series.data, backgroundColor: colour, borderColor: colour, spanGaps: true };
      })
    },
    options: {
      responsive: true,
      indexAxis: !line && data.labels.length > 12 ? "y" : "x",
      scales: line || data.labels.length <= 12
        ? { y: { beginAtZero: true, max: 100, ticks: { callback: function (v) { return v + "%"; } } } }
        : { x: { beginAtZero: true, max: 100, ticks: { callback: function (v) { return v + "%"; } } } },
      plugins: { legend: { position: "bottom" } }
    }
  });
})();
