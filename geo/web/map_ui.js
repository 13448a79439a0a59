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
    return {maxWidth: max, minWidth: Math.min(240, max), autoPanPadding: [12, 12],
            keepInView: true};
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

  function init(map, options) {
    options = options || {};
    var box = map.getContainer();
    function sized() { box.classList.toggle("geo-narrow", narrow(map)); }
    sized();
    map.on("resize", sized);
    // A popup on a phone: the zoom buttons, layer switch and legend step aside.
    map.on("popupopen", function () { box.classList.add("geo-popup-open"); });
    map.on("popupclose", function () { box.classList.remove("geo-popup-open"); });
    // Links with data-geo-href open in the page itself, not in the map's frame.
    box.addEventListener("click", function (e) {
      var a = e.target.closest && e.target.closest("a[data-geo-nav]");
      if (!a) { return; }
      e.preventDefault();
      var loc = pageLocation();
      if (loc) { loc.href = a.href; } else { window.open(a.href, "_blank", "noopener"); }
    });
    // The legend folds; on a phone it starts folded.
    var legend = box.querySelector("details.map-legend");
    if (legend && narrow(map)) { legend.open = false; }
  }

  window.GeoMapUi = {init: init, popupOptions: popupOptions, pageHref: pageHref,
                     narrow: narrow};
})();
