// Charts for the figures pages. Data comes from a json_script block (no inline script: strict CSP).
(function () {
  "use strict";
  var canvas = document.getElementById("coverage-chart");
  var source = document.getElementById("coverage-data");
  if (!canvas || !source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var colours = ["#c8161d", "#1f5fa8", "#1b6b34", "#8a5300", "#6f42c1"];
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.series.map(function (series, i) {
        return { label: series.label, data: series.data, backgroundColor: colours[i % colours.length] };
      })
    },
    options: {
      responsive: true,
      scales: { y: { beginAtZero: true, max: 100, ticks: { callback: function (v) { return v + "%"; } } } },
      plugins: { legend: { position: "bottom" } }
    }
  });
})();
