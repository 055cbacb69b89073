/* Draw the dashboard charts from the JSON each table carries (json_script): no inline script,
   and every chart has a table with the same numbers next to it.

   One colour per meaning across the product (issue 15, point 8): the colours are the CSS custom
   properties --sr-<meaning> of static/css/app.css, so the charts, the status labels and the
   tables agree; every meaning has a pattern (bars) or a dash (lines) as well, never colour
   alone. A value null (e.g. a month not begun yet) is a gap, never a 0. */
(function () {
  "use strict";

  // A dataset's meaning: given by the server ("meaning"), else found from its label (English
  // msgid or its German translation).
  var MEANING_BY_LABEL = {
    "held": "held", "stattgefunden": "held",
    "cancelled": "cancelled", "ausgefallen": "cancelled",
    "expected": "expected", "erwartet": "expected",
    "not logged": "not-logged", "nicht erfasst": "not-logged",
    "upcoming": "upcoming", "anstehend": "upcoming",
    "this period": "current", "dieser Zeitraum": "current",
    "a year earlier": "previous", "ein Jahr zuvor": "previous"
  };
  var PATTERN_BY_MEANING = {
    "held": "solid",
    "cancelled": "stripes",
    "expected": "cross",
    "not-logged": "dots",
    "upcoming": "dots",
    "previous": "stripes"
  };
  var FALLBACK = ["neutral", "neutral-2", "neutral-3", "neutral-4", "neutral-5"];

  function colourOf(meaning) {
    var value = getComputedStyle(document.documentElement).getPropertyValue("--sr-" + meaning);
    return value.trim() || "#1f4e79";
  }

  // A small tile with the colour and a white pattern on it, repeated over a bar.
  function pattern(colour, kind) {
    if (!kind || kind === "solid") {
      return colour;
    }
    var tile = document.createElement("canvas");
    tile.width = 8;
    tile.height = 8;
    var context = tile.getContext("2d");
    if (!context) {
      return colour;
    }
    context.fillStyle = colour;
    context.fillRect(0, 0, 8, 8);
    context.strokeStyle = "rgba(255, 255, 255, 0.75)";
    context.fillStyle = "rgba(255, 255, 255, 0.75)";
    context.lineWidth = 1.5;
    if (kind === "stripes") {
      context.beginPath();
      context.moveTo(0, 8);
      context.lineTo(8, 0);
      context.stroke();
    } else if (kind === "cross") {
      context.beginPath();
      context.moveTo(4, 0);
      context.lineTo(4, 8);
      context.moveTo(0, 4);
      context.lineTo(8, 4);
      context.stroke();
    } else if (kind === "dots") {
      context.beginPath();
      context.arc(4, 4, 1.6, 0, 2 * Math.PI);
      context.fill();
    }
    return context.createPattern(tile, "repeat") || colour;
  }

  function meaningOf(dataset, index) {
    return dataset.meaning || MEANING_BY_LABEL[dataset.label] || FALLBACK[index % FALLBACK.length];
  }

  // Anything that is not a number (null, "–") is a gap.
  function numbersOrGaps(values) {
    return values.map(function (value) {
      return typeof value === "number" ? value : null;
    });
  }

  function style(dataset, index, type) {
    var meaning = meaningOf(dataset, index);
    var colour = colourOf(meaning);
    dataset.data = numbersOrGaps(dataset.data);
    dataset.borderColor = colour;
    if (type === "line") {
      dataset.backgroundColor = colour;
      dataset.borderDash = meaning === "previous" ? [6, 4] : [];
      dataset.pointStyle = meaning === "previous" ? "rect" : "circle";
      dataset.spanGaps = false;
    } else {
      dataset.backgroundColor = pattern(colour, PATTERN_BY_MEANING[meaning]);
      dataset.borderWidth = 1;
    }
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    data.datasets.forEach(function (dataset, index) {
      style(dataset, index, data.type);
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
