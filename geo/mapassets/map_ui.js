/* The map's behaviour around the incidents (issue 16): focus without scrolling the
 * page, popups that fit a phone, a legend that folds, links into the page's URL.
 * Loaded after leaflet.js; `GeoMapUi.init(map, options)` is called by the map. */
(function () {
  "use strict";
  if (!window.L) { return; }

  // Leaflet focuses its container on mouse-down (keyboard panning). In an iframe
  // partly below the fold the browser then scrolls the page to show it, and the
  // click lands beside the marker: the first click was lost. Focus, don't scroll.
  if (L.Map.Keyboard) {
    L.Map.Keyboard.prototype._onMouseDown = function () {
      if (this._focused) { return; }
      try {
        this._map._container.focus({preventScroll: true});
      } catch (e) {
        /* very old browsers: no focus options; keyboard panning is then off */
      }
    };
  }

  // Markers placed by left/top, not by a 3D transform: Chrome gives every element with
  // a translate3d its own compositing layer, and the 186 prisons and the grid's markers
  // (250 layers) were layered again on every frame of the page, 15-25 ms each, several
  // frames per filter change. The map's panes keep their transforms (panning and zoom
  // stay composited); such a marker jumps to its new place when a zoom starts instead
  // of gliding with the map for a quarter of a second.
  var FlatMarker = null;  // made on first use: Leaflet may not be loaded before this file
  function marker(latlng, options) {
    if (!FlatMarker) {
      FlatMarker = L.Marker.extend({
        _setPos: function (pos) {
          var icon = this._icon;
          if (icon) {
            icon._leaflet_pos = pos;  // as L.DomUtil.setPosition keeps it
            icon.style.left = pos.x + "px";
            icon.style.top = pos.y + "px";
          }
          this._zIndex = pos.y + this.options.zIndexOffset;
          this._resetZIndex();
        }
      });
    }
    return new FlatMarker(latlng, options);
  }

  var NARROW_PX = 560;

  function narrow(map) { return map.getSize().x < NARROW_PX; }

  /** Popup options that fit the map: at most 380 px, and 48 px less than its width,
   * kept clear of the controls on either side where there is room between them. */
  function popupOptions(map) {
    var width = map.getSize().x, box = map.getContainer();
    var max = Math.max(160, Math.min(380, width - 48));
    // No keepInView: the grid redraws its markers after each move, and a popup
    // kept in view of a removed marker would follow a map it no longer has.
    var options = {maxWidth: max, minWidth: Math.min(240, max), autoPanPadding: [12, 12]};
    // On a phone the controls step aside while a popup is open (geo-popup-open).
    if (narrow(map)) { return options; }
    function taken(corner) {
      var el = box.querySelector(corner);
      return el ? el.getBoundingClientRect().width : 0;
    }
    // On a wide map the layer switch and the list of latest incidents take the right
    // side: a popup opened there is moved clear of them, not left under them.
    var right = taken(".leaflet-top.leaflet-right");
    if (right) { options.autoPanPaddingBottomRight = [right + 12, 12]; }  // x: the right
    // The legend, the overseas list and the notes take the left side: the popup keeps
    // to the band between both sides, narrower if need be, when it can be 240 px there.
    var left = Math.max(taken(".leaflet-top.leaflet-left"), taken(".leaflet-bottom.leaflet-left"));
    // The band less both paddings and the popup's own margins (Leaflet's CSS: ~46 px).
    var band = width - left - right - 24 - 48;
    if (left && band >= options.minWidth) {
      options.autoPanPaddingTopLeft = [left + 12, 12];
      options.maxWidth = Math.min(max, band);
    }
    return options;
  }

  /** The page's own URL (the map is in a same-origin iframe), or null. */
  function pageLocation() {
    try { return window.top.location; } catch (e) { return null; }
  }

  /** A link into the dashboard with these URL parameters, keeping `lang`. */
  function pageHref(params) {
    var loc = pageLocation();
    var base = loc ? loc.origin + loc.pathname : "";
    var here = loc ? new URLSearchParams(loc.search) : new URLSearchParams();
    var out = new URLSearchParams();
    if (here.get("lang")) { out.set("lang", here.get("lang")); }
    Object.keys(params).forEach(function (k) { out.set(k, params[k]); });
    return base + "?" + out.toString();
  }

  /** The text of pre-escaped HTML (ids and names in the payload are escaped). */
  function unescapeHtml(html) {
    var box = document.createElement("textarea");
    box.innerHTML = html;
    return box.value;
  }

  function navLink(params, label) {
    // Built from encoded parameters: nothing in href can close the attribute.
    return '<a data-geo-nav target="_top" href="'
      + pageHref(params).replace(/"/g, "%22") + '">'
      + label + "</a>";
  }

  /** Links under an incident's popup: to itself, and to its prison's incidents. */
  function popupActions(W, id, prisonId) {
    var parts = [navLink({incident: unescapeHtml(id)}, W.link)];
    if (prisonId) { parts.push(navLink({prison: unescapeHtml(prisonId)}, W.show_prison)); }
    return '<div class="inc-actions">' + parts.join("") + "</div>";
  }

  /** The link under a prison's popup: its incidents (the Prison filter). */
  function prisonActions(W, prisonId) {
    if (!prisonId) { return ""; }
    return '<div class="inc-actions">' + navLink({prison: unescapeHtml(prisonId)}, W.show)
      + "</div>";
  }

  /** Open `href` in the page. The map's frame is sandboxed without top navigation,
   * but shares the page's origin: a link made in the page's own document and
   * clicked there navigates as the page's. Else a new tab (allow-popups). */
  function go(href) {
    try {
      var doc = window.top.document, link = doc.createElement("a");
      link.href = href;
      link.style.display = "none";
      doc.body.appendChild(link);
      link.click();
      link.remove();
    } catch (err) {
      window.open(href, "_blank", "noopener");
    }
  }

  /** The page's URL with one filter set to `value` (the others kept; the view and
   * the incident link dropped, so the map fits the new selection). */
  function filterHref(key, value) {
    var loc = pageLocation();
    var params = loc ? new URLSearchParams(loc.search) : new URLSearchParams();
    ["view", "incident", key].forEach(function (k) { params.delete(k); });
    params.append(key, value);
    return (loc ? loc.origin + loc.pathname : "") + "?" + params.toString();
  }

  // After a filter change the map shows the selection: the incidents of the area
  // (mainland or one overseas territory) holding most of them. A view the reader chose
  // (moved by hand, or opened from a shared link) that already shows them all is
  // kept: they looked there on purpose, and the selection is in sight. With no
  // filter, a map the reader has not moved goes back to France.
  function fitSelection(map, st) {
    var o = st.options, sel = st.selection || {}, R = st.payload.rows;
    var areas = o.areas || [], groups = {}, best = null;
    var C = columns(st.payload), box = map.getContainer();
    var pad = [o.fitPadding || 0, o.fitPadding || 0];  // the opening fit's (geo.mapview)
    if (!sel.fit) {
      if (!st.userMoved && o.home && st.fitted) {
        fitTo(map, st, o.home, {padding: pad, animate: false});
        st.fitted = false;
        box.removeAttribute("data-fitted");
      }
      return;
    }
    if (!R.length) { return; }
    for (var i = 0; i < R.length; i++) {
      var lat = R[i][C.lat], lon = R[i][C.lon], key = "other";
      for (var a = 0; a < areas.length; a++) {
        var b = areas[a].bounds;
        if (lat >= b[0] && lat <= b[2] && lon >= b[1] && lon <= b[3]) { key = areas[a].key; break; }
      }
      var g = groups[key] || (groups[key] = {n: 0, box: L.latLngBounds([lat, lon], [lat, lon])});
      g.n++;
      g.box.extend([lat, lon]);
      if (!best || g.n > best.n) { best = g; }
    }
    if (st.userMoved && map.getBounds().contains(best.box)) { return; }
    fitTo(map, st, best.box, {padding: pad, maxZoom: 11, animate: false});
    // The map now shows what the app chose: the reader's view is no longer on it.
    st.userMoved = false;
    st.fitted = true;
    setView(null);
    box.setAttribute("data-fitted", String(best.n));
  }

  /** `map.fitBounds(bounds, options)` unless the map shows `bounds` already, inside
   * the padding, and the fit would zoom in by less than a level: two selections that
   * both span France then keep the view. Such a fit barely changes what is seen but
   * costs a new view: Leaflet projects every department's shape again and the
   * incidents are redrawn (~45 ms a filter change here). Not the reader's move. */
  function fitTo(map, st, bounds, options) {
    var box = L.latLngBounds(bounds), pad = L.point(options.padding || [0, 0]);
    var zoom = map.getBoundsZoom(box, false, pad.multiplyBy(2));  // as fitBounds does
    if (typeof options.maxZoom === "number") { zoom = Math.min(options.maxZoom, zoom); }
    var view = map.getPixelBounds(), nw = map.project(box.getNorthWest());
    var se = map.project(box.getSouthEast());
    var inside = nw.x >= view.min.x + pad.x && nw.y >= view.min.y + pad.y
      && se.x <= view.max.x - pad.x && se.y <= view.max.y - pad.y;
    if (inside && zoom - map.getZoom() < 1) { return; }
    st.fitting = true;  // keepViewInUrl: the app's move
    map.fitBounds(bounds, options);
    st.fitting = false;
  }

  /** The page's URL with `view` set to "lat,lon,zoom", or removed (null). */
  function setView(value) {
    var loc = pageLocation();
    if (!loc) { return; }
    var params = new URLSearchParams(loc.search);
    if (value === null && !params.has("view")) { return; }
    if (value === null) { params.delete("view"); } else { params.set("view", value); }
    try {
      window.top.history.replaceState(window.top.history.state, "",
                                      loc.pathname + (params.toString() ? "?" + params : ""));
    } catch (e) { /* not allowed: the view just stays as it was in the URL */ }
  }

  /** {name: index} of the payload's row fields (geo.mapview.ROW_COLUMNS). */
  function columns(P) {
    var C = {};
    P.columns.forEach(function (name, i) { C[name] = i; });
    return C;
  }

  function state(map) { return map._geoUi || (map._geoUi = {}); }

  // The list of the newest incidents beside the map; each line opens its popup.
  // Made once; its lines are replaced for each selection (its folding stays).
  function recentList(map, st) {
    var o = st.options;
    if (!o.recent) { return; }
    if (!st.recentBox) {
      var control = L.control({position: "topright"});
      control.onAdd = function () {
        var div = L.DomUtil.create("details", "geo-recent");
        div.open = !narrow(map);
        div.innerHTML = "<summary>" + o.recentTitle + '</summary><div class="geo-recent-body"></div>';
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        function pick(e) {
          var li = e.target.closest("[data-row]");
          if (li && st.open) { st.open(Number(li.getAttribute("data-row"))); }
        }
        div.addEventListener("click", pick);
        div.addEventListener("keydown", function (e) { if (e.key === "Enter") { pick(e); } });
        return div;
      };
      control.addTo(map);
      st.recentBox = control.getContainer().querySelector(".geo-recent-body");
    }
    var P = st.payload, R = P.rows, S = P.strings, T = P.types, C = columns(P);
    var n = Math.min(o.recent, R.length), html = [];
    if (!n) { html.push('<div class="geo-recent-none">' + o.recentNone + "</div>"); }
    html.push("<ol>");
    for (var i = 0; i < n; i++) {
      var r = R[i];
      html.push('<li data-row="' + i + '" tabindex="0"><span class="geo-dot" style="--c:'
        + T[r[C.type]][2] + '"></span><span class="geo-when">' + S[r[C.date]] + "</span> "
        + '<b>' + T[r[C.type]][1] + "</b><br>" + S[r[C.place]]
        + (r[C.source] >= 0 ? '<br><span class="geo-src">' + S[r[C.source]] + "</span>" : "")
        + "</li>");
    }
    html.push("</ol>");
    st.recentBox.innerHTML = html.join("");
  }

  //: A move that ends this long after the reader's last input in the map is the app's.
  var GESTURE_MS = 1000;

  // The view (centre, zoom) in the page's URL once the reader moved the map, so a
  // shared link opens where it was left. A move is the reader's when it follows
  // their input (a drag, the wheel, a key, a zoom or overseas button), not when the
  // app fits a selection; a click that moves nothing (a popup, the legend) is none.
  function keepViewInUrl(map, st) {
    var box = map.getContainer(), lastInput = -Infinity, dragged = false;
    function touched() { lastInput = Date.now(); }
    ["mousedown", "mouseup", "wheel", "touchstart", "touchend", "keydown"].forEach(function (ev) {
      // Capture: the zoom buttons and other controls stop their events from bubbling.
      box.addEventListener(ev, touched, {passive: true, capture: true});
    });
    map.on("dragstart", function () { dragged = true; });
    map.on("moveend", function () {
      var mine = dragged || Date.now() - lastInput < GESTURE_MS;
      dragged = false;
      if (st.fitting || !mine) { return; }
      st.userMoved = true;
      var c = map.getCenter();
      setView(c.lat.toFixed(4) + "," + c.lng.toFixed(4) + "," + (Math.round(map.getZoom() * 4) / 4));
    });
  }

  /** Called by the incident layer each time a selection's incidents are drawn. */
  function ready(map, payload, open) {
    var st = state(map);
    st.payload = payload;
    st.open = open;
    if (!st.options) { return; }
    fitSelection(map, st);
    recentList(map, st);
    // The incident of a shared link opens once, not again on each later selection.
    var focus = (st.selection || {}).focus;
    if (focus && st.focused !== focus) {
      var R = payload.rows, S = payload.strings, C = columns(payload);
      for (var i = 0; i < R.length; i++) {
        if (unescapeHtml(S[R[i][C.id]]) === focus) { st.focused = focus; open(i); break; }
      }
    }
  }

  /** A new selection (the filters changed): every layer that depends on it listens
   * to "geo:select" ("geo:incidents" for the incident layer, told first) and updates
   * itself in place (geo.mapview.Selection). The map,
   * its base layers and the reader's view stay. */
  function select(map, selection, payload) {
    if (payload) { selection.payload = payload; }
    state(map).selection = selection;
    // The incidents first: their file loads while the other layers redraw.
    map.fire("geo:incidents", {selection: selection});
    map.fire("geo:select", {selection: selection});
  }

  /** The legend: a folding panel whose rows each selection replaces. */
  function legend(map, o) {
    var control = L.control({position: "bottomleft"});
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "map-legend-box");
      div.innerHTML = '<details class="map-legend" open><summary>' + o.title
        + '</summary><div class="map-legend-body"></div></details>';
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    control.addTo(map);
    var body = control.getContainer().querySelector(".map-legend-body");
    map.on("geo:select", function (e) { body.innerHTML = e.selection.legend || ""; });
  }

  function init(map, options) {
    options = options || {};
    var box = map.getContainer();
    // On a phone the layer switch folds to Leaflet's button, as the legend does: open,
    // it covered a third of the map and the notes on its left. Its button opens it (a
    // Leaflet handler); a tap on the map folds it again.
    var layers = box.querySelector(".leaflet-control-layers"), wasNarrow = null;
    function sized() {
      var small = narrow(map);
      box.classList.toggle("geo-narrow", small);
      if (layers && small !== wasNarrow) {
        layers.classList.toggle("leaflet-control-layers-expanded", !small);
      }
      wasNarrow = small;
    }
    sized();
    map.on("resize", sized);
    map.on("click", function () {
      if (layers && narrow(map)) { layers.classList.remove("leaflet-control-layers-expanded"); }
    });
    // A popup on a phone: the zoom buttons, layer switch and legend step aside.
    map.on("popupopen", function () { box.classList.add("geo-popup-open"); });
    map.on("popupclose", function () { box.classList.remove("geo-popup-open"); });
    // Links marked data-geo-nav open in the page itself, not in the map's frame. In
    // the capture phase: popups stop clicks from bubbling up to the map.
    box.addEventListener("click", function (e) {
      var a = e.target.closest && e.target.closest("a[data-geo-nav]");
      if (!a) { return; }
      e.preventDefault();
      e.stopPropagation();
      go(a.href);
    }, true);
    // The legend folds; on a phone it starts folded.
    var legend = box.querySelector("details.map-legend");
    if (legend && narrow(map)) { legend.open = false; }
    var st = state(map);
    keepViewInUrl(map, st);
    st.options = options;
    // A shared link's view counts as the reader's own: a selection in it stays put.
    st.userMoved = !!options.view;
    // streamlit-folium evaluates the selection sent with its first render, but drops
    // any newer one that comes while the map's scripts load (a filter changed early).
    // Streamlit happens to resend its arguments when the frame's height is first set;
    // saying "ready" again asks for the latest explicitly. An unchanged one is skipped.
    if (window.Streamlit && window.Streamlit.setComponentReady) {
      setTimeout(function () { window.Streamlit.setComponentReady(); }, 0);
    }
  }

  window.GeoMapUi = {init: init, ready: ready, select: select, legend: legend, marker: marker,
                     popupOptions: popupOptions,
                     popupActions: popupActions, prisonActions: prisonActions,
                     pageHref: pageHref, columns: columns, filterHref: filterHref, go: go, narrow: narrow};
})();
