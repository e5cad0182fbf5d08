/// The viewer page `DIR/web/index.html`: a MapLibre GL JS 2D map of `vector/` and `raster/` and a CesiumJS 3D view of
/// `../tiles/buildings/tileset.json`, both driven by `data.json`. The libraries are loaded from `vendor/` (installed
/// by `scripts/install-web-viewer.sh`; `cimbase serve` serves them there); without them the page says what is missing.
/// Nothing is loaded from outside the served folder: no base map, no fonts, no Cesium ion.
enum WebViewerHTML {
    static func page(title: String) -> String {
        var t = ""
        for c in title {
            switch c { case "&": t += "&amp;"; case "<": t += "&lt;"; case ">": t += "&gt;"; case "\"": t += "&quot;"; default: t.append(c) }
        }
        return template.replacingOccurrences(of: "__TITLE__", with: t)
    }

    static let template = #"""
<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="data:,">
<title>__TITLE__ · 城市体检 City checkup viewer</title>
<link rel="stylesheet" href="vendor/maplibre-gl.css" onerror="this.remove()">
<link rel="stylesheet" href="vendor/Cesium/Widgets/widgets.css" onerror="this.remove()">
<style>
html,body{margin:0;height:100%;font:13px/1.4 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#222}
#app{display:flex;height:100%}
#side{width:320px;min-width:320px;overflow:auto;padding:8px 10px;box-sizing:border-box;background:#f6f6f4;border-right:1px solid #ccc}
#views{flex:1;display:flex;min-width:0}
#map,#globe{flex:1;position:relative;min-width:0;background:#e8ebe6}
#globe{border-left:1px solid #aaa;background:#223}
h1{font-size:15px;margin:2px 0 6px} h2{font-size:13px;margin:10px 0 4px;border-bottom:1px solid #ccc}
.en{color:#666} select{width:100%} label{display:block;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px;border:1px solid #0003}
.bar{height:10px;border:1px solid #0003;margin:2px 0}
.missing{position:absolute;inset:0;display:flex;align-items:center;justify-content:center;padding:20px;text-align:center;color:#a00;background:#fff8f8}
#info table{border-collapse:collapse;width:100%} #info td{border-top:1px solid #ddd;padding:1px 3px;vertical-align:top} #info td.num{text-align:right}
#report{font-size:12px}
</style></head>
<body><div id="app">
<div id="side">
<h1>__TITLE__ <span class="en">city checkup</span></h1>
<div id="report"><a href="../report.html">体检报告 Report</a></div>
<h2>分区指标 <span class="en">Zone indicator</span></h2>
<select id="indicator"></select>
<div id="legend"></div>
<h2>缺口区域 <span class="en">Gap areas</span></h2><div id="gaps"></div>
<h2>设施 <span class="en">Facilities</span></h2><div id="facilities"></div>
<h2>步行网络 <span class="en">Walk network: distance to</span></h2><select id="walk"><option value="">— 不显示 hidden —</option></select>
<div id="walk-legend"></div>
<h2>栅格 <span class="en">Grid</span></h2><select id="raster"><option value="">— 不显示 hidden —</option></select>
<div id="raster-legend"></div>
<h2>三维着色 <span class="en">3D buildings coloured by</span></h2><select id="color3d"></select>
<div id="legend3d"></div>
<h2>属性 <span class="en">Properties (click a zone or a building)</span></h2><div id="info"></div>
</div>
<div id="views"><div id="map"></div><div id="globe"></div></div>
</div>
<script>window.CESIUM_BASE_URL = 'vendor/Cesium/';</script>
<script src="vendor/maplibre-gl.js"></script>
<script src="vendor/Cesium/Cesium.js"></script>
<script>
"use strict";
const V = window.__viewer = {ready2d: false, ready3d: false, errors: [], tilesLoaded: 0, tileFailed: []};
window.addEventListener('error', e => V.errors.push(String(e.message)));
const $ = id => document.getElementById(id);
const esc = s => String(s).replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));
const INSTALL = '运行 Run <code>scripts/install-web-viewer.sh</code> (MapLibre GL JS from the <code>maplibre</code> PyPI wheel, CesiumJS from the <code>cesiumkit</code> wheel, into <code>web/vendor/</code>), then <code>cimbase serve DIR</code> and open <code>http://127.0.0.1:8000/web/</code>.';
function missing(el, what) { el.innerHTML = '<div class="missing"><div>缺少 Missing: ' + what + '<br>' + INSTALL + '</div></div>'; }
const fmt = v => v === null || v === undefined ? '—' : (typeof v === 'number' ? (Math.abs(v) >= 1000 ? v.toFixed(0) : +v.toPrecision(4)).toString() : String(v));
const PALETTE = ['#e41a1c', '#377eb8', '#4daf4a', '#984ea3', '#ff7f00', '#a65628', '#f781bf', '#999999', '#66c2a5', '#fc8d62', '#8da0cb', '#e78ac3', '#a6d854', '#ffd92f', '#e5c494', '#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e'];
const RAMP_GOOD = ['#d7191c', '#fdae61', '#ffffbf', '#a6d96a', '#1a9641'];   // bad → good
const RAMP_NEUTRAL = ['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b'];
const WALK_STEPS = [[300, '#1a9850'], [500, '#91cf60'], [1000, '#fee08b'], [1e9, '#f46d43']];
const base = location.href.replace(/[?#].*$/, '').replace(/[^/]*$/, '');

async function main() {
  if (location.protocol === 'file:') {
    missing($('map'), 'a web server (tiles cannot load from file://)'); missing($('globe'), 'a web server');
    return;
  }
  const D = V.data = await (await fetch('data.json')).json();
  const ind = D.indicators.filter(i => i.zones);
  const sel = $('indicator');
  for (const i of ind) sel.add(new Option(i.name_zh + ' ' + i.name_en + (i.unit ? ' (' + i.unit + ')' : ''), i.id));
  if (!ind.length) sel.add(new Option('— 无分区 no zones (city values below) —', ''));
  const names = {}; for (const i of D.indicators) names[i.id] = i;
  V.names = names;
  if (typeof maplibregl === 'undefined') missing($('map'), 'MapLibre GL JS (vendor/maplibre-gl.js)'); else init2d(D, ind, names);
  if (typeof Cesium === 'undefined') missing($('globe'), 'CesiumJS (vendor/Cesium/Cesium.js)');
  else if (!D.tileset) missing($('globe'), 'the 3D Tiles of the run (tiles/buildings/tileset.json: run cimbase tiles)');
  else init3d(D);
  if (!ind.length) showCity(D, names);
}

function rampFor(i) { return i.direction === 'higher' ? RAMP_GOOD : i.direction === 'lower' ? RAMP_GOOD.slice().reverse() : RAMP_NEUTRAL; }
function zoneColor(i) {
  if (!i || i.min === undefined) return '#cccccc';
  const r = rampFor(i), lo = i.min, hi = i.max;
  if (!(hi - lo > 1e-9 * Math.max(1, Math.abs(hi)))) return ['case', ['==', ['typeof', ['get', i.id]], 'number'], r[2], '#cccccc'];
  const stops = []; for (let k = 0; k < 5; k++) stops.push(lo + (hi - lo) * k / 4, r[k]);
  return ['case', ['==', ['typeof', ['get', i.id]], 'number'], ['interpolate', ['linear'], ['get', i.id], ...stops], '#cccccc'];
}
function legendHTML(i) {
  if (!i) return '';
  if (i.min === undefined) return '<div>无分区数值 no zone values</div>';
  const r = rampFor(i);
  return '<div class="bar" style="background:linear-gradient(to right,' + r.join(',') + ')"></div><div style="display:flex;justify-content:space-between"><span>' +
    fmt(i.min) + '</span><span>' + esc(i.unit || '') + '</span><span>' + fmt(i.max) + '</span></div><div><span class="sw" style="background:#ccc"></span>未计算 not computed</div>';
}

function init2d(D, ind, names) {
  const b = D.bounds;
  const style = {version: 8, sources: {
      cim: {type: 'vector', tiles: [base + D.vector], minzoom: D.minzoom, maxzoom: D.maxzoom, bounds: b}},
    layers: [{id: 'bg', type: 'background', paint: {'background-color': '#eef0ea'}}]};
  for (const r of D.rasters) style.sources['r_' + r.id] = {type: 'raster', tiles: [base + r.tiles], tileSize: 256, minzoom: r.minzoom, maxzoom: r.maxzoom, bounds: b};
  for (const r of D.rasters) style.layers.push({id: 'raster-' + r.id, type: 'raster', source: 'r_' + r.id, layout: {visibility: 'none'}});
  style.layers.push({id: 'zones-fill', type: 'fill', source: 'cim', 'source-layer': 'zones', paint: {'fill-color': '#cccccc', 'fill-opacity': 0.75}});
  style.layers.push({id: 'zones-line', type: 'line', source: 'cim', 'source-layer': 'zones', paint: {'line-color': '#444', 'line-width': 1}});
  style.layers.push({id: 'zones-points', type: 'circle', source: 'cim', 'source-layer': 'zones_points', maxzoom: D.minzoom + 3,
    paint: {'circle-radius': 4, 'circle-color': '#cccccc', 'circle-stroke-color': '#333', 'circle-stroke-width': 1}});
  style.layers.push({id: 'walk', type: 'line', source: 'cim', 'source-layer': 'walk', layout: {visibility: 'none'}, paint: {'line-width': 2, 'line-color': '#888'}});
  D.gap_categories.forEach((c, k) => {
    const col = c.id === 'pipe' ? '#6a3d9a' : PALETTE[k % PALETTE.length];
    style.layers.push({id: 'gap-' + c.id, type: 'fill', source: 'cim', 'source-layer': 'gaps', filter: ['==', ['get', 'category'], c.id],
      layout: {visibility: 'none'}, paint: {'fill-color': col, 'fill-opacity': 0.45, 'fill-outline-color': col}});
    style.layers.push({id: 'gappt-' + c.id, type: 'circle', source: 'cim', 'source-layer': 'gaps_points', filter: ['==', ['get', 'category'], c.id], maxzoom: D.minzoom + 3,
      layout: {visibility: 'none'}, paint: {'circle-radius': 3, 'circle-color': col}});
    $('gaps').insertAdjacentHTML('beforeend', '<label><input type="checkbox" id="cb-gap-' + esc(c.id) + '" data-layers="gap-' + esc(c.id) + ',gappt-' + esc(c.id) + '"><span class="sw" style="background:' + col + '"></span>' + esc(c.name_zh) + ' <span class="en">' + esc(c.name_en) + '</span></label>');
  });
  D.facility_categories.forEach((c, k) => {
    const col = PALETTE[k % PALETTE.length];
    style.layers.push({id: 'fac-' + c.id, type: 'circle', source: 'cim', 'source-layer': 'facilities', filter: ['==', ['get', 'category'], c.id],
      layout: {visibility: 'none'}, paint: {'circle-radius': 4, 'circle-color': col, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1}});
    $('facilities').insertAdjacentHTML('beforeend', '<label><input type="checkbox" id="cb-fac-' + esc(c.id) + '" data-layers="fac-' + esc(c.id) + '"><span class="sw" style="background:' + col + ';border-radius:6px"></span>' + esc(c.name_zh) + ' <span class="en">' + esc(c.name_en) + '</span></label>');
  });
  for (const c of D.walk_categories) $('walk').add(new Option(c.name_zh + ' ' + c.name_en, c.id));
  for (const r of D.rasters) $('raster').add(new Option(r.title, r.id));
  const map = V.map = new maplibregl.Map({container: 'map', style, bounds: [[b[0], b[1]], [b[2], b[3]]], fitBoundsOptions: {padding: 20},
    attributionControl: false, canvasContextAttributes: {preserveDrawingBuffer: true}, preserveDrawingBuffer: true});
  map.addControl(new maplibregl.NavigationControl(), 'top-right');
  map.addControl(new maplibregl.ScaleControl(), 'bottom-left');
  map.on('error', e => V.errors.push('map: ' + (e.error && e.error.message || e)));
  const recolour = () => {
    const i = names[$('indicator').value];
    const c = zoneColor(i);
    map.setPaintProperty('zones-fill', 'fill-color', c);
    map.setPaintProperty('zones-points', 'circle-color', c);
    $('legend').innerHTML = legendHTML(i);
    V.indicator = i ? i.id : null;
  };
  $('indicator').addEventListener('change', recolour);
  document.querySelectorAll('#gaps input,#facilities input').forEach(cb => cb.addEventListener('change', () => {
    for (const l of cb.dataset.layers.split(',')) map.setLayoutProperty(l, 'visibility', cb.checked ? 'visible' : 'none');
  }));
  $('walk').addEventListener('change', () => {
    const c = $('walk').value;
    if (!c) { map.setLayoutProperty('walk', 'visibility', 'none'); $('walk-legend').innerHTML = ''; return; }
    const p = ['get', 'd_' + c];
    map.setPaintProperty('walk', 'line-color', ['case', ['!=', ['typeof', p], 'number'], '#bbbbbb', ['<', p, 0], '#a50026',
      ['step', p, WALK_STEPS[0][1], 300, WALK_STEPS[1][1], 500, WALK_STEPS[2][1], 1000, WALK_STEPS[3][1]]]);
    map.setLayoutProperty('walk', 'visibility', 'visible');
    $('walk-legend').innerHTML = [['≤ 300 m', WALK_STEPS[0][1]], ['300–500 m', WALK_STEPS[1][1]], ['500–1000 m', WALK_STEPS[2][1]], ['> 1000 m', WALK_STEPS[3][1]], ['beyond the search cutoff', '#a50026'], ['off the walk grid', '#bbbbbb']]
      .map(([l, c]) => '<div><span class="sw" style="background:' + c + '"></span>' + l + '</div>').join('') + '<div class="en">from zoom ' + D.walk_minzoom + '</div>';
  });
  $('raster').addEventListener('change', () => {
    for (const r of D.rasters) map.setLayoutProperty('raster-' + r.id, 'visibility', r.id === $('raster').value ? 'visible' : 'none');
    const r = D.rasters.find(r => r.id === $('raster').value);
    $('raster-legend').innerHTML = r ? r.legend.map(s => '<div><span class="sw" style="background:' + s.color + '"></span>' + esc(s.label) + '</div>').join('') : '';
  });
  map.on('click', e => {
    const fs = map.queryRenderedFeatures(e.point, {layers: ['zones-fill', 'zones-points'].filter(l => map.getLayer(l))});
    if (fs.length) { showZone(D, names, fs[0].properties); return; }
    const other = map.queryRenderedFeatures(e.point).filter(f => f.layer.id !== 'bg');
    if (other.length) showProps('地图要素 Map feature · ' + other[0].sourceLayer, other[0].properties);
  });
  map.on('load', () => { recolour(); map.once('idle', () => { V.ready2d = true; }); });
}

function showZone(D, names, p) {
  const z = D.zones[p.zone_id];
  let h = '<b>' + esc(p.zone_name || '') + '</b> <span class="en">zone ' + esc(p.zone_id) + '</span><table id="zone-rows">';
  for (const [id, v] of (z ? z.rows : [])) {
    const n = names[id] || {name_zh: id, name_en: '', unit: ''};
    h += '<tr data-id="' + esc(id) + '"><td>' + esc(n.name_zh) + '<br><span class="en">' + esc(n.name_en) + '</span></td><td class="num" data-value="' + (v === null ? '' : v) + '">' + fmt(v) + '</td><td>' + esc(n.unit || '') + '</td></tr>';
  }
  $('info').innerHTML = h + '</table>';
  V.clickedZone = p.zone_id;
}
function showCity(D, names) {
  let h = '<b>全市 City</b><table id="city-rows">';
  for (const i of D.indicators) if (i.city !== undefined) h += '<tr data-id="' + esc(i.id) + '"><td>' + esc(i.name_zh) + '<br><span class="en">' + esc(i.name_en) + '</span></td><td class="num">' + fmt(i.city) + '</td><td>' + esc(i.unit || '') + '</td></tr>';
  $('info').innerHTML = h + '</table>';
}
function showProps(title, props) {
  let h = '<b>' + esc(title) + '</b><table id="props">';
  for (const k of Object.keys(props)) h += '<tr data-key="' + esc(k) + '"><td>' + esc(k) + '</td><td class="num" data-value="' + esc(props[k] === null || props[k] === undefined ? '' : props[k]) + '">' + esc(fmt(props[k])) + '</td></tr>';
  $('info').innerHTML = h + '</table>';
}

const USE_COLORS = {residential: '#e6a23c', commercial: '#409eff', public: '#9b59b6', industrial: '#7f8c8d', mixed: '#e67e22', other: '#95a5a6', unknown: '#cccccc'};
async function init3d(D) {
  try {
    const viewer = V.viewer = new Cesium.Viewer('globe', {baseLayer: false, baseLayerPicker: false, geocoder: false, homeButton: false,
      sceneModePicker: false, navigationHelpButton: false, animation: false, timeline: false, fullscreenButton: false, infoBox: false,
      selectionIndicator: false, terrainProvider: new Cesium.EllipsoidTerrainProvider(), skyBox: false, skyAtmosphere: false,
      contextOptions: {webgl: {preserveDrawingBuffer: true}}});
    viewer.scene.globe.baseColor = Cesium.Color.fromCssColorString('#3a4a3a');
    const ts = V.tileset = await Cesium.Cesium3DTileset.fromUrl(D.tileset, {maximumScreenSpaceError: 8});
    ts.tileFailed.addEventListener(e => V.tileFailed.push(e.url + ': ' + e.message));
    const props = new Set();
    const stats = V.stats3d = {};
    ts.tileLoad.addEventListener(t => {
      V.tilesLoaded++;
      const c = t.content;
      for (let k = 0; k < c.featuresLength; k++) {
        const f = c.getFeature(k);
        for (const p of f.getPropertyIds()) {
          const v = f.getProperty(p);
          if (!props.has(p) && (typeof v === 'number' || p === 'use')) { props.add(p); addProp(p); }
          if (typeof v === 'number' && v > -1e300) { const s = stats[p] = stats[p] || {min: Infinity, max: -Infinity}; if (v >= 0 || !p.startsWith('d_')) { s.min = Math.min(s.min, v); s.max = Math.max(s.max, v); } }
        }
      }
    });
    const sel = $('color3d');
    const addProp = p => { if (!['use', 'height_m'].includes(p) && !sel.querySelector('option[value="' + CSS.escape(p) + '"]')) sel.add(new Option(p.startsWith('d_') ? '步行距离 walking distance to ' + p.slice(2) + ' (m)' : p, p)); };
    sel.add(new Option('用途 use', 'use')); sel.add(new Option('高度 height_m', 'height_m'));
    sel.addEventListener('change', () => style3d(sel.value));
    viewer.scene.primitives.add(ts);
    style3d('use');
    await viewer.zoomTo(ts, new Cesium.HeadingPitchRange(0.6, -0.6, ts.boundingSphere.radius * 2.0));
    const handler = new Cesium.ScreenSpaceEventHandler(viewer.scene.canvas);
    handler.setInputAction(m => {
      const f = viewer.scene.pick(m.position);
      if (f instanceof Cesium.Cesium3DTileFeature) {
        const o = {}; for (const p of f.getPropertyIds()) o[p] = f.getProperty(p);
        showProps('建筑 Building', o); V.pickedBuilding = o;
      }
    }, Cesium.ScreenSpaceEventType.LEFT_CLICK);
    ts.allTilesLoaded.addEventListener(() => { V.ready3d = true; });
  } catch (err) { V.errors.push('3d: ' + (err && err.message)); }
}

function style3d(p) {
  const ts = V.tileset; if (!ts) return;
  let color, legend;
  if (p === 'use') {
    color = {conditions: Object.entries(USE_COLORS).map(([u, c]) => ["${use} === '" + u + "'", "color('" + c + "')"]).concat([['true', "color('#cccccc')"]])};
    legend = Object.entries(USE_COLORS).map(([u, c]) => [u, c]);
  } else if (p.startsWith('d_')) {
    color = {conditions: [['${' + p + '} === undefined || ${' + p + '} === null', "color('#cccccc')"], ['${' + p + '} < 0', "color('#a50026')"], ['${' + p + '} <= 300', "color('" + WALK_STEPS[0][1] + "')"],
      ['${' + p + '} <= 500', "color('" + WALK_STEPS[1][1] + "')"], ['${' + p + '} <= 1000', "color('" + WALK_STEPS[2][1] + "')"], ['true', "color('" + WALK_STEPS[3][1] + "')"]]};
    legend = [['≤ 300 m', WALK_STEPS[0][1]], ['300–500 m', WALK_STEPS[1][1]], ['500–1000 m', WALK_STEPS[2][1]], ['> 1000 m', WALK_STEPS[3][1]], ['none within reach / not an origin', '#a50026']];
  } else {
    const s = (V.stats3d || {})[p] || {min: 0, max: p === 'height_m' ? 60 : 1};
    const lo = isFinite(s.min) ? s.min : 0, hi = isFinite(s.max) && s.max > lo ? s.max : lo + 1;
    const conds = [['${' + p + '} === undefined || ${' + p + '} === null || ${' + p + '} < -1e300', "color('#cccccc')"]];
    for (let k = 1; k <= 4; k++) conds.push(['${' + p + '} <= ' + (lo + (hi - lo) * k / 5), "color('" + RAMP_NEUTRAL[k - 1] + "')"]);
    conds.push(['true', "color('" + RAMP_NEUTRAL[4] + "')"]);
    color = {conditions: conds};
    legend = [0, 1, 2, 3, 4].map(k => [fmt(lo + (hi - lo) * k / 5) + '–' + fmt(lo + (hi - lo) * (k + 1) / 5), RAMP_NEUTRAL[k]]);
  }
  ts.style = new Cesium.Cesium3DTileStyle({color});
  V.style3d = p;
  $('legend3d').innerHTML = legend.map(([l, c]) => '<div><span class="sw" style="background:' + c + '"></span>' + esc(l) + '</div>').join('');
}

main().catch(e => V.errors.push('main: ' + e.message));
</script></body></html>
"""#
}
