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

  var NARROW_PX = 560;

  function narrow(map) { return map.getSize().x < NARROW_PX; }

  /** Popup options that fit the map: at most 380 px, and 48 px less than its width. */
  function popupOptions(map) {
    var width = map.getSize().x;
    var max = Math.max(160, Math.min(380, width - 48));
    // No keepInView: the grid redraws its markers after each move, and a popup
    // kept in view of a removed marker would follow a map it no longer has.
    return {maxWidth: max, minWidth: Math.min(240, max), autoPanPadding: [12, 12]};
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

  /** The view ("lat,lon,zoom") the reader left in the page's URL, or null. */
  function urlView() {
    var loc = pageLocation(), v = loc && new URLSearchParams(loc.search).get("view");
    var parts = v ? v.split(",").map(Number) : [];
    return parts.length === 3 && parts.every(isFinite) ? parts : null;
  }

  // After a filter change the map shows the selection: the incidents of the area
  // (mainland or one overseas territory) holding most of them. A view the reader
  // left that already shows them all is kept.
  function fitSelection(map, st) {
    var o = st.options, R = st.payload.rows, areas = o.areas || [], groups = {}, best = null;
    var C = columns(st.payload);
    if (!o.fit || !R.length) { return; }
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
    var v = urlView();
    if (v) {
      map.setView([v[0], v[1]], v[2], {animate: false});
      if (map.getBounds().contains(best.box)) { return; }
    }
    map.fitBounds(best.box, {padding: [40, 40], maxZoom: 11, animate: false});
    map.getContainer().setAttribute("data-fitted", String(best.n));
  }

  /** {name: index} of the payload's row fields (geo.mapview.ROW_COLUMNS). */
  function columns(P) {
    var C = {};
    P.columns.forEach(function (name, i) { C[name] = i; });
    return C;
  }

  function state(map) { return map._geoUi || (map._geoUi = {}); }

  // The list of the newest incidents beside the map; each line opens its popup.
  function recentList(map, st) {
    var P = st.payload, R = P.rows, S = P.strings, T = P.types, o = st.options;
    var C = columns(P);
    var n = Math.min(o.recent || 0, R.length);
    if (!o.recent) { return; }
    var box = L.control({position: "topright"});
    box.onAdd = function () {
      var div = L.DomUtil.create("details", "geo-recent");
      div.open = !narrow(map);
      var html = ["<summary>" + o.recentTitle + "</summary>"];
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
      div.innerHTML = html.join("");
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      function pick(e) {
        var li = e.target.closest("[data-row]");
        if (li) { st.open(Number(li.getAttribute("data-row"))); }
      }
      div.addEventListener("click", pick);
      div.addEventListener("keydown", function (e) { if (e.key === "Enter") { pick(e); } });
      return div;
    };
    box.addTo(map);
  }

  // The view (centre, zoom) in the page's URL once the reader moved the map, so a
  // shared link opens where it was left.
  function keepViewInUrl(map, st) {
    var box = map.getContainer();
    function touched() { st.userMoved = true; }
    ["mousedown", "wheel", "touchstart", "keydown"].forEach(function (ev) {
      box.addEventListener(ev, touched, {passive: true});
    });
    map.on("moveend", function () {
      var loc = pageLocation();
      if (!st.userMoved || !loc) { return; }
      var c = map.getCenter(), params = new URLSearchParams(loc.search);
      params.set("view", c.lat.toFixed(4) + "," + c.lng.toFixed(4) + ","
        + (Math.round(map.getZoom() * 4) / 4));
      try {
        window.top.history.replaceState(window.top.history.state, "",
                                        loc.pathname + "?" + params.toString());
      } catch (e) { /* not allowed: the view just stays out of the URL */ }
    });
  }

  function start(map) {
    var st = state(map);
    if (!st.options || !st.payload || st.started) { return; }
    st.started = true;
    fitSelection(map, st);
    recentList(map, st);
    var focus = st.options.focus;
    if (focus) {
      var R = st.payload.rows, S = st.payload.strings, C = columns(st.payload);
      for (var i = 0; i < R.length; i++) {
        if (unescapeHtml(S[R[i][C.id]]) === focus) { st.open(i); break; }
      }
    }
  }

  /** Called by the incident layer once its incidents are loaded. */
  function ready(map, payload, open) {
    var st = state(map);
    st.payload = payload;
    st.open = open;
    start(map);
  }

  function init(map, options) {
    options = options || {};
    var box = map.getContainer();
    function sized() { box.classList.toggle("geo-narrow", narrow(map)); }
    sized();
    map.on("resize", sized);
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
    keepViewInUrl(map, state(map));
    state(map).options = options;
    start(map);
  }

  window.GeoMapUi = {init: init, ready: ready, popupOptions: popupOptions,
                     popupActions: popupActions, prisonActions: prisonActions,
                     pageHref: pageHref, columns: columns, filterHref: filterHref, go: go, narrow: narrow};
})();
