// Progressive enhancement: draw the Plotly figures shipped as JSON, sortable tables, filters that apply on change.
// No inline script anywhere (CSP script-src 'self'); every chart also has its data as an HTML table.
(function () {
  "use strict";
  function draw() {
    if (!window.Plotly) { return; }
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-figure"));
      if (!source) { return; }
      var fig = JSON.parse(source.textContent);
      fig.layout = fig.layout || {};
      fig.layout.autosize = true;
      if (el.clientWidth < 600) {  // phones: legend below, smaller title and margins
        fig.layout.legend = Object.assign({}, fig.layout.legend || {}, {orientation: "h", y: -0.12});
        fig.layout.title = Object.assign({}, fig.layout.title || {}, {font: {size: 13}});
        fig.layout.margin = {l: 40, r: 10, t: 40, b: 40};
      }
      // One title per chart: a section's heading that already names the chart is not repeated inside it.
      var section = el.closest("section");
      var heading = section && section.querySelector("h2, h3");
      var title = fig.layout.title && fig.layout.title.text;
      if (title && heading && heading.textContent.trim() === String(title).trim()) {
        fig.layout.title = Object.assign({}, fig.layout.title, {text: ""});
        fig.layout.margin = Object.assign({}, fig.layout.margin || {}, {t: 30});
      }
      // A printed report (body data-report) is paper: no mode bar over the chart, nothing to hover or zoom.
      var paper = document.body.hasAttribute("data-report");
      window.Plotly.newPlot(el, fig.data, fig.layout, paper ? {displayModeBar: false, staticPlot: true} :
        {displaylogo: false, responsive: true, modeBarButtonsToRemove: ["sendDataToCloud", "lasso2d", "select2d"]});
      el.setAttribute("data-drawn", "true");
    });
  }
  function sortable(table) {
    var headers = table.querySelectorAll("thead th");
    headers.forEach(function (th, index) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[index], y = b.cells[index];
          var vx = x.hasAttribute("data-value") ? parseFloat(x.getAttribute("data-value")) : x.textContent.trim();
          var vy = y.hasAttribute("data-value") ? parseFloat(y.getAttribute("data-value")) : y.textContent.trim();
          if (typeof vx === "number" && isNaN(vx)) { vx = -Infinity; }
          if (typeof vy === "number" && isNaN(vy)) { vy = -Infinity; }
          var c = (typeof vx === "number" && typeof vy === "number") ? vx - vy : String(vx).localeCompare(String(vy), "nl");
          return ascending ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }
  function locate() {  // the report form: the phone's location fills the point (the form works without it)
    var button = document.getElementById("use-location");
    if (!button || !navigator.geolocation) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (p) {
        document.getElementById("lat").value = p.coords.latitude.toFixed(6);
        document.getElementById("long").value = p.coords.longitude.toFixed(6);
      });
    });
  }
  function ready() {
    draw();
    locate();
    document.querySelectorAll("table.sortable").forEach(sortable);
    document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
})();
