/* The incident layer (geo/mapview.py IncidentLayer): markers built in the browser from
 * the compact payload (geo.mapview.incidents_payload), clustered by markercluster up
 * to `fastLimit` incidents and by a grid over the view above; popups and tooltips are
 * made when first opened. Rows are read by field name (`r[C.date]`): the payload
 * carries its column names. Loaded after leaflet.js and map_ui.js. */
(function () {
  "use strict";
  if (!window.L) { return; }

  function layer(map, o) {
    var group = L.featureGroup(), box = map.getContainer();
    var canvas = L.canvas({padding: 0.2});  // thousands of circles stay cheap
    // Draws one selection's incidents into `group`; returns what undoes its map
    // listeners, for the next selection.
    function build(P) {
      var off = [];
      function listen(type, fn) { map.on(type, fn); off.push([type, fn]); }
      var T = P.types, S = P.strings, R = P.rows, D = P.details, W = P.labels;
      var C = window.GeoMapUi.columns(P);  // row fields by name: r[C.date]
      var icons = {};
      function icon(t, approx, verified) {
          var k = t + "_" + approx + "_" + verified;
          if (!icons[k]) {
              icons[k] = L.divIcon({
                  className: "inc-icon inc-" + T[t][0] + (approx ? " inc-approx" : "")
                      + (verified ? " inc-verified" : ""),
                  html: '<span class="inc-pin" style="--c:' + T[t][2] + '">'
                      + o.glyphs[t] + "</span>",
                  iconSize: [22, 22], iconAnchor: [11, 11], popupAnchor: [0, -10],
                  tooltipAnchor: [10, 0]
              });
          }
          return icons[k];
      }
      function num(n) { return n < 0 ? W.unknown : String(n); }
      function popup(i) {
          var r = R[i];
          return '<div class="inc-popup"><div class="inc-head">'
              + '<span class="inc-pin" style="--c:' + T[r[C.type]][2]
              + ';width:14px;height:14px;border-width:1px"></span> <b>'
              + S[r[C.types]] + "</b>"
              + (r[C.verified] ? ' <span class="inc-check">&#10003; ' + W.verified + "</span>" : "")
              + "</div>"
              + "<div><b>" + W.date + ":</b> " + S[r[C.date]] + "</div>"
              + "<div><b>" + W.place + ":</b> " + S[r[C.place]] + "</div>"
              + (r[C.prison] >= 0 ? "<div><b>" + W.prison + ":</b> " + S[r[C.prison]] + "</div>" : "")
              + "<div><b>" + W.killed + ":</b> " + num(r[C.killed]) + " &middot; <b>"
              + W.injured + ":</b> " + num(r[C.injured]) + "</div>"
              + (D ? D[i] : '<div class="inc-note">' + P.note + "</div>")
              + GeoMapUi.popupActions(W, S[r[C.id]], r[C.prison_id] >= 0 ? S[r[C.prison_id]] : null)
              + '<div class="inc-id">' + S[r[C.id]] + "</div></div>";
      }
      function tip(i) {
          var r = R[i];
          return S[r[C.date]] + " &middot; " + T[r[C.type]][1] + "<br>" + S[r[C.place]];
      }
      function circle(i) {
          var r = R[i];
          return L.circle([r[C.lat], r[C.lon]], {
              radius: r[C.radius], color: T[r[C.type]][2], weight: 1.5, dashArray: "5 5",
              fillOpacity: 0.07, interactive: false, renderer: R.length > 500 ? canvas
              : undefined, className: "inc-uncertainty"
          });
      }
      // Popups and tooltips are bound on first use: a marker costs one small object.
      function lazy(layer) {
          layer.on("click", function (e) {
              var m = e.layer;
              if (m.options.row === undefined) { return; }
              if (!m.getPopup()) {  // once bound, Leaflet opens and closes it itself
                  m.bindPopup(popup(m.options.row), GeoMapUi.popupOptions(map));
                  m.openPopup();
              }
          });
          layer.on("mouseover", function (e) {
              var m = e.layer;
              if (m.options.row !== undefined && !m.getTooltip()) {
                  m.bindTooltip(tip(m.options.row), {direction: "right"});
                  m.openTooltip();
              }
          });
      }
      function clusterIcon(n, worst) {
          var size = n < 10 ? 30 : n < 100 ? 36 : n < 1000 ? 42 : 48;
          return L.divIcon({
              className: "inc-cluster",
              html: '<span style="--c:' + T[worst][2] + '">' + n + "</span>",
              iconSize: [size, size]
          });
      }
      if (R.length <= o.fastLimit) {
          // Leaflet.markercluster: animated clusters, spiderfied at the last zoom.
          var options = o.clusterOptions;
          // A cluster shows its count, ringed in the colour of its most severe type.
          options.iconCreateFunction = function (c) {
              var kids = c.getAllChildMarkers(), worst = T.length - 1;
              for (var k = 0; k < kids.length; k++) {
                  if (kids[k].options.severity < worst) { worst = kids[k].options.severity; }
              }
              return clusterIcon(c.getChildCount(), worst);
          };
          var cluster = L.markerClusterGroup(options);
          var circles = L.layerGroup();
          var markers = new Array(R.length);
          for (var i = 0; i < R.length; i++) {
              var r = R[i];
              markers[i] = L.marker([r[C.lat], r[C.lon]], {  // markercluster animates transforms
                  icon: icon(r[C.type], r[C.approx], r[C.verified]), riseOnHover: true, severity: r[C.type], row: i});
              if (r[C.approx] && r[C.radius] > 0) { circles.addLayer(circle(i)); }
          }
          lazy(cluster);
          cluster.addLayers(markers);
          group.addLayer(cluster);
          // Many circles at country scale are noise: show them from zoom 8 on.
          var many = circles.getLayers().length > o.circleLimit;
          var toggleCircles = function () {
              var want = !many || map.getZoom() >= 8;
              if (want && !group.hasLayer(circles)) { group.addLayer(circles); }
              if (!want && group.hasLayer(circles)) { group.removeLayer(circles); }
          };
          toggleCircles();
          listen("zoomend", toggleCircles);
      } else {
          grid();
      }
      // Many incidents: clustered on a pixel grid of the current view, redrawn after
      // each move. No Leaflet object per incident, so 100,000 cost a few milliseconds.
      function grid() {
          var n = R.length, X = new Float64Array(n), Y = new Float64Array(n);
          var crs = map.options.crs, CELL = o.gridCell;
          var nApprox = 0, d = Math.PI / 180, lim = 0.9999999;
          for (var i = 0; i < n; i++) {
              // Web Mercator pixels at zoom 0, as crs.latLngToPoint(.., 0) computes
              // them, without an object per incident.
              var s = Math.max(Math.min(Math.sin(R[i][C.lat] * d), lim), -lim);
              X[i] = 256 * (0.5 + R[i][C.lon] / 360);
              Y[i] = 256 * (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI));
              if (R[i][C.approx] && R[i][C.radius] > 0) { nApprox++; }
          }
          var many = nApprox > o.circleLimit;
          var layer = L.featureGroup(), circles = L.layerGroup();  // feature: events
          group.addLayer(circles);
          group.addLayer(layer);
          lazy(layer);
          function cellOf(i, scale, size) {
              return Math.floor(X[i] * scale / size) * 134217728
                  + Math.floor(Y[i] * scale / size);
          }
          function at(x, y) { return crs.pointToLatLng(L.point(x, y), 0); }
          function redraw() {
              var z = map.getZoom(), scale = crs.scale(z) / crs.scale(0);
              // From this zoom on, only incidents at the very same spot are grouped.
              var size = z >= o.disableAt ? 2 : CELL;
              var view = map.getPixelBounds(), pad = 2 * CELL;
              var x0 = (view.min.x - pad) / scale, x1 = (view.max.x + pad) / scale;
              var y0 = (view.min.y - pad) / scale, y1 = (view.max.y + pad) / scale;
              var cells = new Map(), wantCircles = !many || z >= 8, drawn = 0;
              circles.clearLayers();
              for (var i = 0; i < n; i++) {
                  var x = X[i], y = Y[i];
                  if (x < x0 || x > x1 || y < y0 || y > y1) { continue; }
                  var k = cellOf(i, scale, size), c = cells.get(k);
                  if (!c) {
                      c = {n: 0, sx: 0, sy: 0, worst: T.length - 1, first: i,
                           ax: x, bx: x, ay: y, by: y};
                      cells.set(k, c);
                  }
                  c.n++; c.sx += x; c.sy += y;
                  if (R[i][C.type] < c.worst) { c.worst = R[i][C.type]; }
                  if (x < c.ax) { c.ax = x; } if (x > c.bx) { c.bx = x; }
                  if (y < c.ay) { c.ay = y; } if (y > c.by) { c.by = y; }
                  if (wantCircles && R[i][C.approx] && R[i][C.radius] > 0
                          && drawn < o.circleViewLimit) {
                      circles.addLayer(circle(i));
                      drawn++;
                  }
              }
              layer.clearLayers();
              cells.forEach(function (c, k) {
                  if (c.n === 1) {
                      var r = R[c.first];
                      layer.addLayer(GeoMapUi.marker([r[C.lat], r[C.lon]], {
                          icon: icon(r[C.type], r[C.approx], r[C.verified]), riseOnHover: true, row: c.first}));
                      return;
                  }
                  var m = GeoMapUi.marker(at(c.sx / c.n, c.sy / c.n), {
                      icon: clusterIcon(c.n, c.worst), zIndexOffset: 1000});
                  m.on("click", function () {
                      var spread = (c.bx - c.ax) * scale > 1 || (c.by - c.ay) * scale > 1;
                      if (spread && z < map.getMaxZoom()) {
                          map.fitBounds(L.latLngBounds(at(c.ax, c.ay), at(c.bx, c.by)),
                                        {padding: [40, 40]});
                      } else {
                          list(k, scale, size, m.getLatLng());
                      }
                  });
                  layer.addLayer(m);
              });
          }
          // Incidents at one spot: a list; each line opens that incident's popup.
          function list(k, scale, size, where) {
              var rows = [];
              for (var i = 0; i < n; i++) {
                  if (cellOf(i, scale, size) === k) { rows.push(i); }
              }
              var shown = rows.slice(0, o.listLimit), html = [];
              for (var j = 0; j < shown.length; j++) {
                  var r = R[shown[j]];
                  html.push('<li class="inc-pick" data-row="' + shown[j] + '">' + S[r[C.date]]
                      + " &middot; " + T[r[C.type]][1] + "</li>");
              }
              var more = rows.length - shown.length;
              var box = L.popup(GeoMapUi.popupOptions(map)).setLatLng(where)
                  .setContent('<div class="inc-popup"><div class="inc-head"><b>'
                      + rows.length + " " + W.here + "</b></div><div>"
                      + S[R[rows[0]][C.place]] + "</div><ul>" + html.join("") + "</ul>"
                      + (more > 0 ? '<div class="inc-note">+' + more
                         + " " + W.more_here + "</div>" : "") + "</div>")
                  .openOn(map);
              box.getElement().addEventListener("click", function (e) {
                  var li = e.target.closest("[data-row]");
                  if (!li) { return; }
                  var i = Number(li.getAttribute("data-row"));
                  L.popup(GeoMapUi.popupOptions(map)).setLatLng([R[i][C.lat], R[i][C.lon]])
                      .setContent(popup(i)).openOn(map);
              });
          }
          redraw();
          listen("moveend", redraw);
      }
      box.setAttribute("data-incidents", String(R.length));
      // The list beside the map and links to one incident (geo/mapassets/map_ui.js).
      GeoMapUi.ready(map, P, function (i) {
          map.setView([R[i][C.lat], R[i][C.lon]], Math.max(map.getZoom(), 13));
          L.popup(GeoMapUi.popupOptions(map)).setLatLng([R[i][C.lat], R[i][C.lon]])
              .setContent(popup(i)).openOn(map);
      });
      return function () {
          off.forEach(function (f) { map.off(f[0], f[1]); });
      };
    }
    // The incidents come as a file the app serves (see geo.assets.publish): what the
    // page sends per selection stays small whatever the number of incidents. Its gzip
    // copy is a third of the size and costs the server nothing per visit.
    function fetchPayload(url) {
      var inflate = typeof DecompressionStream === "function";
      return fetch(url + (inflate ? o.gzipSuffix : ""), {credentials: "same-origin"})
        .then(function (r) {
            if (!r.ok) { throw new Error("HTTP " + r.status); }
            return inflate
                ? new Response(r.body.pipeThrough(new DecompressionStream("gzip"))).json()
                : r.json();
        });
    }
    var undo = null, latest = 0, errorBox = null;
    function failed(err) {
      if (!errorBox) {
        errorBox = L.control({position: "topleft"});
        errorBox.onAdd = function () {
            var div = L.DomUtil.create("div", "map-legend inc-error");
            div.textContent = o.loadError;
            return div;
        };
        errorBox.addTo(map);
      }
      box.setAttribute("data-incidents-error", String(err.message));
      box.removeAttribute("data-loading");
    }
    // Each selection replaces the markers in place: the map, its view and the other
    // layers stay. A selection that arrives while an older one loads wins.
    // Leaflet.markercluster, loaded the first time a selection is small enough for it:
    // the whole of a large store is drawn by the grid, and its first render waits for
    // nothing it does not use.
    var plugin = null;
    function clusterPlugin() {
      if (L.markerClusterGroup) { return Promise.resolve(); }
      if (!plugin) {
        (o.clusterCss || []).forEach(function (href) {
          var link = document.createElement("link");
          link.rel = "stylesheet";
          link.href = href;
          document.head.appendChild(link);
        });
        plugin = new Promise(function (resolve, reject) {
          var script = document.createElement("script");
          script.src = o.clusterJs;
          script.onload = resolve;
          script.onerror = function () { plugin = null; reject(new Error(o.clusterJs)); };
          document.head.appendChild(script);
        });
      }
      return plugin;
    }
    // The last payload fetched stays: a selection drawn from its rows (a bitmask,
    // `rows`) needs nothing more from the server.
    var kept = {url: null, payload: null};
    function payloadOf(s) {
      if (s.payload) { return Promise.resolve(s.payload); }
      if (kept.url === s.payloadUrl) { return kept.payload; }
      kept.url = s.payloadUrl;
      kept.payload = fetchPayload(s.payloadUrl);
      kept.payload.catch(function () { kept.url = null; });  // tried again next time
      return kept.payload;
    }
    map.on("geo:incidents", function (e) {
      var s = e.selection, mine = ++latest;
      box.setAttribute("data-loading", "1");
      payloadOf(s).then(function (P) {
          if (s.rows) { P = subset(P, s.rows); }
          return P.rows.length <= o.fastLimit ? clusterPlugin().then(function () { return P; }) : P;
      }).then(function (P) {
          if (mine !== latest) { return; }
          if (errorBox) { errorBox.remove(); errorBox = null; }
          box.removeAttribute("data-incidents-error");
          if (undo) { undo(); }
          group.clearLayers();
          undo = build(P);
          box.setAttribute("data-selection", String(mine));
          box.removeAttribute("data-loading");
      }).catch(function (err) { if (mine === latest) { failed(err); } });
    });
    return group;
  }

  /** The payload's rows (and details) whose bit is set in `mask`: base64, one bit
   * per row, the first row in the high bit of the first byte (geo.mapview.row_mask). */
  function subset(P, mask) {
    var bits = atob(mask), rows = [], details = P.details ? [] : null;
    for (var i = 0; i < P.rows.length; i++) {
      if ((bits.charCodeAt(i >> 3) >> (7 - (i & 7))) & 1) {
        rows.push(P.rows[i]);
        if (details) { details.push(P.details[i]); }
      }
    }
    var out = {};
    Object.keys(P).forEach(function (k) { out[k] = P[k]; });
    out.rows = rows;
    out.details = details;
    return out;
  }

  window.GeoIncidents = {layer: layer, subset: subset};
})();
