/* The map's first script: asks for all of the map's other files at once.
 *
 * streamlit-folium loads a map's scripts one after another (each waits for the one
 * before), then its style sheets, and only then runs the map's script, which fetches
 * the boundaries: on a loaded 2-core machine that chain took 0.5-0.9 s of the first
 * render. This file comes first in the chain and adds a <link rel="preload"> for each
 * of those files, so the browser fetches them in parallel and the chain finds them in
 * its cache. The list travels in this script's own URL, after "#" (the fragment is
 * never sent, so the file is cached once): [[url, "script" | "style" | "fetch"], ...],
 * the incidents of the whole store among them.
 * A URL without a list, or a list that does not parse, preloads nothing.
 */
(function (window) {
  "use strict";

  function files(src) {
    var at = src ? src.indexOf("#") : -1;
    if (at < 0) return [];
    try {
      var list = JSON.parse(decodeURIComponent(src.slice(at + 1)));
      return Array.isArray(list) ? list : [];
    } catch (e) {
      return [];
    }
  }

  function preload(document, list) {
    list.forEach(function (item) {
      if (!Array.isArray(item) || typeof item[0] !== "string") return;
      // The incidents' gzip copy is what incidents.js asks for where it can inflate it
      // (DecompressionStream); an older browser asks for the plain file instead.
      if (/\.gz$/.test(item[0]) && typeof window.DecompressionStream !== "function") return;
      var link = document.createElement("link");
      link.rel = "preload";
      link.href = item[0];
      link.as = item[1];
      // fetch() asks in CORS mode: the preload must too, or the browser fetches twice
      if (item[1] === "fetch") link.crossOrigin = "anonymous";
      document.head.appendChild(link);
    });
  }

  window.GeoPreload = {files: files};
  var doc = window.document, me = doc && doc.currentScript;
  if (me) preload(doc, files(me.src));
})(window);
