// migrasim report: draws the embedded run data (script#migrasim-data) as a Leaflet map with a day slider,
// SVG time-series charts with CSV downloads, a comparison table and the provenance. No network is needed:
// Leaflet is inlined in the page, the charts are drawn here, map tiles are only an option when online.
(function () {
  'use strict';
  const DATA = JSON.parse(document.getElementById('migrasim-data').textContent);
  const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f',
    '#bcbd22', '#17becf', '#393b79', '#637939'];
  const SVG = 'http://www.w3.org/2000/svg';
  const state = {run: 0, frame: 0, timer: null, charts: []};

  function esc(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
  }
  function fmt(n) { return Number(n).toLocaleString('en-US'); }
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svgEl(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    return e;
  }
  function dateOf(run, day) {
    const d = new Date(run.start_date + 'T00:00:00Z');
    d.setUTCDate(d.getUTCDate() + day);
    return d.toISOString().slice(0, 10);
  }
  function frameLabel(run, k) {
    const f = run.frames;
    if (f.step === 1) return 'day ' + f.first[k] + ' (' + dateOf(run, f.first[k]) + ')';
    return 'days ' + f.first[k] + '-' + f.last[k] + ' (' + dateOf(run, f.first[k]) + ' to ' + dateOf(run, f.last[k]) + ')';
  }
  function csvLink(filename, makeText, label) {
    const a = el('a', {href: '#', download: filename, class: 'csv'}, label || 'CSV');
    a.addEventListener('click', () => { a.href = 'data:text/csv;charset=utf-8,' + encodeURIComponent(makeText()); });
    return a;
  }
  function csvCell(v) { const s = String(v); return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; }
  function max2(rows) { let m = 0; for (const r of rows) for (const v of r) if (v > m) m = v; return m; }

  // ---------------------------------------------------------------------------------------------- the map
  const map = L.map('map', {zoomSnap: 0.25, worldCopyJump: false});
  const graticule = L.layerGroup().addTo(map);
  // Outlines in a pane of their own, under the routes and places, hidden while tiles show the land.
  map.createPane('outlines');
  map.getPane('outlines').style.zIndex = 350;
  const outlineLayer = L.layerGroup().addTo(map);
  const routeLayer = L.layerGroup().addTo(map);
  const placeLayer = L.layerGroup().addTo(map);
  let tiles = null;
  const tilesBox = document.getElementById('tiles');
  function setTiles(on) {
    if (on && !tiles) {
      tiles = L.tileLayer('https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png', {
        maxZoom: 18, attribution: '&copy; OpenStreetMap contributors'}).addTo(map);
      tiles.bringToBack();
    } else if (!on && tiles) {
      map.removeLayer(tiles);
      tiles = null;
    }
    map.getPane('outlines').style.display = on ? 'none' : '';
  }
  tilesBox.checked = navigator.onLine;  // tiles only when the viewer is online; the page draws without them
  tilesBox.addEventListener('change', () => setTiles(tilesBox.checked));
  setTiles(tilesBox.checked);

  function drawGraticule(bounds) {
    graticule.clearLayers();
    const span = Math.max(bounds.getNorth() - bounds.getSouth(), bounds.getEast() - bounds.getWest());
    const step = span > 40 ? 10 : span > 12 ? 5 : span > 4 ? 1 : 0.5;
    const s = Math.floor((bounds.getSouth() - span) / step) * step, n = Math.ceil((bounds.getNorth() + span) / step) * step;
    const w = Math.floor((bounds.getWest() - span) / step) * step, e = Math.ceil((bounds.getEast() + span) / step) * step;
    const style = {color: '#999', weight: 0.5, opacity: 0.6, interactive: false, className: 'ms-graticule'};
    for (let lat = s; lat <= n; lat += step) {
      L.polyline([[lat, w], [lat, e]], style).addTo(graticule);
      L.marker([lat, w + step / 20], {interactive: false, icon: L.divIcon({className: 'ms-grat-label', html: lat + '&deg;', iconSize: null})}).addTo(graticule);
    }
    for (let lon = w; lon <= e; lon += step) {
      L.polyline([[s, lon], [n, lon]], style).addTo(graticule);
      L.marker([s + step / 20 + (bounds.getSouth() - s), lon], {interactive: false, icon: L.divIcon({className: 'ms-grat-label', html: lon + '&deg;', iconSize: null})}).addTo(graticule);
    }
  }

  function drawOutlines() {  // country borders and coasts (flat lat, lon lists), under the routes and places
    for (const flat of DATA.outlines || []) {
      const pts = [];
      for (let i = 0; i + 1 < flat.length; i += 2) pts.push([flat[i], flat[i + 1]]);
      L.polygon(pts, {pane: 'outlines', className: 'ms-outline', color: '#8c8273', weight: 0.8, fillColor: '#f3efe3',
        fillOpacity: 1, interactive: false}).addTo(outlineLayer);
    }
  }

  const scale = {};  // per run: the largest values over every frame, so that sizes compare across days
  let placeMarks = [], routeLines = [];

  function placeTotals(run, k) {
    const S = run.statuses.length, pop = run.map.population[k], P = run.places.name.length;
    const total = new Array(P).fill(0), irregular = new Array(P).fill(0);
    for (let p = 0; p < P; p++) for (let s = 0; s < S; s++) {
      if (run.gone[s]) continue;
      const v = pop[p * S + s];
      total[p] += v;
      if (run.irregular[s]) irregular[p] += v;
    }
    return {total, irregular};
  }

  // Crossings by way (option) in frame k on the border routes that touch place p; null when none touches it.
  function crossingsAt(run, k, p) {
    const m = run.map;
    if (!m.crossings) return null;
    const O = run.options.length, by = new Array(O).fill(0);
    let any = false;
    run.routes.border.forEach((b, r) => {
      if (b < 0 || (run.routes.from[r] !== p && run.routes.to[r] !== p)) return;
      any = true;
      for (let j = 0; j < O; j++) by[j] += m.crossings[k][b * O + j];
    });
    return any ? by : null;
  }
  const OPTION_COLOUR = {pathway: '#1f78b4', smuggler: '#d95f02', alone: '#7570b3'};

  function buildMap() {
    const run = DATA.runs[state.run];
    routeLayer.clearLayers();
    placeLayer.clearLayers();
    placeMarks = [];
    routeLines = [];
    let maxPlace = 1;
    for (let k = 0; k < run.frames.first.length; k++) maxPlace = Math.max(maxPlace, ...placeTotals(run, k).total);
    scale.place = maxPlace;
    scale.flow = Math.max(1, max2(run.map.flow));
    scale.crossing = 1;
    run.places.kind.forEach((kind, p) => {
      if (kind !== 'border_crossing') return;
      for (let k = 0; k < run.frames.first.length; k++) {
        const by = crossingsAt(run, k, p);
        if (by) scale.crossing = Math.max(scale.crossing, by.reduce((a, b) => a + b, 0));
      }
    });
    const pl = run.places, rt = run.routes;
    const bounds = L.latLngBounds(pl.lat.map((lat, p) => [lat, pl.lon[p]]));
    map.fitBounds(bounds.pad(0.05));  // first: Leaflet draws a layer (and makes its element) once the map has a view
    drawGraticule(bounds);
    if (!outlineLayer.getLayers().length) drawOutlines();
    rt.name.forEach((name, r) => {
      const a = rt.from[r], b = rt.to[r];
      if (a < 0 || b < 0) return;
      const line = L.polyline([[pl.lat[a], pl.lon[a]], [pl.lat[b], pl.lon[b]]], {
        className: 'ms-route' + (rt.border[r] >= 0 ? ' ms-border' : ''), color: '#2b6cb0', weight: 1, opacity: 0.75});
      line.bindTooltip(() => routeTip(r), {sticky: true});
      line.addTo(routeLayer);
      line.getElement().setAttribute('data-route', name);
      routeLines.push({r, line});
    });
    pl.name.forEach((name, p) => {
      const mark = L.circleMarker([pl.lat[p], pl.lon[p]], {
        className: 'ms-place ms-kind-' + pl.kind[p], radius: 4, weight: 1, color: '#333', fillOpacity: 0.85});
      mark.bindTooltip(() => placeTip(p), {direction: 'top'});
      mark.addTo(placeLayer);
      mark.getElement().setAttribute('data-place', name);
      placeMarks.push({p, mark});
    });
  }

  function shareColour(share) {  // teal (no irregular residents) to red (all irregular)
    const a = [26, 152, 80], b = [215, 48, 39];
    const c = a.map((v, i) => Math.round(v + (b[i] - v) * share));
    return 'rgb(' + c.join(',') + ')';
  }

  function drawFrame() {
    const run = DATA.runs[state.run], k = state.frame, m = run.map;
    const {total, irregular} = placeTotals(run, k);
    for (const {p, mark} of placeMarks) {
      const kind = run.places.kind[p], cap = run.places.capacity[p];
      const node = mark.getElement();
      if (kind === 'shelter' && m.occupancy) {
        const occ = m.occupancy[k][p], over = cap >= 0 && occ > cap;
        mark.setRadius(4 + 14 * Math.sqrt(occ / scale.place));
        mark.setStyle({fillColor: over ? '#e00000' : cap >= 0 ? '#f2c14e' : '#bbbbbb', color: over ? '#800000' : '#333', weight: 2});
        node.setAttribute('data-occupancy', occ);
        node.classList.toggle('ms-over', over);
      } else if (kind === 'border_crossing' && crossingsAt(run, k, p)) {  // sized by crossings, coloured by the main way
        const by = crossingsAt(run, k, p), sum = by.reduce((a, b) => a + b, 0);
        const main = by.indexOf(Math.max(...by));
        mark.setRadius(sum > 0 ? 3 + 12 * Math.sqrt(sum / scale.crossing) : 2.5);
        mark.setStyle({fillColor: sum > 0 ? OPTION_COLOUR[run.options[main]] || '#555' : '#cccccc', weight: 2.5, color: '#000'});
        node.setAttribute('data-crossings', sum);
      } else {
        mark.setRadius(total[p] > 0 ? 3 + 15 * Math.sqrt(total[p] / scale.place) : 2.5);
        mark.setStyle({fillColor: total[p] > 0 ? shareColour(irregular[p] / total[p]) : '#cccccc',
          weight: kind === 'border_crossing' ? 2.5 : 1, color: kind === 'border_crossing' ? '#000' : '#333'});
      }
      node.setAttribute('data-population', total[p]);
    }
    for (const {r, line} of routeLines) {
      const flow = m.flow[k][r], dead = m.deaths ? m.deaths[k][r] : 0;
      line.setStyle({weight: flow > 0 ? 1.5 + 12 * Math.sqrt(flow / scale.flow) : 1,
        color: dead > 0 ? '#c00000' : run.routes.border[r] >= 0 ? '#6a3d9a' : '#2b6cb0', opacity: flow > 0 ? 0.8 : 0.35});
      line.getElement().setAttribute('data-flow', flow);
    }
    document.getElementById('day').textContent = frameLabel(run, k);
    document.getElementById('slider').value = k;
    for (const c of state.charts) c.mark(k);
  }

  function routeTip(r) {
    const run = DATA.runs[state.run], k = state.frame, m = run.map, rt = run.routes;
    const what = run.frames.step === 1 ? 'that day' : 'in these ' + run.frames.step + ' days';
    let h = '<b>' + esc(rt.name[r]) + '</b> (' + esc(rt.mode[r]) + ', ' + rt.km[r] + ' km)<br>' + frameLabel(run, k) +
      '<br>entries ' + what + ': ' + fmt(m.flow[k][r]) + '<br>on the route at the end: ' + fmt(m.on_route[k][r]);
    if (m.deaths) h += '<br>deaths ' + what + ': ' + fmt(m.deaths[k][r]);
    const b = rt.border[r];
    if (b >= 0 && m.crossings) {
      const O = run.options.length;
      h += '<br>border crossings ' + what + ': ' + run.options.map((o, j) => esc(o) + ' ' + fmt(m.crossings[k][b * O + j])).join(', ');
    }
    return h;
  }

  function placeTip(p) {
    const run = DATA.runs[state.run], k = state.frame, m = run.map, pl = run.places, S = run.statuses.length;
    let h = '<b>' + esc(pl.name[p]) + '</b> (' + esc(pl.country[p]) + ', ' + esc(pl.kind[p]) + ')<br>' + frameLabel(run, k);
    const rows = [];
    let here = 0;
    run.statuses.forEach((s, j) => {
      const v = m.population[k][p * S + j];
      if (v) rows.push(esc(s) + ': ' + fmt(v));
      if (!run.gone[j]) here += v;
    });
    h += '<br>people here: ' + fmt(here) + (rows.length ? '<br>' + rows.join('<br>') : '');
    if (m.stranded[k][p]) h += '<br>stranded: ' + fmt(m.stranded[k][p]);
    if (pl.kind[p] === 'shelter' && m.occupancy) {
      const cap = pl.capacity[p];
      h += '<br>shelter occupancy: ' + fmt(m.occupancy[k][p]) + ' of ' + (cap >= 0 ? fmt(cap) : 'unknown capacity') +
        (cap >= 0 && m.occupancy[k][p] > cap ? ' <b class="over">over capacity</b>' : '');
    }
    const by = crossingsAt(run, k, p);
    if (by) h += '<br>border crossings here: ' + run.options.map((o, j) => esc(o) + ' ' + fmt(by[j])).join(', ');
    return h;
  }

  // ------------------------------------------------------------------------------------------- the charts
  function niceMax(v) {
    if (v <= 0) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v))), f = v / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
  }
  function shortNum(v) {
    const a = Math.abs(v), short = (x, unit) => x.toFixed(2).replace(/\.?0+$/, '') + unit;  // 37.5k, 1.25M
    if (a >= 1e9) return short(v / 1e9, 'G');
    if (a >= 1e6) return short(v / 1e6, 'M');
    if (a >= 1e3) return short(v / 1e3, 'k');
    return short(v, '');
  }

  // A line chart: series (names, values[series][frame]) against frames; hover shows the numbers, a click
  // moves the map to that frame. xLabel(k) names frame k.
  function lineChart(container, spec, xLabel, frames) {
    const W = 520, H = 190, L0 = 48, R0 = 8, T0 = 8, B0 = 22;
    const svg = svgEl('svg', {viewBox: '0 0 ' + W + ' ' + H, class: 'chart-svg', role: 'img'});
    const n = frames, top = niceMax(max2(spec.values));
    const x = (k) => L0 + (n > 1 ? k * (W - L0 - R0) / (n - 1) : 0), y = (v) => H - B0 - v * (H - B0 - T0) / top;
    for (let i = 0; i <= 4; i++) {
      const v = top * i / 4;
      svg.appendChild(svgEl('line', {x1: L0, x2: W - R0, y1: y(v), y2: y(v), class: 'grid'}));
      const t = svgEl('text', {x: L0 - 4, y: y(v) + 4, 'text-anchor': 'end', class: 'tick'});
      t.textContent = shortNum(v);
      svg.appendChild(t);
    }
    for (const k of [0, Math.floor((n - 1) / 2), n - 1]) {
      const t = svgEl('text', {x: x(k), y: H - 6, 'text-anchor': k === 0 ? 'start' : k === n - 1 ? 'end' : 'middle', class: 'tick'});
      t.textContent = xLabel(k, true);
      svg.appendChild(t);
    }
    spec.values.forEach((vals, s) => {
      const pts = vals.map((v, k) => x(k).toFixed(1) + ',' + y(v).toFixed(1)).join(' ');
      svg.appendChild(svgEl('polyline', {points: pts, fill: 'none', stroke: PALETTE[s % PALETTE.length], 'stroke-width': 1.5, class: 'series'}));
    });
    const marker = svgEl('line', {y1: T0, y2: H - B0, class: 'marker'});
    const hover = svgEl('line', {y1: T0, y2: H - B0, class: 'hover', visibility: 'hidden'});
    svg.appendChild(marker);
    svg.appendChild(hover);
    const tip = el('div', {class: 'chart-tip', hidden: ''});
    const frameAt = (evt) => {
      const box = svg.getBoundingClientRect(), px = (evt.clientX - box.left) * W / box.width;
      return Math.max(0, Math.min(n - 1, Math.round((px - L0) * (n - 1) / (W - L0 - R0))));
    };
    svg.addEventListener('mousemove', (evt) => {
      const k = frameAt(evt);
      hover.setAttribute('x1', x(k)); hover.setAttribute('x2', x(k)); hover.setAttribute('visibility', 'visible');
      tip.hidden = false;
      tip.innerHTML = '<b>' + esc(xLabel(k, false)) + '</b><br>' + spec.names.map((nm, s) =>
        '<span style="color:' + PALETTE[s % PALETTE.length] + '">&#9632;</span> ' + esc(nm) + ': ' + fmt(spec.values[s][k])).join('<br>');
    });
    svg.addEventListener('mouseleave', () => { hover.setAttribute('visibility', 'hidden'); tip.hidden = true; });
    container.appendChild(svg);
    container.appendChild(tip);
    const legend = el('div', {class: 'legend'});
    spec.names.forEach((nm, s) => {
      const item = el('span', {class: 'item'});
      item.appendChild(el('span', {class: 'swatch', style: 'background:' + PALETTE[s % PALETTE.length]}));
      item.appendChild(document.createTextNode(nm));
      legend.appendChild(item);
    });
    container.appendChild(legend);
    return {svg, frameAt, mark: (k) => { marker.setAttribute('x1', x(Math.min(k, n - 1))); marker.setAttribute('x2', x(Math.min(k, n - 1))); }};
  }

  const KIND_NOTE = {stock: 'at the end of the day', flow: 'per day', price: 'mean'};

  function buildCharts() {
    const run = DATA.runs[state.run], box = document.getElementById('charts');
    box.textContent = '';
    state.charts = [];
    const per = run.frames.step === 1 ? 'per day' : 'per ' + run.frames.step + ' days';
    for (const spec of run.charts) {
      const div = el('div', {class: 'chart', id: 'chart-' + spec.id});
      const h = el('h3', {}, spec.title + ' ');
      h.appendChild(el('span', {class: 'unit'}, '(' + spec.unit + ', ' + (spec.kind === 'flow' ? per : KIND_NOTE[spec.kind]) + ')'));
      h.appendChild(csvLink(run.label.replace(/\.h5$/, '') + '_' + spec.id + '.csv', () => chartCsv(run, spec)));
      div.appendChild(h);
      if (spec.note) div.appendChild(el('div', {class: 'note'}, spec.note));
      box.appendChild(div);
      const chart = lineChart(div, spec, (k, short) => short ? dateOf(run, run.frames.first[k]) : frameLabel(run, k), run.frames.first.length);
      chart.svg.addEventListener('click', (evt) => { stop(); state.frame = chart.frameAt(evt); drawFrame(); });
      state.charts.push(chart);
    }
  }

  function chartCsv(run, spec) {
    const lines = [['date', 'first_day', 'last_day'].concat(spec.names).map(csvCell).join(',')];
    run.frames.first.forEach((d, k) => {
      lines.push([dateOf(run, d), d, run.frames.last[k]].concat(spec.values.map((v) => v[k])).map(csvCell).join(','));
    });
    return lines.join('\n') + '\n';
  }

  // ----------------------------------------------------------------------- comparison and provenance
  function buildComparison() {
    const runs = DATA.runs, box = document.getElementById('comparison');
    if (runs.length < 2) { box.hidden = true; return; }
    const names = [];
    for (const r of runs) for (const k in r.headline) if (!names.includes(k)) names.push(k);
    const table = el('table', {class: 'headline'});
    const head = el('tr');
    head.appendChild(el('th', {}, 'indicator'));
    runs.forEach((r, i) => {
      head.appendChild(el('th', {}, r.label));
      if (i > 0) head.appendChild(el('th', {}, 'difference from ' + runs[0].label));
    });
    table.appendChild(head);
    for (const nm of names) {
      const tr = el('tr');
      tr.appendChild(el('td', {}, nm));
      const base = runs[0].headline[nm];
      runs.forEach((r, i) => {
        const v = r.headline[nm];
        tr.appendChild(el('td', {class: 'num'}, v === undefined ? '-' : fmt(v)));
        if (i > 0) {
          let d = '-';
          if (v !== undefined && base !== undefined) {
            d = (v - base >= 0 ? '+' : '') + fmt(v - base) + (base ? ' (' + (v - base >= 0 ? '+' : '') + (100 * (v - base) / base).toFixed(1) + ' %)' : '');
          }
          tr.appendChild(el('td', {class: 'num diff'}, d));
        }
      });
      table.appendChild(tr);
    }
    const h = el('h2', {}, 'Comparison of ' + runs.length + ' runs ');
    h.appendChild(csvLink('comparison.csv', () => {
      const lines = [['indicator'].concat(runs.map((r) => r.label)).map(csvCell).join(',')];
      for (const nm of names) lines.push([nm].concat(runs.map((r) => r.headline[nm] === undefined ? '' : r.headline[nm])).map(csvCell).join(','));
      return lines.join('\n') + '\n';
    }));
    box.appendChild(h);
    box.appendChild(table);
    for (const spec of DATA.comparison) {
      const div = el('div', {class: 'chart', id: 'chart-' + spec.id});
      const hh = el('h3', {}, spec.title + ' ');
      hh.appendChild(el('span', {class: 'unit'}, '(' + spec.unit + ')'));
      hh.appendChild(csvLink(spec.id + '.csv', () => {
        const lines = [['first_day'].concat(spec.names).map(csvCell).join(',')];
        spec.days.forEach((d, k) => lines.push([d].concat(spec.values.map((v) => v[k])).map(csvCell).join(',')));
        return lines.join('\n') + '\n';
      }));
      div.appendChild(hh);
      box.appendChild(div);
      lineChart(div, spec, (k) => 'day ' + spec.days[k], spec.days.length);
    }
  }

  function buildProvenance() {
    const box = document.getElementById('provenance');
    const table = el('table', {class: 'prov'});
    const rows = [['file', (r) => r.path], ['scenario', (r) => r.provenance.scenario], ['seed', (r) => r.provenance.seed],
      ['migrasim', (r) => r.provenance.version + ' (' + r.provenance.git + ')'],
      ['wall time', (r) => r.provenance.wall_seconds + ' s on ' + r.provenance.threads + ' threads'],
      ['made', (r) => r.provenance.created_utc], ['start date, days', (r) => r.start_date + ', ' + r.days],
      ['frames', (r) => r.frames.step === 1 ? 'one per day' : 'one per ' + r.frames.step + ' days'],
      ['command', (r) => r.provenance.command_line], ['libraries', (r) => r.provenance.libraries]];
    const head = el('tr');
    head.appendChild(el('th', {}, ''));
    DATA.runs.forEach((r) => head.appendChild(el('th', {}, r.label)));
    table.appendChild(head);
    for (const [name, get] of rows) {
      const tr = el('tr');
      tr.appendChild(el('th', {}, name));
      DATA.runs.forEach((r) => tr.appendChild(el('td', {}, String(get(r)))));
      table.appendChild(tr);
    }
    box.appendChild(table);
    box.appendChild(el('p', {class: 'note'}, DATA.note));
  }

  // ------------------------------------------------------------------------------------ slider and play
  const slider = document.getElementById('slider'), play = document.getElementById('play');
  function stop() { if (state.timer) { clearInterval(state.timer); state.timer = null; play.textContent = 'Play'; } }
  slider.addEventListener('input', () => { stop(); state.frame = Number(slider.value); drawFrame(); });
  play.addEventListener('click', () => {
    if (state.timer) { stop(); return; }
    const n = DATA.runs[state.run].frames.first.length;
    if (state.frame >= n - 1) state.frame = 0;
    play.textContent = 'Pause';
    state.timer = setInterval(() => {
      if (state.frame >= n - 1) { stop(); return; }
      state.frame += 1;
      drawFrame();
    }, Math.max(40, 12000 / n));
  });
  const select = document.getElementById('run');
  DATA.runs.forEach((r, i) => select.appendChild(el('option', {value: i}, r.label)));
  select.hidden = DATA.runs.length < 2;
  select.addEventListener('change', () => { stop(); showRun(Number(select.value)); });

  function showRun(i) {
    state.run = i;
    const run = DATA.runs[i];
    slider.max = run.frames.first.length - 1;
    state.frame = run.frames.first.length - 1;  // open on the last day: the run's outcome; Play starts at the first
    document.getElementById('run-note').textContent = run.shelter_capacity_known || !run.map.occupancy ? '' :
      'Shelter capacities unknown (the scenario\'s locations table was not found when the report was made).';
    buildMap();
    buildCharts();
    drawFrame();
  }

  document.getElementById('note').textContent = DATA.note;
  buildComparison();
  buildProvenance();
  showRun(0);
  window.migrasimReport = {state, drawFrame, showRun};  // for scripted checks (the tests) and the console
})();
