/* The prison layer (geo/mapview.py PrisonLayer): every prison as a small diamond
 * coloured by its type; those with incidents in the selection ringed in red, with
 * their count. The prisons come once with the map; each selection only says which
 * are hit ("geo:select", `prisonHits`: {row: count}). Loaded after map_ui.js. */
(function () {
  "use strict";
  if (!window.L) { return; }

  //: Row fields of geo.mapview.prisons_payload (pre-escaped text).
  var F = {lat: 0, lon: 1, colour: 2, name: 3, type: 4, commune: 5, id: 6};

  function marker(p, n, W) {
    var hit = n > 0;
    var m = window.GeoMapUi.marker([p[F.lat], p[F.lon]], {
      icon: L.divIcon({
        className: "prison-icon" + (hit ? " prison-hit" : ""),
        html: '<span class="prison-pin" style="--c:' + p[F.colour] + '"></span>',
        iconSize: hit ? [20, 20] : [12, 12],
        iconAnchor: hit ? [10, 10] : [6, 6]
      }),
      zIndexOffset: hit ? -500 : -1000
    });
    var text = "<b>" + p[F.name] + "</b><br>" + p[F.type] + (p[F.commune] ? "<br>" + p[F.commune] : "")
      + (hit ? "<br><b>" + n + "</b> " + (n > 1 ? W.many : W.one) : "")
      + window.GeoMapUi.prisonActions(W, p[F.id]);
    m.bindPopup('<div class="inc-popup">' + text + "</div>");
    m.bindTooltip(p[F.name]);
    return m;
  }

  function layer(map, rows, W) {
    var group = L.featureGroup(), shown = null;
    function draw(hits) {
      var key = JSON.stringify(hits);
      if (key === shown) { return; }  // the same prisons hit: nothing to redraw
      shown = key;
      group.clearLayers();
      for (var i = 0; i < rows.length; i++) { group.addLayer(marker(rows[i], hits[i] || 0, W)); }
    }
    // Drawn by the first selection (there always is one: geo.mapview.Selection), not
    // before it as well.
    map.on("geo:select", function (e) { draw(e.selection.prisonHits || {}); });
    return group;
  }

  window.GeoPrisons = {layer: layer, fields: F};
})();
