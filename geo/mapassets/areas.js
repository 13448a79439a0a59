/* France drawn by the app itself (issue 15): the land under a plain sea, department
 * boundaries coloured by their incidents (a choropleth with the count on hover; a
 * click filters to the department), a control that jumps to each overseas
 * territory, and the plain map taking over when tiles fail to load.
 * Loaded after leaflet.js and map_ui.js; called by the elements of geo/mapview.py. */
(function () {
  "use strict";
  if (!window.L) { return; }

  var LAND_PANE = "geoLand", AREA_PANE = "geoAreas";
  //: Sequential reds, light to dark: departments with more incidents are darker.
  var SCALE = ["#fde0c5", "#fcb98b", "#f7874f", "#e4572e", "#b3261e"];
  //: Tile failures, with none loaded, after which the plain map takes over.
  var TILE_FAILURES = 3;
  //: A click on a department waits this long for a second one (a double click zooms).
  var DOUBLE_CLICK_MS = 400;

  function text(value) {
    var box = document.createElement("span");
    box.textContent = String(value);
    return box.innerHTML;
  }

  function panes(map) {
    if (!map.getPane(LAND_PANE)) {
      map.createPane(LAND_PANE).style.zIndex = 250;  // above tiles (200)
      map.getPane(LAND_PANE).style.pointerEvents = "none";
      map.createPane(AREA_PANE).style.zIndex = 350;  // below circles and markers
    }
  }

  function fetchJson(url) {
    return fetch(url, {credentials: "same-origin"}).then(function (r) {
      if (!r.ok) { throw new Error(url + ": HTTP " + r.status); }
      return r.json();
    });
  }

  function failed(map, what) {
    return function (err) {
      map.getContainer().setAttribute("data-" + what + "-error", String(err.message));
    };
  }

  /** The country's land, drawn while the plain base map is the chosen one. */
  function land(map, group, o) {
    panes(map);
    var box = map.getContainer();
    group.on("add", function () { box.classList.add("geo-plain"); box.setAttribute("data-basemap", "plain"); });
    group.on("remove", function () { box.classList.remove("geo-plain"); box.setAttribute("data-basemap", "tiles"); });
    if (map.hasLayer(group)) { box.classList.add("geo-plain"); box.setAttribute("data-basemap", "plain"); }
    fetchJson(o.url).then(function (data) {
      group.addLayer(L.geoJSON(data, {
        pane: LAND_PANE, interactive: false, className: "geo-land",
        style: {color: "#6f7a83", weight: 1.2, fillColor: "#f4f1e8", fillOpacity: 1}
      }));
      box.setAttribute("data-land", "1");
    }).catch(failed(map, "land"));
  }

  function colour(n, max) {
    if (!n) { return null; }
    var step = Math.min(SCALE.length - 1, Math.ceil(SCALE.length * n / max) - 1);
    return SCALE[Math.max(0, step)];
  }

  /** Department boundaries: the name and count on hover, a click filters to it.
   * The shapes load once; each selection recolours them and rewrites their counts. */
  function departments(map, group, o) {
    panes(map);
    var counts = {}, max = 0, W = o.labels, box = map.getContainer(), layer = null;
    // A click that closes a popup is not a choice of department.
    var popupWasOpen = false;
    function down() { popupWasOpen = box.classList.contains("geo-popup-open"); }
    box.addEventListener("mousedown", down, true);
    box.addEventListener("touchstart", down, {capture: true, passive: true});
    var pending = null;
    map.on("dblclick zoomstart", function () { clearTimeout(pending); });
    function style(f) {
      var fill = colour(counts[f.properties.name] || 0, max);
      return {color: "#5f6b75", weight: 0.8, opacity: 0.9,
              fillColor: fill || "#ffffff", fillOpacity: fill ? 0.6 : 0,
              className: "geo-dept"};
    }
    function tip(name) {
      var n = counts[name] || 0;
      return "<b>" + text(name) + "</b><br>"
        + (n === 1 ? W.one : W.many.replace("{n}", String(n)))
        + '<br><span class="geo-dept-hint">' + W.hint + "</span>";
    }
    function mark(shape) {
      var el = shape.getElement && shape.getElement(), name = shape.feature.properties.name;
      if (el) { el.setAttribute("data-dept", name); el.setAttribute("data-count", String(counts[name] || 0)); }
    }
    // Only the shapes whose colour or count changed are touched: restyling all ~100
    // made the browser recompute every shape's style on each filter change.
    function paint() {
      if (!layer) { return; }
      layer.eachLayer(function (shape) {
        var name = shape.feature.properties.name, n = counts[name] || 0;
        var fill = colour(n, max);
        if (shape._geoFill !== fill) { layer.resetStyle(shape); shape._geoFill = fill; }
        if (shape._geoCount !== n) {
          shape._geoCount = n;
          shape.setTooltipContent(tip(name));
          mark(shape);
        }
      });
    }
    map.on("geo:select", function (e) {
      counts = e.selection.departments || {};
      max = 0;
      Object.keys(counts).forEach(function (k) { max = Math.max(max, counts[k]); });
      paint();
    });
    fetchJson(o.url).then(function (data) {
      layer = L.geoJSON(data, {
        pane: AREA_PANE,
        style: style,
        onEachFeature: function (f, shape) {
          var name = f.properties.name;
          shape._geoCount = counts[name] || 0;  // as drawn now (paint)
          shape._geoFill = colour(shape._geoCount, max);
          shape.bindTooltip(tip(name), {sticky: true, className: "geo-dept-tip"});
          shape.on("add", function () { mark(shape); });
          shape.on("mouseover", function () { shape.setStyle({weight: 2.5, color: "#263238"}); });
          shape.on("mouseout", function () { layer.resetStyle(shape); });
          shape.on("click", function () {
            if (popupWasOpen) { popupWasOpen = false; return; }
            // A double click zooms: the choice waits to see whether a second click follows.
            clearTimeout(pending);
            pending = setTimeout(function () {
              window.GeoMapUi.go(window.GeoMapUi.filterHref(o.param, name));
            }, DOUBLE_CLICK_MS);
          });
        }
      });
      group.addLayer(layer);
      box.setAttribute("data-departments", String(data.features.length));
    }).catch(failed(map, "departments"));
  }

  /** A folding list of the mainland and each overseas territory with the incidents
   * of the selection (rewritten for each one; its folding stays). */
  function overseas(map, o) {
    var control = L.control({position: "topleft"}), counts = {};
    function list() {
      var total = 0;
      o.places.forEach(function (p) { if (p.key !== "fr") { total += counts[p.key] || 0; } });
      var html = ["<summary>" + o.title + ' <span class="geo-n">' + total + "</span></summary><ul>"];
      o.places.forEach(function (p) {
        html.push('<li><button type="button" data-territory="' + p.key + '">' + text(p.name)
          + ' <span class="geo-n">' + (counts[p.key] || 0) + "</span></button></li>");
      });
      return html.join("") + "</ul>";
    }
    control.onAdd = function () {
      var div = L.DomUtil.create("details", "geo-overseas");
      div.innerHTML = list();
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      // One folding panel open at a time on the left: this list or the legend.
      var legend = map.getContainer().querySelector("details.map-legend");
      div.addEventListener("toggle", function () { if (div.open && legend) { legend.open = false; } });
      if (legend) {
        legend.addEventListener("toggle", function () { if (legend.open) { div.open = false; } });
      }
      div.addEventListener("click", function (e) {
        var b = e.target.closest("[data-territory]");
        if (!b) { return; }
        o.places.forEach(function (p) {
          if (p.key === b.getAttribute("data-territory")) {
            map.fitBounds([[p.bounds[0], p.bounds[1]], [p.bounds[2], p.bounds[3]]]);
            map.getContainer().setAttribute("data-territory", p.key);
          }
        });
      });
      return div;
    };
    control.addTo(map);
    map.on("geo:select", function (e) {
      counts = e.selection.territories || {};
      var div = control.getContainer(), open = div.open;
      div.innerHTML = list();
      div.open = open;
    });
  }

  /** When tiles keep failing (no network, a blocked host), the plain map takes over. */
  function fallback(map, tiles, plain, note) {
    var errors = 0, loaded = 0, done = false;
    tiles.on("tileload", function () { loaded++; });
    tiles.on("tileerror", function () {
      errors++;
      if (done || loaded || errors < TILE_FAILURES) { return; }
      done = true;
      map.removeLayer(tiles);
      map.addLayer(plain);
      var box = L.control({position: "topleft"});
      box.onAdd = function () {
        var div = L.DomUtil.create("div", "geo-tiles-note");
        div.textContent = note;
        return div;
      };
      box.addTo(map);
      map.getContainer().setAttribute("data-tiles-failed", String(errors));
    });
  }

  window.GeoAreas = {land: land, departments: departments, overseas: overseas,
                     fallback: fallback, colour: colour};
})();
