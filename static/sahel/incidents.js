/* sahel-incidents map layer: region shading, clustered canvas points, heat map, legend, popups.
 *
 * base() runs once per map (sahel/maps.py, base_map): outlines from window.SahelBoundaries (on
 * the map with the first view's points), one shared canvas, tiles when reachable.
 * render() runs for every view (incident_layer) and replaces the previous view's layers in
 * place, so a filter change never reloads the map.
 * The data arrive as columns (sahel/map_payload.py): numbers as arrays, popup text as facets
 * {v: HTML fragment per distinct value, i: index per incident}. Fragments are built and
 * HTML-escaped in Python; this file only joins them and never inserts raw user text.
 */
(function () {
  "use strict";

  var TYPED = { u8: Uint8Array, u16: Uint16Array, u32: Uint32Array, i32: Int32Array,
    f64: Float64Array };

  function base64Bytes(text) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
    var chars = atob(text);
    var bytes = new Uint8Array(chars.length);
    for (var i = 0; i < chars.length; i++) bytes[i] = chars.charCodeAt(i);
    return bytes;
  }

  function unpack(column, columns) {
    // A packed column (sahel/map_payload.py, pack_ints): a little-endian typed array, in base64
    // ("b") or at offset "o", length "l" of a deflated payload's column bytes; coordinates have
    // a scale ("s").
    var buffer = "b" in column ? base64Bytes(column.b).buffer
      : columns.slice(column.o, column.o + column.l);
    var values = new TYPED[column.t](buffer);
    if (!column.s) return values;
    var scaled = new Float64Array(values.length);
    for (var j = 0; j < values.length; j++) scaled[j] = values[j] / column.s;
    return scaled;
  }

  function unpackPayload(data, columns) {
    ["lat", "lon", "group", "prec", "fat"].forEach(function (key) {
      data[key] = unpack(data[key], columns);
    });
    data.id.k = unpack(data.id.k, columns);
    data.id.n = unpack(data.id.n, columns);
    Object.keys(data.facets).forEach(function (name) {
      data.facets[name].i = unpack(data.facets[name].i, columns);
    });
    return data;
  }

  /* A deflated payload (map_payload.deflate_payload): base64 of one zlib stream holding
     [u32 LE header length][header JSON][column bytes]. Resolves to the unpacked payload. */
  function inflatePayload(text) {
    // A stream of the bytes in hand: a Blob's stream would read them back from the browser's
    // process.
    var bytes = base64Bytes(text);
    var stream = new ReadableStream({ start: function (c) { c.enqueue(bytes); c.close(); } })
      .pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).arrayBuffer().then(function (buffer) {
      var size = new DataView(buffer).getUint32(0, true);
      var header = new TextDecoder().decode(new Uint8Array(buffer, 4, size));
      return unpackPayload(JSON.parse(header), buffer.slice(4 + size));
    });
  }

  function facet(data, name, i) {
    var f = data.facets[name];
    return f ? f.v[f.i[i]] : "";
  }

  function eventId(data, i) {
    // Ids travel as prefix + number (sahel/maps.py, compact_ids); the prefix is HTML-escaped.
    var p = data.id.p[data.id.k[i]];
    var n = data.id.n[i];
    return n < 0 ? p[0] : p[0] + String(n).padStart(p[1], "0");
  }

  function radius(best) {
    // Area grows with the toll, capped so one massacre does not hide its neighbours.
    return best > 0 ? Math.min(5 + 2.2 * Math.sqrt(best), 26) : 5;
  }

  function tooltipHtml(data, i) {
    var group = data.groups[data.group[i]];
    var html = "<b>" + facet(data, "date", i) + "</b> · " + facet(data, "place", i) +
      "<br>" + (group ? group.label : "") + " · " + facet(data, "type", i) +
      " · fatalities " + facet(data, "toll", i);
    if (data.prec[i] === 3) html += "<br><i>approximate location (region only)</i>";
    return html;
  }

  function popupHtml(data, i) {
    var parts = [facet(data, "type", i), facet(data, "date", i) + " · " + facet(data, "place", i)];
    if (data.prec[i] === 3) {
      parts.push("<i>Approximate location: only the region is known; the point is not the place.</i>");
    }
    parts.push("Actors: " + facet(data, "actors", i));
    parts.push("Fatalities (best): " + facet(data, "toll", i));
    var claims = facet(data, "claims", i);
    if (claims) parts.push("Claims:" + claims);
    var notes = facet(data, "notes", i);
    if (notes) parts.push("<small>" + notes + "</small>");
    parts.push("Source: " + sourceHtml(data, i));
    parts.push("<small>" + eventId(data, i) + "</small>");
    return "<div class='sahel-popup'>" + parts.join("<br>") + "</div>";
  }

  function sourceHtml(data, i) {
    // Name, address and dataset come escaped; the address only when it is http(s).
    var name = facet(data, "source", i);
    var link = facet(data, "link", i);
    var text = link ? "<a href=\"" + link + "\" target=\"_blank\" rel=\"noopener noreferrer\">" +
      name + "</a>" : name;
    return text + " · " + facet(data, "dataset", i);
  }

  function pointStyle(data, i, renderer) {
    var group = data.groups[data.group[i]];
    var color = group ? group.color : "#777777";
    var approximate = data.prec[i] === 3;
    return {
      renderer: renderer,
      radius: radius(data.fat[i]),
      color: approximate ? color : "#222222",
      weight: approximate ? 2 : 0.8,
      dashArray: approximate ? "4 4" : null,
      fillColor: color,
      fillOpacity: approximate ? 0 : 0.8,
    };
  }

  function clusterIcon(count) {
    var size = Math.round(26 + 8 * Math.log10(count));
    return L.divIcon({
      html: "<div>" + count + "</div>",
      className: "sahel-cluster",
      iconSize: [size, size],
    });
  }

  function legendControl(data) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "sahel-legend");
      var rows = data.groups.map(function (g) {
        return "<div title='" + g.label + "'><span class='sahel-swatch' style='background:" +
          g.color + "'></span>" + g.name + " <small>(" + g.count + ")</small></div>";
      });
      rows.push("<div><span class='sahel-swatch sahel-approx'></span>approximate location</div>");
      rows.push("<div><small>size: fatalities (best)</small></div>");
      div.innerHTML = "<b>Armed group</b>" + rows.join("");
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    return control;
  }

  function addStyles(doc) {
    if (doc.getElementById("sahel-styles")) return;
    var style = doc.createElement("style");
    style.id = "sahel-styles";
    style.textContent =
      ".sahel-legend{background:rgba(255,255,255,.9);padding:5px 7px;font:11px/1.35 sans-serif;" +
      "max-height:40vh;max-width:210px;overflow:auto;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3)}" +
      ".sahel-swatch{display:inline-block;width:11px;height:11px;border-radius:50%;margin-right:5px;" +
      "vertical-align:-1px;border:1px solid #222}" +
      ".sahel-approx{border:2px dashed #555;background:none;width:9px;height:9px}" +
      ".sahel-cluster{background:rgba(40,40,40,.72);border:2px solid #fff;border-radius:50%;" +
      "color:#fff;font:bold 12px/1 sans-serif;display:flex;align-items:center;justify-content:center}" +
      ".sahel-popup{font:13px/1.45 sans-serif;max-width:340px}.sahel-claims{margin:2px 0 2px 16px;padding:0}";
    doc.head.appendChild(style);
  }

  function IncidentLayer(map, data, options, renderer) {
    this.map = map;
    this.data = data;
    this.options = options;
    this.renderer = renderer;
    this.points = L.layerGroup();
    this.index = null;
    if (data.n > options.clusterMin && typeof Supercluster !== "undefined") {
      var features = new Array(data.n);
      for (var i = 0; i < data.n; i++) {
        features[i] = { type: "Feature", properties: { i: i },
          geometry: { type: "Point", coordinates: [data.lon[i], data.lat[i]] } };
      }
      this.index = new Supercluster({ radius: 48, maxZoom: options.clusterMaxZoom, minPoints: 3 });
      this.index.load(features);
    }
  }

  IncidentLayer.prototype.marker = function (i) {
    var data = this.data;
    var m = L.circleMarker([data.lat[i], data.lon[i]], pointStyle(data, i, this.renderer));
    m.sahelIndex = i;
    m.bindTooltip(function () { return tooltipHtml(data, i); }, { sticky: true });
    m.bindPopup(function () { return popupHtml(data, i); }, { maxWidth: 360 });
    return m;
  };

  IncidentLayer.prototype.draw = function () {
    var layer = this;
    var map = this.map;
    this.points.clearLayers();
    this.byIndex = {};
    if (!this.index) {
      for (var i = 0; i < this.data.n; i++) {
        this.byIndex[i] = this.marker(i).addTo(this.points);
      }
      return;
    }
    var b = map.getBounds().pad(0.2);
    var zoom = Math.round(map.getZoom());
    var items = this.index.getClusters([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], zoom);
    items.forEach(function (f) {
      var c = f.geometry.coordinates;
      if (f.properties.cluster) {
        var id = f.properties.cluster_id;
        L.marker([c[1], c[0]], { icon: clusterIcon(f.properties.point_count) })
          .on("click", function () {
            map.setView([c[1], c[0]], Math.min(layer.index.getClusterExpansionZoom(id), 18));
          })
          .addTo(layer.points);
      } else {
        var idx = f.properties.i;
        layer.byIndex[idx] = layer.marker(idx).addTo(layer.points);
      }
    });
  };

  IncidentLayer.prototype.visibleIds = function () {
    var data = this.data;
    return Object.keys(this.byIndex).map(function (k) { return eventId(data, +k); });
  };

  IncidentLayer.prototype.openIncident = function (id) {
    var i = -1;
    for (var j = 0; j < this.data.n && i < 0; j++) if (eventId(this.data, j) === id) i = j;
    if (i < 0) return null;
    this.map.setView([this.data.lat[i], this.data.lon[i]], this.options.clusterMaxZoom + 1,
      { animate: false });
    this.draw();
    var marker = this.byIndex[i];
    if (!marker) return null;
    marker.openPopup();
    return marker.getPopup().getElement().innerText;
  };

  function addTilesWhenReachable(map, control, options) {
    // Tiles only when the browser can reach them; offline the shipped outlines are the base map.
    var probe = new Image();
    probe.onload = function () {
      var tiles = L.tileLayer(options.tiles, { attribution: options.tilesAttribution,
        maxZoom: options.maxZoom });
      tiles.addTo(map);
      tiles.bringToBack();
      control.addBaseLayer(tiles, "OpenStreetMap");
    };
    probe.src = options.tiles.replace("{z}", "3").replace("{x}", "4").replace("{y}", "3");
  }

  function heatLayer(data, options) {
    if (typeof L.heatLayer === "undefined") return null;
    var heat = L.heatLayer([], { radius: 16, blur: 18, maxZoom: options.clusterMaxZoom, max: 4 });
    // The heat map is off until picked: its points are made then, not before the first paint.
    heat.once("add", function () {
      var pts = new Array(data.n);
      for (var i = 0; i < data.n; i++) {
        pts[i] = [data.lat[i], data.lon[i], data.fat[i] > 0 ? 1 + Math.log1p(data.fat[i]) : 1];
      }
      heat.setLatLngs(pts);
    });
    // leaflet.heat's maxZoom is where points reach full intensity, but the layer control reads
    // a layer's maxZoom as "hidden above": wrapped, the heat map can be picked at any zoom.
    return L.layerGroup([heat]);
  }

  function regionTooltip(layer, base) {
    var p = layer.feature.properties;
    return "<b>Region</b> " + escapeText(p.admin1) + "<br>Country: " + escapeText(p.country) +
      "<br>" + base.regionLabel + ": " + (layer.sahelValue || 0);
  }

  function escapeText(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  var state = null;

  /* Draw the outlines every view shares and remember the map for render(). One canvas holds the
     regions, the borders and the points, regions first: a canvas takes every pointer event over the
     whole map, so a separate points canvas above the regions hid their tooltips; in one canvas
     Leaflet hit-tests the topmost shape, a point, else a region. */
  function base(map, control, options) {
    addStyles(document);
    map.setMaxZoom(options.maxZoom);
    map.getContainer().style.background = options.background;
    map.attributionControl.addAttribution(options.attribution);
    var renderer = L.canvas({ pane: options.pane, padding: 0.3 });
    var shapes = window.SahelBoundaries;
    var s = { map: map, control: control, renderer: renderer, regionLabel: "Incidents",
      view: null, bounds: null };
    s.regions = L.geoJSON(shapes.regions, { pane: options.pane, renderer: renderer,
      style: { fillColor: "#ffffff", color: "#9a9a9a", weight: 0.6, fillOpacity: 0.55 } });
    s.regions.eachLayer(function (layer) {
      layer.bindTooltip(function () { return regionTooltip(layer, s); }, { sticky: true });
    });
    s.borders = L.geoJSON(shapes.countries, { pane: options.pane, renderer: renderer,
      interactive: false, style: { color: "#3d3d3d", weight: 1.4, fill: false } });
    s.outlinesShown = false;
    // The outlines go on the map with the first view's points (draw), after the view has set its
    // bounds: their thousands of vertices are projected and drawn once, not for the map's
    // initial view and again for the view's, nor on their own while a big view is inflated.
    // If no view comes in this task, they go on as they are.
    setTimeout(function () { if (!renders) showOutlines(s); }, 0);
    addTilesWhenReachable(map, control, options);
    state = s;
    window.map = map;
    return s;
  }

  function showOutlines(s) {
    if (s.outlinesShown) return;
    s.outlinesShown = true;
    s.regions.addTo(s.map);
    s.borders.addTo(s.map);
  }

  /* Fit the map to a view's bounds when they differ from the last view's. */
  function fitView(s, options) {
    var bounds = options.bounds ? JSON.stringify(options.bounds) : null;
    if (bounds && bounds !== s.bounds) {
      s.map.fitBounds(options.bounds, { maxZoom: 9, animate: false });
      s.bounds = bounds;
    }
  }

  function shadeRegions(s, shading) {
    s.regionLabel = shading.label;
    s.regions.eachLayer(function (layer) {
      var found = shading.values[layer.feature.properties.key];
      layer.sahelValue = found ? found[1] : 0;
      layer.setStyle({ fillColor: found ? found[0] : "#ffffff" });
    });
  }

  function removeView(s, view) {
    var map = s.map;
    map.off("moveend", view.onMove);
    map.off("overlayadd", view.onOverlay);
    s.control.removeLayer(view.layer.points);
    map.removeLayer(view.layer.points);
    if (view.heat) {
      s.control.removeLayer(view.heat);
      map.removeLayer(view.heat);
    }
    map.removeControl(view.legend);
  }

  var renders = 0;
  var told = false;

  /* Tell Streamlit, once per page, that the first view has painted (or could not be drawn):
     with options.tellStreamlit (the dashboard) the map component's value becomes {painted: …},
     which reruns the script, and that run draws the sidebar and the table (dashboard.py, "map
     first"). The message is the one streamlit-component-lib's setComponentValue posts; this
     script runs in the component's frame, so Streamlit takes it as the map's. */
  function tellPainted(options, outcome) {
    if (told || !options.tellStreamlit || window.parent === window) return;
    told = true;
    window.parent.postMessage({ isStreamlitMessage: true, type: "streamlit:setComponentValue",
      value: { painted: outcome }, dataType: "json" }, "*");
  }

  /* Draw one view: a payload as JSON, or {deflated: text} for a big one (inflated first). Only
     the latest call draws: a view inflated after a newer one arrived is dropped. */
  function render(data, options) {
    var started = performance.now();
    var call = ++renders;
    // The first view fits its bounds at once, before anything is drawn (a later view fits in
    // draw(), once the previous view is gone, so that one does not redraw for the move).
    if (!state.outlinesShown) fitView(state, options);
    if (!data.deflated) return draw(unpackPayload(data), options, started, "json");
    inflatePayload(data.deflated).then(function (payload) {
      if (call === renders) draw(payload, options, started, "deflated");
    }).catch(function (error) {
      showOutlines(state);
      showFailure(error);
      tellPainted(options, "failed");
    });
    return null;
  }

  function showFailure(error) {
    var box = L.control({ position: "topright" });
    box.onAdd = function () {
      var div = L.DomUtil.create("div", "sahel-legend");
      div.textContent = "The incidents could not be unpacked in this browser (" +
        String(error && error.message || error) + "). A current Chrome, Edge, Firefox or " +
        "Safari shows them.";
      return div;
    };
    box.addTo(state.map);
    if (state.failure) state.map.removeControl(state.failure);
    state.failure = box;
  }

  /* Draw one view's incidents on the map base() made, replacing the previous view, and mark the
     page with data-sahel-rendered = options.token once painted (tests and the benchmark wait on
     it). Layers the user switched off or on stay so. */
  function draw(data, options, started, packing) {
    var s = state;
    if (s.failure) {
      s.map.removeControl(s.failure);
      s.failure = null;
    }
    var map = s.map;
    var previous = s.view;
    var pointsOn = !previous || map.hasLayer(previous.layer.points);
    var heatOn = !!(previous && previous.heat && map.hasLayer(previous.heat));
    if (previous) removeView(s, previous);
    shadeRegions(s, options.regions);
    // Overlays listed in a fixed order; the regions' name says what shades them.
    [s.regions, s.borders].forEach(function (layer) { s.control.removeLayer(layer); });
    s.control.addOverlay(s.regions, "Regions: " + s.regionLabel.toLowerCase());
    s.control.addOverlay(s.borders, "Country borders");
    fitView(s, options);
    // Before the points: the canvas draws its shapes in the order they were added.
    showOutlines(s);
    var layer = new IncidentLayer(map, data, options, s.renderer);
    var view = { layer: layer, heat: heatLayer(data, options), legend: legendControl(data) };
    if (pointsOn) layer.points.addTo(map);
    s.control.addOverlay(layer.points, "Incidents");
    if (view.heat) {
      s.control.addOverlay(view.heat, "Heat map");
      if (heatOn) view.heat.addTo(map);
    }
    view.legend.addTo(map);
    layer.draw();
    view.onMove = function () { if (layer.index) layer.draw(); };
    // Shapes shown again from the layer control are drawn last: keep the points above them.
    view.onOverlay = function (e) {
      if (e.layer === layer.points) return;
      layer.points.eachLayer(function (p) { if (p.bringToFront) p.bringToFront(); });
    };
    map.on("moveend", view.onMove);
    map.on("overlayadd", view.onOverlay);
    s.view = view;
    window.sahelLayer = layer;
    var drawn = performance.now();
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        // Timings (ms since the frame started) for bench/bench_dashboard.py.
        window.sahelTiming = { start: started, drawn: drawn, painted: performance.now() };
        map.getContainer().setAttribute("data-sahel-count", String(data.n));
        map.getContainer().setAttribute("data-sahel-packing", packing);
        map.getContainer().setAttribute("data-sahel-rendered", options.token);
        document.body.setAttribute("data-sahel-rendered", options.token);
        tellPainted(options, "drawn");
      });
    });
    return layer;
  }

  window.SahelIncidents = { base: base, render: render, popupHtml: popupHtml,
    tooltipHtml: tooltipHtml, eventId: eventId };
})();
