/* Draw the dashboard charts from the JSON each table carries (json_script): no inline script,
   and every chart has a table with the same numbers next to it. */
(function () {
  "use strict";
  var colours = ["#1f4e79", "#b02a37", "#198754", "#6f42c1", "#fd7e14"];

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    data.datasets.forEach(function (dataset, index) {
      dataset.backgroundColor = colours[index % colours.length];
      dataset.borderColor = colours[index % colours.length];
    });
    new Chart(canvas, {
      type: data.type,
      data: { labels: data.labels, datasets: data.datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  });
})();
