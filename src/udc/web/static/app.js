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
  function ring(points, lat0) {  // one polygon ring as SVG path data (x: longitude scaled to the latitude, y: north up)
    var k = Math.cos(lat0 * Math.PI / 180);
    return points.map(function (p, i) { return (i ? "L" : "M") + (p[0] * k).toFixed(5) + " " + (-p[1]).toFixed(5); }).join("") + "Z";
  }
  function buurtMap() {  // the report form: click a buurt on the map to choose it in the list (the list works alone)
    var box = document.getElementById("buurt-map-box"), select = document.getElementById("buurt");
    if (!box || !select || !window.fetch) { return; }
    var offered = {};
    Array.prototype.forEach.call(select.options, function (o) { if (o.value) { offered[o.value] = o.textContent; } });
    var svg = document.getElementById("buurt-map"), said = document.getElementById("buurt-map-chosen");
    var ns = "http://www.w3.org/2000/svg", paths = {};
    function show(code) {
      Object.keys(paths).forEach(function (c) { paths[c].classList.toggle("chosen", c === code); });
      said.textContent = code && offered[code] ? said.getAttribute("data-label") + ": " + offered[code] : "";
    }
    fetch(box.getAttribute("data-map"), {credentials: "same-origin"}).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (doc) {
      var features = (doc.features || []).filter(function (f) { return offered[f.properties.code]; });
      if (!features.length) { return; }
      var first = features[0].geometry.coordinates;
      while (Array.isArray(first[0])) { first = first[0]; }
      var lat0 = first[1];  // one municipality or a few: one latitude's scale is true enough
      svg.setAttribute("data-lat0", String(lat0));  // how a place maps to the drawing (x = long × cos lat0, y = −lat)
      features.forEach(function (f) {
        var polygons = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
        var path = document.createElementNS(ns, "path");
        path.setAttribute("d", polygons.map(function (rings) { return rings.map(function (r) { return ring(r, lat0); }).join(""); }).join(""));
        path.setAttribute("fill-rule", "evenodd");
        path.setAttribute("data-code", f.properties.code);
        var title = document.createElementNS(ns, "title");
        title.textContent = offered[f.properties.code];
        path.appendChild(title);
        path.addEventListener("click", function () {
          select.value = f.properties.code;
          select.dispatchEvent(new Event("change", {bubbles: true}));
        });
        paths[f.properties.code] = path;
        svg.appendChild(path);
      });
      box.hidden = false;
      var b = svg.getBBox(), pad = Math.max(b.width, b.height) * 0.02;
      svg.setAttribute("viewBox", [b.x - pad, b.y - pad, b.width + 2 * pad, b.height + 2 * pad].join(" "));
      svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
      show(select.value);
    }).catch(function () { box.hidden = true; });  // no map: the list is the way to choose
    select.addEventListener("change", function () { show(select.value); });
  }
  function ready() {
    draw();
    locate();
    buurtMap();
    document.querySelectorAll("table.sortable").forEach(sortable);
    document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
})();
