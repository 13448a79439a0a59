/* The prison layer (geo/mapview.py PrisonLayer): every prison as a small diamond
 * coloured by its type; those with incidents in the selection ringed in red, with
 * their count. The prisons come once with the map; each selection only says which
 * are hit ("geo:select", `prisonHits`: {row: count}). Loaded after map_ui.js. */
(function () {
  "use strict";
  if (!window.L) { return; }

  //: Row fields of geo.mapview.prisons_payload (pre-escaped text).
  var F = {lat: 0, lon: 1, colour: 2, name: 3, type: 4, commune: 5, id: 6};

  function marker(p, i, n) {
    var hit = n > 0;
    return window.GeoMapUi.marker([p[F.lat], p[F.lon]], {
      icon: L.divIcon({
        className: "prison-icon" + (hit ? " prison-hit" : ""),
        html: '<span class="prison-pin" style="--c:' + p[F.colour] + '"></span>',
        iconSize: hit ? [20, 20] : [12, 12],
        iconAnchor: hit ? [10, 10] : [6, 6]
      }),
      zIndexOffset: hit ? -500 : -1000,
      row: i,
      hits: n
    });
  }

  function popup(p, n, W) {
    return '<div class="inc-popup"><b>' + p[F.name] + "</b><br>" + p[F.type]
      + (p[F.commune] ? "<br>" + p[F.commune] : "")
      + (n > 0 ? "<br><b>" + n + "</b> " + (n > 1 ? W.many : W.one) : "")
      + window.GeoMapUi.prisonActions(W, p[F.id]) + "</div>";
  }

  function layer(map, rows, W) {
    var group = L.featureGroup(), markers = [];
    // Popups and tooltips are made when first opened, as the incidents' are: a
    // selection redraws only the prisons that become hit or stop being hit (a new
    // count alone is only kept, for the popup), and those cost one small object
    // each, not a popup with its links.
    group.on("click", function (e) {
      var m = e.layer;
      if (m.options.row !== undefined && !m.getPopup()) {
        m.bindPopup(popup(rows[m.options.row], m.options.hits, W),
                    window.GeoMapUi.popupOptions(map));
        m.openPopup();
      }
    });
    group.on("mouseover", function (e) {
      var m = e.layer;
      if (m.options.row !== undefined && !m.getTooltip()) {
        m.bindTooltip(rows[m.options.row][F.name]);
        m.openTooltip();
      }
    });
    function draw(hits) {
      for (var i = 0; i < rows.length; i++) {
        var n = hits[i] || 0, old = markers[i];
        if (old && old.options.hits === n) { continue; }  // unchanged: left as it is
        if (old && (old.options.hits > 0) === (n > 0)) {  // the same look: only its count
          old.options.hits = n;
          if (old.getPopup()) { old.setPopupContent(popup(rows[i], n, W)); }
          continue;
        }
        if (old) { group.removeLayer(old); }
        markers[i] = marker(rows[i], i, n);
        group.addLayer(markers[i]);
      }
    }
    // Drawn by the first selection (there always is one: geo.mapview.Selection), not
    // before it as well.
    map.on("geo:select", function (e) { draw(e.selection.prisonHits || {}); });
    return group;
  }

  window.GeoPrisons = {layer: layer, fields: F};
})();
