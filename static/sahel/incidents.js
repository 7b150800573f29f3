/* sahel-incidents map layer: region shading, clustered canvas points, heat map, town names,
 * legend, popups.
 *
 * base() runs once per map (sahel/maps.py, base_map): outlines from window.SahelBoundaries (on
 * the map with the first view's points), town names from window.SahelTowns, one shared canvas,
 * tiles when reachable.
 * render() runs for every view (incident_layer) and replaces the previous view's layers in
 * place, so a filter change never reloads the map.
 * The data arrive as columns (sahel/map_payload.py): numbers as arrays, popup text as facets
 * {v: HTML fragment per distinct value, i: index per incident}. Fragments are built and
 * HTML-escaped in Python; this file only joins them and never inserts raw user text. Every word
 * a user reads comes from Python too, in the page's language (options.labels,
 * sahel/map_text.py): none is written here.
 */
(function () {
  "use strict";

  var TYPED = { u8: Uint8Array, u16: Uint16Array, u32: Uint32Array, i32: Int32Array,
    f64: Float64Array };
  // Layer names as the page keeps them (sahel/maps.py, MAP_LAYERS), in the control's order.
  var LAYER_NAMES = ["regions", "borders", "towns", "points", "heat"];
  // The popups' links for editors, by what they ask the page for (sahel/maps.py EDITOR_ASKS).
  var EDITOR_ASKS = ["history", "links"];
  var TOWNS_PANE = "sahelTowns";
  var TOWNS_LAST_ZOOM = 12;

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
      var f = data.facets[name];
      f.i = unpack(f.i, columns);
      if (f.k) f.k = unpack(f.k, columns);
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

  function dateKey(data, i) {
    var f = data.facets.date;
    return f && f.k ? f.k[f.i[i]] : 0;
  }

  function eventId(data, i) {
    // Ids travel as prefix + number (sahel/maps.py, compact_ids); the prefix is HTML-escaped.
    var p = data.id.p[data.id.k[i]];
    var n = data.id.n[i];
    return n < 0 ? p[0] : p[0] + String(n).padStart(p[1], "0");
  }

  /* Fill a translated template's {name} placeholders with HTML fragments. */
  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (whole, name) {
      return name in values ? values[name] : whole;
    });
  }

  /* Write a whole number with the language's digit-group sign (options.number). */
  function formatCount(value, number) {
    var digits = String(Math.round(Math.abs(value)));
    var group = number && number.group != null ? number.group : ",";
    var out = digits.replace(/\B(?=(\d{3})+(?!\d))/g, group);
    return value < 0 ? "-" + out : out;
  }

  function escapeText(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function radius(best) {
    // Area grows with the toll, capped so one massacre does not hide its neighbours.
    return best > 0 ? Math.min(5 + 2.2 * Math.sqrt(best), 26) : 5;
  }

  function tooltipHtml(data, i, labels) {
    var group = data.groups[data.group[i]];
    var html = "<b>" + facet(data, "date", i) + "</b> · " + facet(data, "place", i) +
      "<br>" + (group ? group.label : "") + " · " + facet(data, "type", i) +
      " · " + fill(labels.fatalitiesShort, { toll: facet(data, "toll", i) });
    if (data.prec[i] === 3) html += "<br><i>" + labels.approximateShort + "</i>";
    return html;
  }

  function popupHtml(data, i, options) {
    var labels = options.labels;
    var parts = [facet(data, "type", i), facet(data, "date", i) + " · " + facet(data, "place", i)];
    if (data.prec[i] === 3) parts.push("<i>" + labels.approximate + "</i>");
    parts.push(fill(labels.actors, { value: facet(data, "actors", i) }));
    parts.push(fill(labels.fatalities, { value: facet(data, "toll", i) }));
    var claims = facet(data, "claims", i);
    if (claims) parts.push(fill(labels.claims, { value: claims }));
    var notes = facet(data, "notes", i);
    if (notes) parts.push("<small>" + notes + "</small>");
    parts = parts.concat(sourceLines(data, i, options));
    parts.push("<small>" + eventId(data, i) + "</small>");
    // An event counted once: every source side by side, and why they were linked (built and
    // escaped in Python, sahel/map_sources.py).
    var sources = facet(data, "sources", i);
    var linked = sources ? " sahel-linked" : "";
    return "<div class='sahel-popup" + linked + "'>" + parts.join("<br>") + sources + "</div>";
  }

  function linkHtml(href, text) {
    // Addresses come escaped and checked (http/https only) from Python, or are made here of a
    // UCDP event's digits.
    return "<a href=\"" + href + "\" target=\"_blank\" rel=\"noopener noreferrer\">" + text +
      " ↗</a>";
  }

  /* The source's name (linked to the report when there is one), the dataset, and a link to the
     record at its source: a UCDP GED event's page, made of its id. */
  function sourceLines(data, i, options) {
    var labels = options.labels;
    var lines = [];
    var name = facet(data, "source", i);
    var link = facet(data, "link", i);
    var report = link && link !== "ucdp_ged" ? link : "";
    if (name || report) {
      var shown = report ? linkHtml(report, name || labels.report) : name;
      lines.push(fill(labels.source, { value: shown }));
    }
    var dataset = facet(data, "dataset", i);
    if (dataset) lines.push(fill(labels.dataset, { value: dataset }));
    var ucdp = link === "ucdp_ged" && /^UCDP-(\d+)$/.exec(eventId(data, i));
    if (ucdp && options.ucdpEventUrl) {
      lines.push(linkHtml(options.ucdpEventUrl.replace("{id}", ucdp[1]), labels.atUcdp));
    }
    // For editors: the page shows the incident's history (a store that records every write)
    // or its sources and links, in a dialog (see askPage in base()).
    EDITOR_ASKS.forEach(function (ask) {
      if (options[ask] && labels[ask]) {
        lines.push("<a href='#' class='sahel-ask sahel-" + ask + "' data-sahel-ask='" + ask +
          "' data-sahel-i='" + i + "'>" + labels[ask] + "</a>");
      }
    });
    return lines;
  }

  /* One line of a list of incidents: date, type, place and group. */
  function listEntryHtml(data, i) {
    var group = data.groups[data.group[i]];
    return "<a href='#' data-sahel-i='" + i + "'>" + facet(data, "date", i) + " · " +
      facet(data, "type", i) + "<br><small>" + facet(data, "place", i) +
      (group ? " · " + group.name : "") + "</small></a>";
  }

  function pointStyle(data, i, renderer) {
    var group = data.groups[data.group[i]];
    var color = group ? group.color : "#8C8C8C";
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

  function clusterIcon(count, options) {
    var size = Math.round(26 + 8 * Math.log10(count));
    return L.divIcon({
      html: "<div>" + formatCount(count, options.number) + "</div>",
      className: "sahel-cluster",
      iconSize: [size, size],
    });
  }

  function legendControl(data, options) {
    var labels = options.labels;
    var control = L.control({ position: "bottomright" });
    control.onAdd = function (map) {
      var div = L.DomUtil.create("div", "sahel-legend sahel-legend-main");
      var rows = data.groups.map(function (g) {
        return "<div title='" + g.label + "'><span class='sahel-swatch' style='background:" +
          g.color + "'></span>" + g.name + " <small>(" + g.count + ")</small></div>";
      });
      rows.push("<div><span class='sahel-swatch sahel-approx'></span>" +
        labels.approximateLegend + "</div>");
      rows.push("<div><small>" + labels.size + "</small></div>");
      // Narrow maps (a phone) start with the legend folded: it would cover most of the map.
      var open = map.getSize().x >= 520 ? " open" : "";
      div.innerHTML = "<details" + open + "><summary>" + labels.legend + "</summary>" +
        "<div class='sahel-legend-groups'><b>" + labels.armedGroup + "</b>" + rows.join("") +
        "</div></details>";
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    return control;
  }

  /* The region shading's scale: one colour per class with its range of values, "0" first. */
  function scaleControl(options, shown) {
    var control = L.control({ position: "bottomleft" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "sahel-legend sahel-legend-regions");
      var shading = options.regions || { classes: [] };
      var cells = (shading.classes || []).map(function (c) {
        return "<td><span class='sahel-ramp' style='background:" + c[0] + "'></span>" + c[1] +
          "</td>";
      });
      div.innerHTML = "<b>" + escapeText(shading.title) + "</b><table><tr>" + cells.join("") +
        "</tr></table>";
      div.style.display = shown ? "" : "none";
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    return control;
  }

  function addStyles(doc) {
    if (doc.getElementById("sahel-styles")) return;
    var style = doc.createElement("style");
    style.id = "sahel-styles";
    style.textContent =
      ".sahel-legend{background:rgba(255,255,255,.92);padding:5px 7px;font:11px/1.35 sans-serif;" +
      "max-height:45vh;max-width:230px;overflow:auto;border-radius:4px;" +
      "box-shadow:0 1px 4px rgba(0,0,0,.3)}" +
      ".sahel-legend summary{cursor:pointer;font-weight:bold}" +
      ".sahel-legend-regions table{border-collapse:collapse;margin-top:2px}" +
      ".sahel-legend-regions td{padding:0 4px 0 0;text-align:left;white-space:nowrap}" +
      ".sahel-ramp{display:block;width:30px;height:9px;border:1px solid #9a9a9a;opacity:.8;" +
      "margin-bottom:1px}" +
      ".sahel-swatch{display:inline-block;width:11px;height:11px;border-radius:50%;margin-right:5px;" +
      "vertical-align:-1px;border:1px solid #222}" +
      ".sahel-approx{border:2px dashed #555;background:none;width:9px;height:9px}" +
      ".sahel-cluster{background:rgba(40,40,40,.72);border:2px solid #fff;border-radius:50%;" +
      "color:#fff;font:bold 12px/1 sans-serif;display:flex;align-items:center;justify-content:center}" +
      ".sahel-popup{font:13px/1.45 sans-serif;max-width:340px}.sahel-claims{margin:2px 0 2px 16px;padding:0}" +
      ".sahel-popup.sahel-linked{max-width:540px}.sahel-sources{margin-top:6px;" +
      "border-top:1px solid #ccc;padding-top:4px}.sahel-sources-scroll{overflow:auto;" +
      "max-height:300px}.sahel-sources table{border-collapse:collapse;font-size:12px}" +
      ".sahel-sources th,.sahel-sources td{border:1px solid #ddd;padding:2px 4px;" +
      "vertical-align:top;text-align:left;min-width:90px}.sahel-sources .sahel-claims{" +
      "margin-left:12px}.sahel-reasons{margin:2px 0 2px 16px;padding:0;font-size:12px}" +
      ".sahel-list{font:13px/1.35 sans-serif;max-width:340px}.sahel-list ol{margin:4px 0;" +
      "padding:0 0 0 18px;max-height:260px;overflow:auto}.sahel-list li{margin:0 0 4px}" +
      ".sahel-list a,.sahel-back{text-decoration:none}" +
      "." + TOWNS_PANE + ",.sahel-towns{pointer-events:none}";
    doc.head.appendChild(style);
  }

  function IncidentLayer(map, data, options, renderer) {
    this.map = map;
    this.data = data;
    this.options = options;
    this.renderer = renderer;
    this.points = L.layerGroup();
    this.popup = L.popup({ maxWidth: 560 });
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
    var layer = this;
    var data = this.data;
    var m = L.circleMarker([data.lat[i], data.lon[i]], pointStyle(data, i, this.renderer));
    m.sahelIndex = i;
    m.bindTooltip(function () { return tooltipHtml(data, i, layer.options.labels); },
      { sticky: true });
    m.on("click", function (e) {
      m.closeTooltip();
      layer.pick(i, e.containerPoint);
    });
    return m;
  };

  /* A click on a point: every incident drawn under the pointer opens, one as its popup, several
     as a list (incidents at one place, or too close to tell apart, hide one another). */
  IncidentLayer.prototype.pick = function (clicked, at) {
    var map = this.map;
    var hits = [];
    var byIndex = this.byIndex;
    Object.keys(byIndex).forEach(function (k) {
      var m = byIndex[k];
      var p = map.latLngToContainerPoint(m.getLatLng());
      var r = m.getRadius() + 1;
      if (p.distanceTo(at) <= r) hits.push(+k);
    });
    if (hits.indexOf(clicked) < 0) hits.push(clicked);
    var latlng = map.containerPointToLatLng(at);
    if (hits.length === 1) this.showIncident(clicked, null);
    else this.showList(this.sorted(hits), hits.length, latlng, null);
  };

  /* Newest first; incidents of one day, the last added first. */
  IncidentLayer.prototype.sorted = function (indices) {
    var data = this.data;
    return indices.slice().sort(function (a, b) {
      return (dateKey(data, b) - dateKey(data, a)) || (b - a);
    });
  };

  IncidentLayer.prototype.open = function (content, latlng) {
    this.popup.setLatLng(latlng).setContent(content);
    if (!this.map.hasLayer(this.popup)) this.popup.openOn(this.map);
    else this.popup.update();
  };

  /* The incidents `indices` (of `total` there) as a list, each opening its popup; `zoom`: the
     zoom that separates a cluster's incidents, when there is one. */
  IncidentLayer.prototype.showList = function (indices, total, latlng, zoom) {
    var layer = this;
    var labels = this.options.labels;
    var shown = indices.slice(0, this.options.listMax);
    var div = L.DomUtil.create("div", "sahel-list");
    var items = shown.map(function (i) { return "<li>" + listEntryHtml(layer.data, i) + "</li>"; });
    var html = "<b>" + fill(zoom === null ? labels.here : labels.inCluster,
      { count: formatCount(total, this.options.number) }) + "</b><ol>" + items.join("") + "</ol>";
    if (total > shown.length) {
      html += "<small>" + fill(labels.more,
        { count: formatCount(total - shown.length, this.options.number) }) + "</small><br>";
    }
    if (zoom !== null) html += "<a href='#' class='sahel-zoom'>" + labels.zoomIn + "</a>";
    div.innerHTML = html;
    L.DomEvent.on(div, "click", function (e) {
      var target = e.target.closest("a");
      if (!target) return;
      // Stopped here: the link leaves the page when the popup's content is replaced, and Leaflet
      // would take a click on a detached element for a click on the map (closing the popup).
      L.DomEvent.stop(e);
      if (target.classList.contains("sahel-zoom")) {
        layer.map.closePopup(layer.popup);
        layer.map.setView(latlng, zoom);
        return;
      }
      var i = +target.getAttribute("data-sahel-i");
      layer.showIncident(i, function () { layer.showList(indices, total, latlng, zoom); });
    });
    this.open(div, latlng);
  };

  /* One incident's popup, at its point; `back` (when it came from a list) goes back to it. */
  IncidentLayer.prototype.showIncident = function (i, back) {
    var div = L.DomUtil.create("div");
    div.innerHTML = popupHtml(this.data, i, this.options) + (back ?
      "<a href='#' class='sahel-back'>← " + this.options.labels.back + "</a>" : "");
    if (back) {
      L.DomEvent.on(div.querySelector(".sahel-back"), "click", function (e) {
        L.DomEvent.stop(e);
        back();
      });
    }
    this.open(div, [this.data.lat[i], this.data.lon[i]]);
  };

  IncidentLayer.prototype.clusterClick = function (id, count, latlng) {
    var index = this.index;
    var zoom = index.getClusterExpansionZoom(id);
    var deepest = this.map.getMaxZoom();
    if (count > this.options.clusterListMax && zoom <= deepest) {
      this.map.setView(latlng, zoom);
      return;
    }
    // Few incidents, or some that no zoom separates: list them.
    var leaves = index.getLeaves(id, this.options.listMax, 0).map(function (f) {
      return f.properties.i;
    });
    this.showList(this.sorted(leaves), count, latlng, zoom <= deepest ? zoom : null);
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
        var count = f.properties.point_count;
        var marker = L.marker([c[1], c[0]], { icon: clusterIcon(count, layer.options) });
        marker.sahelCluster = { id: id, count: count };
        marker.on("click", function () { layer.clusterClick(id, count, L.latLng(c[1], c[0])); })
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
    if (!this.byIndex[i]) return null;
    this.showIncident(i, null);
    return this.popup.getElement().innerText;
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

  function regionTooltip(layer, s) {
    var p = layer.feature.properties;
    var labels = s.options.labels || {};
    return "<b>" + fill(labels.region, { value: escapeText(p.admin1) }) + "</b><br>" +
      fill(labels.country, { value: escapeText(p.country) }) + "<br>" +
      fill(labels.value, { label: escapeText(s.regionLabel),
        value: formatCount(layer.sahelValue || 0, s.options.number) });
  }

  /* Town names from the shipped gazetteer (sahel/map_towns.py): each from its zoom on, those
     in view only, written on a canvas of their own over the map's canvas that lets every
     pointer event through. One canvas, not a marker per name: hundreds of DOM labels cost the
     page ~0.25 s a view (each moved on every zoom and pan). Names are plain text (fillText),
     never HTML. Drawn after the next frame, so a new view's points are painted first. */
  var TownLabels = L.Layer.extend({
    options: { pane: TOWNS_PANE },

    initialize: function (towns) {
      this.towns = towns;
      this.shown = [];
      this.waiting = false;
    },

    onAdd: function () {
      this.canvas = L.DomUtil.create("canvas", "sahel-towns", this.getPane());
      this.later();
    },

    onRemove: function () {
      L.DomUtil.remove(this.canvas);
      this.canvas = null;
      this.shown = [];
    },

    getEvents: function () {
      return { moveend: this.later, resize: this.later, zoomstart: this.hide };
    },

    hide: function () {
      if (this.canvas) this.canvas.style.visibility = "hidden";
    },

    later: function () {
      var layer = this;
      if (this.waiting) return;
      this.waiting = true;
      requestAnimationFrame(function () {
        setTimeout(function () {
          layer.waiting = false;
          layer.redraw();
        }, 0);
      });
    },

    redraw: function () {
      var map = this._map;
      var canvas = this.canvas;
      if (!map || !canvas) return;
      var size = map.getSize();
      var ratio = window.devicePixelRatio || 1;
      L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
      canvas.width = size.x * ratio;
      canvas.height = size.y * ratio;
      canvas.style.width = size.x + "px";
      canvas.style.height = size.y + "px";
      var ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.font = "11px sans-serif";
      ctx.textBaseline = "bottom";
      ctx.lineJoin = "round";
      var zoom = Math.min(Math.round(map.getZoom()), TOWNS_LAST_ZOOM);
      var bounds = map.getBounds().pad(0.05);
      var shown = [];
      for (var k = 0; k < this.towns.length; k++) {
        var t = this.towns[k];
        if (t[3] > zoom || !bounds.contains([t[0], t[1]])) continue;
        var p = map.latLngToContainerPoint([t[0], t[1]]);
        ctx.beginPath();
        ctx.arc(p.x, p.y, 2, 0, 2 * Math.PI);
        ctx.fillStyle = "rgba(255,255,255,.7)";
        ctx.fill();
        ctx.lineWidth = 1;
        ctx.strokeStyle = "#444";
        ctx.stroke();
        // A white halo keeps the name readable over shading and points.
        ctx.lineWidth = 3;
        ctx.strokeStyle = "rgba(255,255,255,.85)";
        ctx.strokeText(t[2], p.x + 4, p.y - 2);
        ctx.fillStyle = "rgba(40,40,40,.85)";
        ctx.fillText(t[2], p.x + 4, p.y - 2);
        shown.push(t[2]);
      }
      this.shown = shown;
      canvas.style.visibility = "";
    },
  });

  var state = null;

  /* Draw the outlines every view shares and remember the map for render(). One canvas holds the
     regions, the borders and the points, regions first: a canvas takes every pointer event over the
     whole map, so a separate points canvas above the regions hid their tooltips; in one canvas
     Leaflet hit-tests the topmost shape, a point, else a region. */
  function base(map, control, options) {
    addStyles(document);
    map.setMaxZoom(options.maxZoom);
    map.getContainer().style.background = options.background;
    // In English until a view brings it in the page's language.
    map.attributionControl.addAttribution(options.attribution);
    var renderer = L.canvas({ pane: options.pane, padding: 0.3 });
    var pane = map.createPane(TOWNS_PANE);
    pane.style.zIndex = 380;
    pane.classList.add(TOWNS_PANE);
    var shapes = window.SahelBoundaries;
    var s = { map: map, control: control, renderer: renderer, regionLabel: "",
      options: {}, view: null, bounds: null, quiet: false, pending: [], seq: 0,
      attribution: options.attribution };
    s.regions = L.geoJSON(shapes.regions, { pane: options.pane, renderer: renderer,
      style: { fillColor: "#ffffff", color: "#9a9a9a", weight: 0.6, fillOpacity: 0.55 } });
    s.regions.eachLayer(function (layer) {
      layer.bindTooltip(function () { return regionTooltip(layer, s); }, { sticky: true });
    });
    s.borders = L.geoJSON(shapes.countries, { pane: options.pane, renderer: renderer,
      interactive: false, style: { color: "#3d3d3d", weight: 1.4, fill: false } });
    s.towns = new TownLabels(window.SahelTowns || []);
    s.outlinesShown = false;
    // The outlines go on the map with the first view's points (draw), after the view has set its
    // bounds: their thousands of vertices are projected and drawn once, not for the map's
    // initial view and again for the view's, nor on their own while a big view is inflated.
    // If no view comes in this task, they go on as they are.
    setTimeout(function () { if (!renders) showOutlines(s, ["regions", "borders", "towns"]); }, 0);
    map.on("overlayadd overlayremove", function () { layersChanged(s); });
    // An editor's link in a popup ("History", "Sources and links"): the page is told which
    // incident (its st_folium value: {history: id} or {links: id}), and shows it.
    L.DomEvent.on(map.getContainer(), "click", function (event) {
      var target = event.target && event.target.closest && event.target.closest(".sahel-ask");
      var ask = target && target.getAttribute("data-sahel-ask");
      if (!target || EDITOR_ASKS.indexOf(ask) < 0 || !s.view || window.parent === window) return;
      L.DomEvent.stop(event);
      var holder = document.createElement("div");
      holder.innerHTML = eventId(s.view.layer.data, +target.getAttribute("data-sahel-i"));
      s.seq += 1;
      var value = { painted: "drawn", layers: shownLayers(s), seq: s.seq };
      value[ask] = holder.textContent;
      window.parent.postMessage({ isStreamlitMessage: true, type: "streamlit:setComponentValue",
        value: value, dataType: "json" }, "*");
    });
    // Leaflet names a popup's close button in English: name it in the page's language.
    map.on("popupopen", function (event) {
      var close = event.popup.getElement() &&
        event.popup.getElement().querySelector(".leaflet-popup-close-button");
      var name = s.options && s.options.labels && s.options.labels.closePopup;
      if (close && name) {
        close.title = name;
        close.setAttribute("aria-label", name);
      }
    });
    addTilesWhenReachable(map, control, options);
    state = s;
    window.map = map;
    return s;
  }

  function layersOf(s) {
    var view = s.view;
    return { regions: s.regions, borders: s.borders, towns: s.towns,
      points: view ? view.layer.points : null, heat: view ? view.heat : null };
  }

  function shownLayers(s) {
    var layers = layersOf(s);
    return LAYER_NAMES.filter(function (name) {
      return layers[name] && s.map.hasLayer(layers[name]);
    });
  }

  /* Show exactly the layers named (quietly: the page set them, nothing to tell it). */
  function applyLayers(s, names) {
    var layers = layersOf(s);
    var quiet = s.quiet;
    s.quiet = true;
    LAYER_NAMES.forEach(function (name) {
      var layer = layers[name];
      if (!layer) return;
      var wanted = names.indexOf(name) >= 0;
      if (wanted && !s.map.hasLayer(layer)) layer.addTo(s.map);
      if (!wanted && s.map.hasLayer(layer)) s.map.removeLayer(layer);
    });
    s.quiet = quiet;
  }

  /* The layers a view asks for. An answer to a switch the user made before a later one
     (s.pending: what was told, in order) leaves the later choice shown until its own answer
     comes; anything else is the page's word (a link, Back) and is shown as it says. */
  function layersToShow(s, names) {
    if (!names) return null;
    var at = s.pending.indexOf(names.join(","));
    if (at >= 0 && at < s.pending.length - 1) {
      s.pending = s.pending.slice(at + 1);
      return null;
    }
    s.pending = [];
    return names;
  }

  /* A layer switched on or off by the user: tell the page which are shown (st_folium's value
     becomes {painted, layers, seq}, which reruns the script once; moves and zooms tell
     nothing). */
  function layersChanged(s) {
    var view = s.view;
    if (view) showScale(s, view);
    if (s.quiet || !s.options.tellStreamlit || window.parent === window) return;
    var names = shownLayers(s);
    s.pending.push(names.join(","));
    s.seq += 1;
    window.parent.postMessage({ isStreamlitMessage: true, type: "streamlit:setComponentValue",
      value: { painted: "drawn", layers: names, seq: s.seq }, dataType: "json" }, "*");
  }

  /* Leaflet's own buttons, named in the page's language. */
  function nameControls(map, labels) {
    [[".leaflet-control-layers-toggle", labels.layers], [".leaflet-control-zoom-in",
      labels.zoomInButton], [".leaflet-control-zoom-out", labels.zoomOutButton]]
      .forEach(function (pair) {
        var button = map.getContainer().querySelector(pair[0]);
        if (button && pair[1]) {
          button.title = pair[1];
          button.setAttribute("aria-label", pair[1]);
        }
      });
  }

  /* The shading's scale shows with the regions, except on a narrow map while the groups'
     legend is unfolded over it. */
  function showScale(s, view) {
    var scale = view.scale && view.scale.getContainer();
    var legend = view.legend && view.legend.getContainer();
    if (!scale) return;
    var details = legend && legend.querySelector("details");
    var covered = details && details.open && s.map.getSize().x < 520;
    scale.style.display = s.map.hasLayer(s.regions) && !covered ? "" : "none";
  }

  function showOutlines(s, names) {
    if (s.outlinesShown) return;
    s.outlinesShown = true;
    var quiet = s.quiet;
    s.quiet = true;
    if (names.indexOf("regions") >= 0) s.regions.addTo(s.map);
    if (names.indexOf("borders") >= 0) s.borders.addTo(s.map);
    if (names.indexOf("towns") >= 0) s.towns.addTo(s.map);
    s.quiet = quiet;
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
    map.closePopup(view.layer.popup);
    s.control.removeLayer(view.layer.points);
    map.removeLayer(view.layer.points);
    if (view.heat) {
      s.control.removeLayer(view.heat);
      map.removeLayer(view.heat);
    }
    map.removeControl(view.legend);
    map.removeControl(view.scale);
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
     the latest call draws: a view inflated after a newer one arrived is dropped. The same view
     again (the page answering a layer switched on or off) only shows the layers it names. */
  function render(data, options) {
    var started = performance.now();
    var call = ++renders;
    var s = state;
    if (s.view && options.token && s.view.token === options.token) {
      s.options = options;
      var names = layersToShow(s, options.layers);
      if (names) applyLayers(s, names);
      return s.view.layer;
    }
    // The first view fits its bounds at once, before anything is drawn (a later view fits in
    // draw(), once the previous view is gone, so that one does not redraw for the move).
    if (!s.outlinesShown) fitView(s, options);
    if (!data.deflated) return draw(unpackPayload(data), options, started, "json");
    inflatePayload(data.deflated).then(function (payload) {
      if (call === renders) draw(payload, options, started, "deflated");
    }).catch(function (error) {
      showOutlines(s, options.layers || LAYER_NAMES);
      showFailure(error, options);
      tellPainted(options, "failed");
    });
    return null;
  }

  function showFailure(error, options) {
    var labels = options.labels || state.options.labels || {};
    var box = L.control({ position: "topright" });
    box.onAdd = function () {
      var div = L.DomUtil.create("div", "sahel-legend");
      div.innerHTML = fill(labels.unpackFailed || "{error}",
        { error: escapeText(error && error.message || error) });
      return div;
    };
    box.addTo(state.map);
    if (state.failure) state.map.removeControl(state.failure);
    state.failure = box;
  }

  /* Draw one view's incidents on the map base() made, replacing the previous view, and mark the
     page with data-sahel-rendered = options.token once painted (tests and the benchmark wait on
     it). The layers shown are the view's (options.layers), else those shown before. */
  function draw(data, options, started, packing) {
    var s = state;
    if (s.failure) {
      s.map.removeControl(s.failure);
      s.failure = null;
    }
    var map = s.map;
    var labels = options.labels;
    var previous = s.view;
    var names = layersToShow(s, options.layers) ||
      (previous ? shownLayers(s) : ["regions", "borders", "towns", "points"]);
    s.quiet = true;
    s.options = options;
    if (previous) removeView(s, previous);
    s.view = null;
    shadeRegions(s, options.regions);
    // Overlays listed in a fixed order (the outlines first), named in the page's language:
    // listed again only when a name changed (each change redraws the whole control).
    var titles = [escapeText(options.regions.title), labels.borders, labels.towns];
    if (titles.join("|") !== s.overlayNames) {
      [s.regions, s.borders, s.towns].forEach(function (layer, k) {
        s.control.removeLayer(layer);
        s.control.addOverlay(layer, titles[k]);
      });
      s.overlayNames = titles.join("|");
      nameControls(map, labels);
    }
    if (labels.attribution && labels.attribution !== s.attribution) {
      map.attributionControl.removeAttribution(s.attribution);
      map.attributionControl.addAttribution(labels.attribution);
      s.attribution = labels.attribution;
    }
    fitView(s, options);
    // Before the points: the canvas draws its shapes in the order they were added.
    showOutlines(s, names);
    var layer = new IncidentLayer(map, data, options, s.renderer);
    var view = { layer: layer, heat: heatLayer(data, options), token: options.token,
      legend: legendControl(data, options),
      scale: scaleControl(options, names.indexOf("regions") >= 0) };
    s.control.addOverlay(layer.points, labels.points);
    if (view.heat) s.control.addOverlay(view.heat, labels.heat);
    s.view = view;
    applyLayers(s, names);
    view.legend.addTo(map);
    view.scale.addTo(map);
    view.legend.getContainer().querySelector("details").addEventListener("toggle", function () {
      showScale(s, view);
    });
    layer.draw();
    view.onMove = function () { if (layer.index) layer.draw(); };
    // Shapes shown again from the layer control are drawn last: keep the points above them.
    view.onOverlay = function (e) {
      if (e.layer === layer.points) return;
      layer.points.eachLayer(function (p) { if (p.bringToFront) p.bringToFront(); });
    };
    map.on("moveend", view.onMove);
    map.on("overlayadd", view.onOverlay);
    s.quiet = false;
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
    tooltipHtml: tooltipHtml, eventId: eventId,
    // The layers shown, and those the page last asked for (tests read both).
    shownLayers: function () { return shownLayers(state); },
    townsShown: function () { return state.map.hasLayer(state.towns) ? state.towns.shown : []; },
    askedLayers: function () { return state.options.layers || null; } };
})();
