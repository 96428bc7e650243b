// sweetspot report page: reads the ReportData JSON ("sweetspot.report/1") of
// the #sweetspot-data element and draws every section with ECharts. Runs
// offline; nothing is fetched. window.sweetspot is the API the browser test
// and `sweetspot report --png` use: ready, firstRenderMs, charts, exportPng.
(function () {
  'use strict';
  const started = performance.now();
  // The data comes in parts (html_report.cc: one huge element parses slowly).
  const data = JSON.parse([...document.querySelectorAll('script.sweetspot-data')].map((e) => e.textContent).join(''));
  const runs = Array.isArray(data.runs) ? data.runs : [];
  const classes = Array.isArray(data.classes) ? data.classes : [];
  const thumbnails = data.thumbnails || {};
  const charts = {};
  let resolveReady;
  const ready = new Promise((resolve) => { resolveReady = resolve; });
  window.sweetspot = {
    ready,
    charts,
    data,
    firstRenderMs: null,
    // A PNG data URL of chart `name` (a key of charts), on white.
    exportPng(name) {
      const chart = charts[name];
      if (!chart) throw new Error(`no chart '${name}' on this page (charts: ${Object.keys(charts).join(', ')})`);
      return chart.getDataURL({type: 'png', pixelRatio: 2, backgroundColor: '#fff'});
    },
  };

  // ---------------------------------------------------------------- helpers
  const $ = (selector) => document.querySelector(selector);
  // An element; children are nodes or text (never parsed as HTML).
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'onclick' || key === 'onchange') node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }
  // An SVG element (the detection examples' boxes, the keypoint skeletons); attributes null or undefined are left out.
  function svg(tag, attrs, ...children) {
    const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [key, value] of Object.entries(attrs)) if (value !== undefined && value !== null) node.setAttribute(key, value);
    node.append(...children);
    return node;
  }
  function esc(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
  }
  const finite = (x) => typeof x === 'number' && Number.isFinite(x);
  function sig(x, digits) {
    if (!finite(x)) return '–';
    if (x === 0) return '0';
    const a = Math.abs(x);
    if (a >= 1000) return Math.round(x).toLocaleString('en-US');
    return Number(x.toPrecision(digits || 3)).toString();
  }
  const pct = (f) => (finite(f) ? (100 * f).toFixed(2) + ' %' : '–');
  const mb = (bytes) => (finite(bytes) && bytes > 0 ? (bytes / 1e6).toFixed(bytes < 1e6 ? 3 : 2) + ' MB' : '–');
  const interval = (ci, fmt) => (Array.isArray(ci) && finite(ci[0]) && finite(ci[1]) ? ` [${fmt(ci[0])}, ${fmt(ci[1])}]` : '');
  const pctCi = (ci) => interval(ci, (v) => (100 * v).toFixed(2));
  const points = (delta) => (finite(delta) ? `${delta >= 0 ? '+' : ''}${(100 * delta).toFixed(2)} points` : '–');
  function empty(section, reason) {
    const p = el('p', {class: 'empty'}, reason);
    section.querySelector('.body') ? section.querySelector('.body').append(p) : section.append(p);
    for (const chart of section.querySelectorAll('.chart, .controls, .caption')) chart.hidden = true;
    return p;
  }
  function table(headers, rows, numeric) {
    const isNum = numeric || [];
    return el('div', {class: 'table-wrap'}, el('table', {},
      el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))),
      el('tbody', {}, rows.map((row) => el('tr', {}, row.map((cell, k) => el('td', {class: isNum[k] ? 'num' : null}, cell)))))));
  }
  function thumbsOf(indices) {
    const shown = indices.filter((i) => thumbnails[String(i)]).slice(0, 8);
    if (shown.length) return shown.map((i) => el('img', {class: 'thumb', src: thumbnails[String(i)], alt: `sample ${i}`, title: `sample ${i}`}));
    return indices.length ? ['samples ' + indices.slice(0, 8).join(', ') + (indices.length > 8 ? ', …' : '')] : [];
  }
  function thumbsHtml(indices) {
    const shown = indices.filter((i) => thumbnails[String(i)]).slice(0, 8);
    if (shown.length) return shown.map((i) => `<img class="thumb" src="${esc(thumbnails[String(i)])}" alt="sample ${i}">`).join('');
    return indices.length ? 'samples ' + indices.slice(0, 8).join(', ') + (indices.length > 8 ? ', …' : '') : '';
  }
  function makeChart(name, container) {
    const chart = echarts.init(container, null, {renderer: 'canvas'});
    charts[name] = chart;
    return chart;
  }
  const tooltipBase = {className: 'sweetspot-tooltip', confine: true, enterable: false, transitionDuration: 0};
  function fillSelect(select, options, selected) {
    select.replaceChildren(...options.map((o) => el('option', {value: o.value}, o.label)));
    if (selected !== undefined && options.some((o) => o.value === selected)) select.value = selected;
  }

  // ------------------------------------------------------------- the model
  const SCENARIOS = new Set(['single-stream', 'offline', 'concurrent']);
  // A setting label is "[ENGINE ]SCENARIO bN tN ..."; the engine is omitted for the default one.
  function engineOf(c) {
    if (c.engine) return c.engine;
    const first = String(c.setting || '').split(' ')[0];
    return first && !SCENARIOS.has(first) ? first : 'onnxruntime';
  }
  function settingOf(c) {
    const words = String(c.setting || '').split(' ');
    return words.length > 1 && !SCENARIOS.has(words[0]) ? words.slice(1).join(' ') : String(c.setting || '');
  }
  // Machines are numbered as the Machines table numbers them (the stored
  // ratios' A then B, then the other runs); the label alone names a machine
  // unless two runs share it (two CPU affinities of one host).
  const machineNumbers = new Map();
  const numberMachine = (d) => { if (d && !machineNumbers.has(d)) machineNumbers.set(d, machineNumbers.size + 1); };
  runs.forEach((run) => (run.environment_ratios || []).forEach((q) => { numberMachine(q.environment_a); numberMachine(q.environment_b); }));
  runs.forEach((run) => numberMachine(run.environment_description));
  const labelOf = (run, r) => run.environment_label || (run.environment && run.environment.hostname) || `machine ${r + 1}`;
  const labelsCollide = new Set(runs.map(labelOf)).size < runs.length;
  const machineOf = (run, r) => labelsCollide ? `machine ${machineNumbers.get(run.environment_description) || r + 1} (${labelOf(run, r)})` : labelOf(run, r);
  const measured = (c) => !c.failure && finite(c.top1);
  const study0 = runs.length ? runs[0].study || {} : {};
  // A detection study (task = "detection") has mAPs, not top-1: its figures are in Detection.
  const detectionStudy = study0.task === 'detection';
  // A keypoint study (task = "keypoints") has PCK and stability figures: they are under Keypoints.
  const keypointStudy = study0.task === 'keypoints';
  const allPoints = [];
  runs.forEach((run, r) => {
    for (const c of (run.study && run.study.candidates) || []) {
      allPoints.push({c, run, r, machine: machineOf(run, r), engine: engineOf(c), setting: settingOf(c), id: allPoints.length});
    }
  });
  const multiMachine = new Set(allPoints.map((p) => p.machine)).size > 1;
  const pointLabel = (p) => p.c.name + (multiMachine ? ` @ ${p.machine}` : '');
  const candidateByName = (study, name) => ((study && study.candidates) || []).find((c) => c.name === name);

  const METRICS = {
    p50_ms: {label: 'p50 latency (ms)', get: (c) => c.p50_ms, ci: (c) => c.p50_ci95, lowerBetter: true, bound: 'max_p50_ms', scale: 1},
    p99_ms: {label: 'p99 latency (ms)', get: (c) => c.p99_ms, ci: (c) => c.p99_ci95, lowerBetter: true, bound: 'max_p99_ms', scale: 1},
    items_per_s: {label: 'throughput (items/s)', get: (c) => c.items_per_s, ci: (c) => c.items_per_s_ci95, lowerBetter: false, bound: 'min_items_per_s', scale: 1},
    macs: {label: 'MACs per sample', get: (c) => c.macs, ci: () => null, lowerBetter: true, bound: null, scale: 1},
    file_bytes: {label: 'model file (MB)', get: (c) => c.size_bytes / 1e6, ci: () => null, lowerBetter: true, bound: 'max_size_bytes', scale: 1e-6},
    model_rss_bytes: {label: 'model memory (MB)', get: (c) => (c.model_memory_bytes ? c.model_memory_bytes / 1e6 : null), ci: () => null, lowerBetter: true, bound: 'max_model_memory_bytes', scale: 1e-6},
  };

  function constraintTexts(k) {
    if (!k) return [];
    const out = [];
    if (finite(k.min_top1)) out.push(`top-1 ≥ ${(100 * k.min_top1).toFixed(1)} %`);
    if (finite(k.max_p50_ms)) out.push(`p50 ≤ ${k.max_p50_ms} ms`);
    if (finite(k.max_p99_ms)) out.push(`p99 ≤ ${k.max_p99_ms} ms`);
    if (finite(k.min_items_per_s)) out.push(`throughput ≥ ${k.min_items_per_s} items/s`);
    if (finite(k.max_peak_memory_bytes)) out.push(`peak memory ≤ ${mb(k.max_peak_memory_bytes)}`);
    if (finite(k.max_model_memory_bytes)) out.push(`model memory ≤ ${mb(k.max_model_memory_bytes)}`);
    if (finite(k.max_size_bytes)) out.push(`model file ≤ ${mb(k.max_size_bytes)}`);
    return out;
  }

  // Every figure of a candidate, one line each (the speed/accuracy tooltip).
  function figureLines(p) {
    const c = p.c;
    const lines = [`<b>${esc(c.name)}</b> <span class="verdict ${esc(c.verdict)}">${esc(c.verdict)}</span>`,
      `${esc(p.engine)} · ${esc(p.setting)}${multiMachine ? ' · ' + esc(p.machine) : ''}`];
    if (c.parent) lines.push(`variant of ${esc(c.parent)} (${esc(c.transform || '')})`);
    if (!measured(c)) return lines.concat([`failed: ${esc(c.failure || 'not measured')}`]);
    lines.push(`top-1 ${pct(c.top1)}${pctCi(c.top1_ci95)} (${c.eval_count} samples)`);
    lines.push(`p50 ${sig(c.p50_ms)} ms${interval(c.p50_ci95, sig)} · p99 ${sig(c.p99_ms)} ms${interval(c.p99_ci95, sig)}`);
    lines.push(`throughput ${sig(c.items_per_s)} items/s${interval(c.items_per_s_ci95, sig)}`);
    lines.push(`CPU time ${c.cpu_ms_per_inference ? sig(c.cpu_ms_per_inference) + ' ms' : '–'} per inference`);
    lines.push(`model memory ${mb(c.model_memory_bytes)} · peak ${mb(c.peak_memory_bytes)} · file ${mb(c.size_bytes)}`);
    lines.push(`${sig(c.macs)} MACs · ${sig(c.param_count)} parameters`);
    if (c.vs_reference) lines.push(`vs reference: ${points(c.vs_reference.top1_delta)} (McNemar p = ${sig(c.vs_reference.mcnemar_p, 2)})`);
    for (const reason of (c.reasons || []).slice(0, 4)) lines.push('· ' + esc(reason));
    return lines;
  }

  // ------------------------------------------------------ recommendation
  function figureRows(c, ref) {
    const row = (label, get) => [label, get(c), ref ? get(ref) : '–'];
    return [
      row('top-1', (x) => pct(x.top1) + pctCi(x.top1_ci95)),
      row('p50 latency', (x) => `${sig(x.p50_ms)} ms${interval(x.p50_ci95, sig)}`),
      row('p99 latency', (x) => `${sig(x.p99_ms)} ms${interval(x.p99_ci95, sig)}`),
      row('throughput', (x) => `${sig(x.items_per_s)} items/s${interval(x.items_per_s_ci95, sig)}`),
      row('model memory', (x) => mb(x.model_memory_bytes)),
      row('peak memory', (x) => mb(x.peak_memory_bytes)),
      row('model file', (x) => mb(x.size_bytes)),
      row('CPU time per inference', (x) => (x.cpu_ms_per_inference ? sig(x.cpu_ms_per_inference) + ' ms' : '–')),
      row('MACs per sample', (x) => sig(x.macs)),
    ];
  }
  // The candidate the card sets beside the recommended one, and its column header:
  // the reference; when the recommended IS the reference, its parent model (a
  // variant) in the same setting, else the next most accurate measured candidate.
  function comparedWith(s, rec, ref) {
    if (!ref) return [null, 'no reference'];
    if (!rec || rec.name !== ref.name) return [ref, `${ref.name} (reference)`];
    const parent = rec.parent && (s.candidates || []).find((c) => c.model === rec.parent && c.setting === rec.setting && measured(c));
    if (parent) return [parent, `${parent.name} (its parent model; the recommended is the reference itself)`];
    const next = (s.candidates || []).filter((c) => c.name !== rec.name && measured(c)).sort((a, b) => b.top1 - a.top1)[0];
    return next ? [next, `${next.name} (the next most accurate; the recommended is the reference itself)`] : [null, 'the recommended is the reference; no other candidate was measured'];
  }
  function drawRecommendation() {
    const section = $('#recommendation');
    const body = section.querySelector('.body');
    if (!runs.length) return empty(section, 'The store holds no finished study run: run `sweetspot study SPEC.toml` first.');
    if (detectionStudy) return window.sweetspotDetectionRecommendation({body, study: study0, el, table, sig, mb});
    if (keypointStudy) return drawKeypointRecommendation(body, study0);
    const s = study0;
    const rec = s.recommendation && s.recommendation.name ? candidateByName(s, s.recommendation.name) : null;
    const ref = s.reference ? candidateByName(s, s.reference) : null;
    const constraints = constraintTexts(s.constraints);
    const left = el('div', {},
      rec ? el('div', {class: 'chosen'}, rec.name) : el('div', {class: 'chosen none'}, 'No recommendation'),
      el('p', {}, `Objective: ${s.objective || '–'}; constraints: ${constraints.length ? constraints.join(', ') : 'none'}.`),
      rec ? null : el('p', {}, s.closest ? `No candidate meets every constraint; closest: ${s.closest}.` : 'No candidate could be measured.'),
      el('ul', {class: 'reasons'}, ((s.recommendation && s.recommendation.reasons) || []).map((r) => el('li', {}, r))),
      rec && rec.constraint_checks && rec.constraint_checks.length ? el('p', {}, 'Constraints: ', rec.constraint_checks.map((k, i) =>
        el('span', {class: k.status === 'undecided' ? 'undecided-check' : k.status}, (i ? '; ' : '') + `${k.constraint}: ${k.status}`))) : null);
    const shown = rec || ref;
    const right = el('div', {});
    if (shown && measured(shown)) {
      const [other, otherHeader] = comparedWith(s, rec, ref);
      right.append(table(['', rec ? `${rec.name} (recommended)` : '–', otherHeader],
        figureRows(rec || ref, other && measured(other) ? other : null), [false, true, true]));
      if (rec && rec.vs_reference && other === ref) right.append(el('p', {}, `Top-1 vs the reference: ${points(rec.vs_reference.top1_delta)} (McNemar p = ${sig(rec.vs_reference.mcnemar_p, 2)}).`));
    }
    body.append(el('div', {class: 'card'}, left, right));
    const others = (s.candidates || []).filter((c) => !rec || c.name !== rec.name);
    if (others.length) {
      body.append(el('details', {open: others.length <= 20 ? 'open' : null},
        el('summary', {}, rec ? `Why the other ${others.length} candidate(s) lost` : `Why each of the ${others.length} candidate(s) fails`),
        table(['candidate', 'verdict', 'reasons'], others.map((c) =>
          [c.name, el('span', {class: `verdict ${c.verdict}`}, c.verdict), el('ul', {class: 'reasons'}, (c.reasons || []).map((r) => el('li', {}, r)))]))));
    }
    for (let r = 1; r < runs.length; ++r) {
      const other = runs[r].study || {};
      const name = other.recommendation && other.recommendation.name;
      body.append(el('p', {}, `On ${machineOf(runs[r], r)} (${runs[r].written_utc || 'undated'}): ${name ? 'recommended ' + name : 'no recommendation'}.`));
    }
  }

  // A keypoint study's JSON (docs/study.md, "Keypoint studies") names the
  // recommended candidate in `recommended` and its constraints as one text;
  // each candidate carries PCK at the first alpha, the speed split, its verdict and reasons.
  function drawKeypointRecommendation(body, s) {
    const percent = (e) => (e && Number.isFinite(e.value) ? `${(100 * e.value).toFixed(1)} %` : '–');
    const left = el('div', {},
      el('div', {class: s.recommended ? 'chosen' : 'chosen none'}, s.recommended || 'No recommendation'),
      el('p', {}, `Objective: ${s.objective || '–'}; constraints: ${s.constraints || 'none'}.`),
      s.recommended ? null : el('p', {}, s.closest ? `No candidate meets every constraint; closest: ${s.closest}.` : 'No candidate could be measured.'),
      el('ul', {class: 'reasons'}, (s.recommendation_reasons || []).map((r) => el('li', {}, r))));
    body.append(el('div', {class: 'card'}, left));
    const rows = (s.candidates || []).map((c) => [c.name, c.failure ? '–' : percent(c.pck),
      c.failure || !c.speed ? '–' : `${sig(c.speed.total_p50_ms)} ms`,
      el('span', {class: `verdict ${c.verdict}`}, c.verdict),
      el('ul', {class: 'reasons'}, (c.failure ? [c.failure] : c.reasons || []).map((r) => el('li', {}, r)))]);
    body.append(table(['candidate', `PCK@${(s.pck_alphas || [])[0] ?? '–'}`, 'total p50', 'verdict', 'reasons'], rows));
  }

  // ------------------------------------------------------ speed/accuracy
  function fillFilters() {
    const distinct = (key) => [...new Set(allPoints.map((p) => p[key]))].sort();
    for (const [id, key] of [['#filter-engine', 'engine'], ['#filter-setting', 'setting'], ['#filter-machine', 'machine']]) {
      fillSelect($(id), [{value: '', label: 'all'}].concat(distinct(key).map((v) => ({value: v, label: v}))), '');
    }
  }
  function shownPoints() {
    const engine = $('#filter-engine').value, setting = $('#filter-setting').value, machine = $('#filter-machine').value;
    return allPoints.filter((p) => (!engine || p.engine === engine) && (!setting || p.setting === setting) && (!machine || p.machine === machine));
  }
  function axisType(values) {
    const positive = values.filter((v) => finite(v) && v > 0);
    if (positive.length < 2 || positive.length < values.filter(finite).length) return 'value';
    return Math.max(...positive) / Math.min(...positive) > 30 ? 'log' : 'value';
  }
  function frontierOf(items, lowerBetter) {
    const sorted = items.slice().sort((a, b) => (lowerBetter ? a.x - b.x : b.x - a.x) || b.y - a.y);
    const out = [];
    let best = -Infinity;
    for (const item of sorted) if (item.y > best) { out.push(item); best = item.y; }
    return out.sort((a, b) => a.x - b.x);
  }
  // A custom series drawing each point's 95 % intervals: value = [x, y, xlo, xhi, ylo, yhi] ('-' when unknown).
  function intervalSeries(id, rows) {
    return {
      id, type: 'custom', name: '95 % intervals', silent: true, z: 1, data: rows,
      encode: {x: [0, 2, 3], y: [1, 4, 5]},
      renderItem(params, api) {
        const style = {stroke: '#6b7280', lineWidth: 1};
        const children = [];
        const bar = (a, b, vertical) => {
          const p = api.coord(a), q = api.coord(b);
          children.push({type: 'line', shape: {x1: p[0], y1: p[1], x2: q[0], y2: q[1]}, style});
          for (const e of [p, q]) {
            children.push({type: 'line', shape: vertical ? {x1: e[0] - 3, y1: e[1], x2: e[0] + 3, y2: e[1]} : {x1: e[0], y1: e[1] - 3, x2: e[0], y2: e[1] + 3}, style});
          }
        };
        const [x, y, xl, xh, yl, yh] = [0, 1, 2, 3, 4, 5].map((k) => api.value(k));
        if (finite(xl) && finite(xh)) bar([xl, y], [xh, y], false);
        if (finite(yl) && finite(yh)) bar([x, yl], [x, yh], true);
        return {type: 'group', children};
      },
    };
  }
  function drawSpeedAccuracy() {
    const section = $('#speed-accuracy');
    if (!allPoints.some((p) => measured(p.c))) return empty(section, runs.length ? 'No candidate was measured: every one failed (see the recommendation above for why).' : 'The store holds no finished study run.');
    fillFilters();
    const chart = makeChart('speed-accuracy', $('#chart-speed-accuracy'));
    const redraw = () => chart.setOption(speedAccuracyOption(), {notMerge: true});
    for (const id of ['#x-axis', '#mark-by', '#filter-engine', '#filter-setting', '#filter-machine']) $(id).addEventListener('change', redraw);
    redraw();
  }
  function speedAccuracyOption() {
    const xKey = $('#x-axis').value in METRICS ? $('#x-axis').value : 'p50_ms';
    const metric = METRICS[xKey];
    const markMetric = METRICS[$('#mark-by').value] || METRICS.model_rss_bytes;
    const shown = shownPoints();
    const ok = shown.filter((p) => measured(p.c) && finite(metric.get(p.c)));
    const marks = ok.map((p) => markMetric.get(p.c)).filter(finite);
    const [markMin, markMax] = marks.length ? [Math.min(...marks), Math.max(...marks)] : [0, 1];
    const [small, big] = ok.length > 60 ? [5, 14] : [9, 28];  // many marks: smaller ones, so they stay apart
    const size = (v) => (finite(v) && markMax > markMin ? small + (big - small) * Math.sqrt((v - markMin) / (markMax - markMin)) : (small + big) / 2);
    const recName = study0.recommendation && study0.recommendation.name;
    // One item per measured candidate shown; one whose figure on this axis is unknown is not drawn.
    const items = shown.filter((p) => measured(p.c)).map((p) => {
      const c = p.c, x = metric.get(c);
      if (!finite(x)) return {name: pointLabel(p), value: ['-', '-', '-', p.id], pid: p.id};
      const mark = markMetric.get(c);
      const isRec = p.r === 0 && c.name === recName, isRef = p.r === 0 && c.name === study0.reference;
      return {
        name: pointLabel(p), pid: p.id, value: [x, 100 * c.top1, finite(mark) ? mark : markMin, p.id],
        symbol: isRec ? 'diamond' : c.parent ? 'triangle' : 'circle', symbolSize: isRec ? size(mark) + 8 : size(mark),
        itemStyle: {opacity: c.verdict === 'excluded' ? 0.45 : 0.9, borderColor: isRec ? '#1e8449' : '#374151', borderWidth: isRec ? 2.5 : 0.8},
        label: {show: isRec || isRef, formatter: `${c.name}${isRec ? ' (recommended)' : isRef ? ' (reference)' : ''}`, position: isRec ? 'top' : isRef ? 'bottom' : 'right', fontSize: 11, color: '#374151'},
        labeled: isRec || isRef,
      };
    });
    const bars = ok.map((p) => {
      const ci = metric.ci(p.c), yci = p.c.top1_ci95;
      const has = Array.isArray(ci) && finite(ci[0]), hasY = Array.isArray(yci) && finite(yci[0]);
      return [metric.get(p.c), 100 * p.c.top1, has ? ci[0] : '-', has ? ci[1] : '-', hasY ? 100 * yci[0] : '-', hasY ? 100 * yci[1] : '-'];
    });
    const xy = new Map(ok.map((p) => [p.id, [metric.get(p.c), 100 * p.c.top1]]));
    const lineage = [];
    for (const p of ok) {
      if (!p.c.parent) continue;
      const parent = ok.find((q) => q.r === p.r && q.c.model === p.c.parent && q.c.setting === p.c.setting);
      if (parent) lineage.push({coords: [xy.get(parent.id), xy.get(p.id)], name: `${parent.c.name} → ${p.c.name}`});
    }
    const frontier = frontierOf(ok.map((p) => ({x: metric.get(p.c), y: 100 * p.c.top1})), metric.lowerBetter).map((f) => [f.x, f.y]);
    const k = study0.constraints || {};
    const bounds = [];
    if (finite(k.min_top1)) bounds.push({yAxis: 100 * k.min_top1, name: `top-1 ≥ ${(100 * k.min_top1).toFixed(1)} %`});
    if (metric.bound && finite(k[metric.bound])) bounds.push({xAxis: k[metric.bound] * metric.scale, name: constraintTexts({[metric.bound]: k[metric.bound]})[0]});
    const xType = axisType(ok.map((p) => metric.get(p.c)));
    const xs = ok.map((p) => metric.get(p.c));
    const series = [
      {id: 'candidates', name: 'candidates', type: 'scatter', data: items, z: 3, 
        // Hovered labels give way to each other; the recommended's (above) and the reference's (below) always show.
        labelLayout: (params) => ({hideOverlap: !(items[params.dataIndex] && items[params.dataIndex].labeled)}), emphasis: {focus: 'none', label: {show: true}}},
      intervalSeries('intervals', bars),
      {id: 'frontier', name: 'Pareto frontier', type: 'line', data: frontier, showSymbol: false, lineStyle: {color: '#1e8449', width: 2}, z: 2, silent: true,
        markLine: {silent: true, symbol: 'none', lineStyle: {type: 'dashed', color: '#c0392b'}, label: {formatter: '{b}', color: '#c0392b'}, data: bounds}},
      {id: 'lineage', name: 'variant of', type: 'lines', coordinateSystem: 'cartesian2d', data: lineage, silent: true, z: 1,
        symbol: ['none', 'arrow'], symbolSize: 7, lineStyle: {color: '#9ca3af', width: 1, type: 'solid', opacity: 0.9}},
    ];
    const yExtra = bounds.filter((b) => b.yAxis !== undefined).map((b) => b.yAxis);
    const [yMin, yMax] = top1Range(ok, yExtra);
    if (xKey === 'p50_ms' && xs.length) series.push(...hyperbolicFits(shown, Math.min(...xs), Math.max(...xs), xType, yMin, yMax));
    const xExtra = bounds.filter((b) => b.xAxis !== undefined).map((b) => b.xAxis);
    return {
      animation: false,
      grid: {left: 70, right: 160, top: 70, bottom: 60},
      legend: {top: 0, data: series.filter((s) => s.name && s.id !== 'intervals').map((s) => s.name)},
      tooltip: Object.assign({}, tooltipBase, {trigger: 'item', formatter(params) {
        if (params.seriesId !== 'candidates') return esc(params.seriesName);
        const p = allPoints[params.data.pid];
        return figureLines(p).join('<br>');
      }}),
      xAxis: {type: xType, name: metric.label, nameLocation: 'middle', nameGap: 32, scale: true,
        min: xExtra.length ? (v) => Math.min(v.min, ...xExtra) : undefined, max: xExtra.length ? (v) => Math.max(v.max, ...xExtra) : undefined},
      yAxis: {type: 'value', name: 'top-1 (%)', min: yMin, max: yMax},
      visualMap: {type: 'continuous', seriesIndex: 0, dimension: 2, min: markMin, max: markMax > markMin ? markMax : markMin + 1, right: 10, top: 'middle',
        text: [`more ${markMetric.label}`, 'less'], calculable: false, inRange: {color: ['#2c7bb6', '#abd9e9', '#fdae61', '#d7191c']}, outOfRange: {color: '#999'}},
      dataZoom: [{type: 'inside', xAxisIndex: 0, filterMode: 'none'}, {type: 'inside', yAxisIndex: 0, filterMode: 'none'}],
      series,
    };
  }
  // The top-1 axis (%) spans the candidates' 95 % intervals and the constraint
  // lines, never a fit: a poor fit may run far outside and squash the marks.
  function top1Range(ok, extra) {
    const ys = extra.slice();
    for (const p of ok) {
      const ci = p.c.top1_ci95;
      ys.push(100 * p.c.top1);
      if (Array.isArray(ci) && finite(ci[0]) && finite(ci[1])) ys.push(100 * ci[0], 100 * ci[1]);
    }
    if (!ys.length) return [0, 100];  // the filters leave no candidate
    return [Math.max(0, 5 * Math.floor((Math.min(...ys) - 0.5) / 5)), Math.min(100, 5 * Math.ceil((Math.max(...ys) + 0.5) / 5))];
  }
  // The polyline `line` ([x, y] points) kept where lo <= y <= hi: the crossing
  // points are interpolated and '-' breaks the line where it leaves the range.
  function clipLine(line, lo, hi) {
    const out = [];
    const inside = (y) => y >= lo && y <= hi;
    for (let i = 0; i < line.length; ++i) {
      const [x, y] = line[i];
      if (i > 0) {
        const [x0, y0] = line[i - 1];
        const crossings = [lo, hi].filter((edge) => (y0 - edge) * (y - edge) < 0).map((edge) => ({t: (edge - y0) / (y - y0), edge}));
        for (const {t, edge} of crossings.sort((a, b) => a.t - b.t)) out.push([x0 + (x - x0) * t, edge]);
        if (!inside(y) && out.length && out[out.length - 1] !== '-') out.push('-');
      }
      if (inside(y)) out.push([x, y]);
    }
    return out;
  }
  // x values from lo to hi, evenly spaced on the axis type.
  function spread(lo, hi, xType, n) {
    return Array.from({length: n + 1}, (_, i) => (xType === 'log' ? lo * Math.pow(hi / lo, i / n) : lo + (hi - lo) * i / n));
  }
  // top-1 = a + b / p50 for each setting's fit, drawn between the shown p50s, inside [yMin, yMax] (%).
  function hyperbolicFits(shown, lo, hi, xType, yMin, yMax) {
    const out = [];
    const machines = new Set(shown.map((p) => p.r));
    for (const r of machines) {
      for (const fit of (runs[r].study && runs[r].study.fits) || []) {
        const h = fit.accuracy_vs_latency;
        if (!h || !h.valid || !shown.some((p) => p.r === r && p.c.setting === fit.setting)) continue;
        const line = clipLine(spread(lo, hi, xType, 120).map((x) => [x, 100 * (h.a + h.b_ms / x)]), yMin, yMax);
        out.push({id: `fit-${r}-${fit.setting}`, name: `top-1 = a + b/p50 (${fit.setting}${multiMachine ? ', ' + machineOf(runs[r], r) : ''}), R² = ${h.r_squared.toFixed(2)}`,
          type: 'line', data: line, showSymbol: false, silent: true, lineStyle: {type: 'dotted', width: 1.5}, z: 1});
      }
    }
    return out;
  }

  // ------------------------------------------------------ latency vs MACs
  function drawLatencyMacs() {
    const section = $('#latency-macs');
    const body = section.querySelector('.body');
    const ok = allPoints.filter((p) => measured(p.c) && finite(p.c.p50_ms) && p.c.macs > 0);
    if (!ok.length) return empty(section, 'No measured candidate with a MAC count: nothing to plot.');
    const groups = new Map();
    for (const p of ok) {
      const key = p.c.setting + (multiMachine ? ` @ ${p.machine}` : '');
      if (!groups.has(key)) groups.set(key, {r: p.r, setting: p.c.setting, points: []});
      groups.get(key).points.push(p);
    }
    const macs = ok.map((p) => p.c.macs);
    const xType = axisType(macs);
    const [lo, hi] = [Math.min(...macs), Math.max(...macs)];
    const yType = axisType(ok.map((p) => p.c.p50_ms));
    const [yMin, yMax] = p50Range(ok, yType);
    const series = [];
    const fitRows = [];
    for (const [key, g] of groups) {
      series.push({name: key, type: 'scatter', symbolSize: 9, data: g.points.map((p) => ({name: pointLabel(p), value: [p.c.macs, p.c.p50_ms], pid: p.id}))});
      const fit = ((runs[g.r].study && runs[g.r].study.fits) || []).find((f) => f.setting === g.setting);
      if (!fit) continue;
      const l = fit.latency_vs_macs, h = fit.accuracy_vs_latency;
      if (l && l.valid) {
        const line = clipLine(spread(lo, hi, xType, 80).map((x) => [x, l.intercept_ms + l.slope_ms_per_mac * x]), yMin, yMax);
        series.push({name: `${key}: fit, R² = ${l.r_squared.toFixed(3)}`, type: 'line', data: line, showSymbol: false, silent: true, lineStyle: {type: 'dashed'}});
      }
      fitRows.push([key,
        l && l.valid ? `p50 = ${sig(l.intercept_ms)} ms + ${sig(l.slope_ms_per_mac * 1e6)} ms per million MACs` : 'no fit',
        l && l.valid ? l.r_squared.toFixed(3) : '–', l ? String(l.count) : '–',
        h && h.valid ? `top-1 = ${(100 * h.a).toFixed(2)} % + ${sig(100 * h.b_ms)} %·ms / p50` : 'no fit',
        h && h.valid ? h.r_squared.toFixed(3) : '–']);
    }
    series.push(intervalSeries('intervals', ok.map((p) => {
      const ci = p.c.p50_ci95, has = Array.isArray(ci) && finite(ci[0]);
      return [p.c.macs, p.c.p50_ms, '-', '-', has ? ci[0] : '-', has ? ci[1] : '-'];
    })));
    const chart = makeChart('latency-macs', $('#chart-latency-macs'));
    chart.setOption({
      animation: false, grid: {left: 70, right: 30, top: 50, bottom: 60},
      legend: {type: 'scroll', top: 0},
      tooltip: Object.assign({}, tooltipBase, {trigger: 'item', formatter: (params) => (params.data && params.data.pid !== undefined
        ? `<b>${esc(params.data.name)}</b><br>${sig(params.value[0])} MACs<br>p50 ${sig(params.value[1])} ms${interval(allPoints[params.data.pid].c.p50_ci95, sig)}`
        : esc(params.seriesName))}),
      xAxis: {type: xType, name: 'MACs per sample', nameLocation: 'middle', nameGap: 32, scale: true},
      yAxis: {type: yType, name: 'p50 latency (ms)', min: yMin, max: yMax},
      series,
    });
    body.append(el('p', {class: 'caption'}, 'Fits per runtime setting over its measured candidates (the study\'s own fits): p50 latency linear in MACs ("operations predict time" when R² is near 1), and top-1 hyperbolic in p50 (Canziani et al. 2016), also drawn on the speed/accuracy plot when its x axis is p50.'));
    if (fitRows.length) body.append(table(['setting', 'latency vs MACs', 'R²', 'points', 'accuracy vs latency', 'R²'], fitRows, [false, false, true, true, false, true]));
    else body.append(el('p', {class: 'empty'}, 'No fits: a setting needs at least 3 measured candidates.'));
  }

  // The p50 axis (ms) spans the candidates' 95 % intervals with a margin, never
  // a fit (a negative intercept would pull it below 0).
  function p50Range(ok, yType) {
    const ys = ok.flatMap((p) => [p.c.p50_ms].concat(Array.isArray(p.c.p50_ci95) ? p.c.p50_ci95 : [])).filter((y) => finite(y) && y > 0);
    const [lo, hi] = [Math.min(...ys), Math.max(...ys)];
    if (yType === 'log') return [Math.pow(10, Math.floor(Math.log10(lo))), Math.pow(10, Math.ceil(Math.log10(hi)))];
    const step = Math.pow(10, Math.floor(Math.log10(hi - lo || hi))) / 2;  // round to a tick-like step
    return [Math.max(0, step * Math.floor((lo - 0.05 * (hi - lo)) / step)), step * Math.ceil((hi + 0.05 * (hi - lo)) / step)];
  }

  // ------------------------------------------------------ latency CDFs
  function drawLatencyDistribution() {
    const section = $('#latency-distribution');
    const entries = [];
    runs.forEach((run, r) => {
      for (const l of run.latency || []) {
        if (Array.isArray(l.raw_ms) && l.raw_ms.length) entries.push({name: l.candidate + (multiMachine ? ` @ ${machineOf(run, r)}` : ''), raw: l.raw_ms, r, candidate: l.candidate});
      }
    });
    if (!entries.length) return empty(section, 'No raw latencies stored for this study (they are kept from schema version 1 on; rerun the study to record them).');
    const recName = study0.recommendation && study0.recommendation.name;
    const selected = {};
    entries.forEach((e, i) => { selected[e.name] = i < 6 || (e.r === 0 && (e.candidate === recName || e.candidate === study0.reference)); });
    const all = [];
    const series = entries.map((e) => {
      const sorted = e.raw.slice().sort((a, b) => a - b);
      const n = sorted.length, step = Math.max(1, Math.floor(n / 250));
      const line = [];
      for (let i = 0; i < n; i += step) line.push([sorted[i], (i + 1) / n]);
      if (line[line.length - 1][1] !== 1) line.push([sorted[n - 1], 1]);
      all.push(sorted[0], sorted[n - 1]);
      return {name: e.name, type: 'line', data: line, showSymbol: false, step: 'end', lineStyle: {width: 1.5}};
    });
    const chart = makeChart('latency-distribution', $('#chart-latency-distribution'));
    chart.setOption({
      animation: false, grid: {left: 70, right: 30, top: 60, bottom: 60},
      legend: {type: 'scroll', top: 0, selected},
      tooltip: Object.assign({}, tooltipBase, {trigger: 'axis', formatter(params) {
        const rows = params.slice(0, 12).map((q) => `${esc(q.seriesName)}: ${(100 * q.value[1]).toFixed(1)} % ≤ ${sig(q.value[0])} ms`);
        return rows.join('<br>') + (params.length > 12 ? `<br>… ${params.length - 12} more` : '');
      }}),
      xAxis: {type: axisType(all), name: 'latency per query (ms)', nameLocation: 'middle', nameGap: 32, scale: true},
      yAxis: {type: 'value', name: 'fraction of timed runs', min: 0, max: 1},
      dataZoom: [{type: 'inside', xAxisIndex: 0, filterMode: 'none'}],
      series,
    });
    section.querySelector('.body').append(el('p', {class: 'caption'},
      `Cumulative distribution of each candidate's timed runs (at most 2000 stored, evenly subsampled). ${entries.length > 6 ? 'Pick candidates in the legend.' : ''}`));
  }

  // ------------------------------------------------------ confusion
  // The dense matrix [true][predicted], from `confusion`, else from the
  // nonzero `confusion_cells` ([true, predicted, count]) the snapshot keeps for many classes.
  function denseConfusion(a) {
    if (Array.isArray(a.confusion) && a.confusion.length) return a.confusion;
    if (!Array.isArray(a.confusion_cells) || !a.confusion_cells.length) return null;
    const n = a.confusion_cells.reduce((most, c) => Math.max(most, c[0] + 1, c[1] + 1), classes.length);
    const m = Array.from({length: n}, () => new Array(n).fill(0));
    for (const [t, p, count] of a.confusion_cells) m[t][p] = count;
    return m;
  }
  const accuracyEntries = [];
  runs.forEach((run, r) => {
    for (const a of run.accuracy || []) {
      const confusion = denseConfusion(a);
      // Entries scored on the same samples carry only `predictions`; the run's
      // `shared_samples` holds their indices and labels once.
      const shared = run.shared_samples && !Array.isArray(a.indices) ? run.shared_samples : {};
      if (confusion) accuracyEntries.push({a: Object.assign({}, shared, a, {confusion}), r, run});
    }
  });
  const multiEngine = new Set(accuracyEntries.map((e) => e.a.engine)).size > 1;
  const multiAccuracyMachine = new Set(accuracyEntries.map((e) => e.r)).size > 1;
  accuracyEntries.forEach((e) => {
    e.label = e.a.model + (multiEngine ? ` [${e.a.engine}]` : '') + (multiAccuracyMachine ? ` @ ${machineOf(e.run, e.r)}` : '');
  });
  // The accuracy run that scores candidate `name` of the newest run.
  function entryForCandidate(name) {
    const listed = accuracyEntries.find((e) => e.r === 0 && Array.isArray(e.a.candidates) && e.a.candidates.includes(name));
    if (listed) return listed;
    const c = candidateByName(study0, name);
    if (!c) return null;
    const mine = accuracyEntries.filter((e) => e.r === 0 && e.a.model === c.model);
    return mine.find((e) => e.a.engine === engineOf(c)) || mine[0] || null;
  }
  const rowTotals = (m) => m.map((row) => row.reduce((s, v) => s + v, 0));
  // Dataset indices of up to 8 samples per (true, predicted) cell: the stored
  // cell_samples ("t,p" -> indices), else from the per-sample arrays.
  function samplesByCell(entry) {
    if (entry.cells) return entry.cells;
    const a = entry.a, n = a.confusion.length;
    entry.cells = new Map();
    if (a.cell_samples) {
      for (const [key, list] of Object.entries(a.cell_samples)) {
        const [t, p] = key.split(',').map(Number);
        entry.cells.set(t * n + p, list);
      }
      return entry.cells;
    }
    if (!Array.isArray(a.predictions) || !Array.isArray(a.labels) || !Array.isArray(a.indices)) return entry.cells;
    for (let i = 0; i < a.labels.length; ++i) {
      const key = a.labels[i] * n + a.predictions[i];
      let list = entry.cells.get(key);
      if (!list) entry.cells.set(key, (list = []));
      if (list.length < 8) list.push(a.indices[i]);
    }
    return entry.cells;
  }
  const hasSamples = (entry) => Boolean(entry.a.cell_samples) || (Array.isArray(entry.a.predictions) && Array.isArray(entry.a.indices));
  const hasPredictions = (entry) => Array.isArray(entry.a.predictions) && Array.isArray(entry.a.indices);
  // Classes ordered so that classes confused with each other sit together: a
  // greedy chain over the two matrices' symmetric off-diagonal counts,
  // starting from the most confused class.
  function confusionOrder(matrices) {
    const n = matrices[0].length;
    const sym = (i, j) => matrices.reduce((s, m) => s + (m[i][j] || 0) + (m[j][i] || 0), 0);
    const total = new Array(n).fill(0);
    for (const m of matrices) for (let i = 0; i < n; ++i) for (let j = 0; j < n; ++j) if (i !== j && m[i][j]) { total[i] += m[i][j]; total[j] += m[i][j]; }
    const placed = new Uint8Array(n), order = [];
    let current = total.indexOf(Math.max(...total));
    while (order.length < n) {
      order.push(current);
      placed[current] = 1;
      let next = -1, best = -1, bestTotal = -1;
      for (let j = 0; j < n; ++j) {
        if (placed[j]) continue;
        const s = sym(current, j);
        if (s > best || (s === best && total[j] > bestTotal)) { next = j; best = s; bestTotal = total[j]; }
      }
      if (next < 0) break;
      current = next;
    }
    return order;
  }
  const className = (i) => (classes[i] !== undefined ? String(classes[i]) : `class ${i}`);
  function matrixOption(title, subtitle, cells, order, visualMap, tooltip) {
    const n = order.length, names = order.map(className);
    const zoom = n > 30;
    return {
      animation: false, title: {text: title, subtext: cells.length ? subtitle : 'no cell differs', left: 'center', textStyle: {fontSize: 13}, itemGap: 4},
      grid: {left: 110, right: 30, top: 56, bottom: zoom ? 120 : 100},
      tooltip: Object.assign({}, tooltipBase, {trigger: 'item', formatter: tooltip}),
      xAxis: {type: 'category', data: names, name: 'predicted', nameLocation: 'middle', nameGap: zoom ? 95 : 80, axisLabel: {rotate: 60, width: 80, overflow: 'truncate', fontSize: 10}, splitArea: {show: false}},
      yAxis: {type: 'category', data: names, inverse: true, name: 'true', nameLocation: 'start', axisLabel: {width: 95, overflow: 'truncate', fontSize: 10}},
      visualMap: Object.assign({dimension: 2, calculable: false, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120, precision: 2, show: false}, visualMap),
      dataZoom: zoom ? [{type: 'slider', xAxisIndex: 0, startValue: 0, endValue: 29, height: 14, bottom: 4, filterMode: 'empty'},
        {type: 'slider', yAxisIndex: 0, startValue: 0, endValue: 29, width: 14, right: 4, filterMode: 'empty'},
        {type: 'inside', xAxisIndex: 0, filterMode: 'empty'}, {type: 'inside', yAxisIndex: 0, filterMode: 'empty'}] : [],
      series: [{id: 'cells', type: 'heatmap', data: cells, progressive: 5000, emphasis: {itemStyle: {borderColor: '#111', borderWidth: 1}},
        label: {show: n <= 12, fontSize: 9, formatter: (p) => (p.value[4] === 'rates' ? (100 * p.value[2]).toFixed(0) : String(p.value[2]))}}],
    };
  }
  function drawConfusion() {
    const section = $('#confusion');
    if (!accuracyEntries.length) return empty(section, runs.length ? 'No accuracy run finished with a confusion matrix: nothing to compare.' : 'The store holds no finished study run.');
    const options = accuracyEntries.map((e, i) => ({value: e.label, label: e.label, i}));
    const ref = study0.reference ? entryForCandidate(study0.reference) : null;
    const rec = study0.recommendation && study0.recommendation.name ? entryForCandidate(study0.recommendation.name) : null;
    const a = ref || accuracyEntries[0];
    const b = rec && rec !== a ? rec : accuracyEntries.find((e) => e !== a) || a;
    fillSelect($('#pair-a'), options, a.label);
    fillSelect($('#pair-b'), options, b.label);
    const chartA = makeChart('confusion-a', $('#chart-confusion-a'));
    const chartB = makeChart('confusion-b', $('#chart-confusion-b'));
    const chartD = makeChart('confusion-diff', $('#chart-confusion-diff'));
    const redraw = () => {
      const ea = accuracyEntries.find((e) => e.label === $('#pair-a').value) || a;
      const eb = accuracyEntries.find((e) => e.label === $('#pair-b').value) || b;
      drawPair(ea, eb, $('#matrix-mode').value === 'rates' ? 'rates' : 'counts', chartA, chartB, chartD);
    };
    for (const id of ['#pair-a', '#pair-b', '#matrix-mode']) $(id).addEventListener('change', redraw);
    redraw();
  }
  function drawPair(ea, eb, mode, chartA, chartB, chartD) {
    const body = $('#confusion .body');
    body.replaceChildren();
    const matA = ea.a.confusion, matB = eb.a.confusion;
    if (matA.length !== matB.length) {
      body.append(el('p', {class: 'empty'}, `${ea.label} and ${eb.label} have different class counts (${matA.length} vs ${matB.length}): no difference matrix.`));
    }
    const order = confusionOrder(matA.length === matB.length ? [matA, matB] : [matA]);
    const one = (entry, chart, letter) => {
      const m = entry.a.confusion, totals = rowTotals(m), n = m.length;
      const ord = m.length === order.length ? order : confusionOrder([m]);
      const cells = [];
      let offMax = 0, max = 0;
      for (let y = 0; y < n; ++y) for (let x = 0; x < n; ++x) {
        const t = ord[y], p = ord[x], count = m[t][p];
        if (!count) continue;
        const value = mode === 'rates' ? count / totals[t] : count;
        cells.push([x, y, value, count, mode]);
        max = Math.max(max, value);
        if (t !== p) offMax = Math.max(offMax, value);
      }
      const top = offMax || max || 1;
      chart.setOption(matrixOption(`${letter}: ${entry.label}`, '', cells, ord,
        {min: 0, max: top, inRange: {color: ['#f7fbff', '#6baed6', '#08306b']}, outOfRange: {color: '#08306b'}},
        (params) => {
          const [x, y, , count] = params.value, t = ord[y], p = ord[x];
          const samples = samplesByCell(entry).get(t * n + p) || [];
          return `true <b>${esc(className(t))}</b> → predicted <b>${esc(className(p))}</b><br>count ${count}<br>rate ${(100 * count / totals[t]).toFixed(2)} % of the ${totals[t]} true ${esc(className(t))}` +
            (t !== p ? '<br>' + (hasSamples(entry) ? thumbsHtml(samples) : 'samples not stored (too many predictions)') : '');
        }), {notMerge: true});
    };
    one(ea, chartA, 'A');
    one(eb, chartB, 'B');
    if (matA.length === matB.length) drawDiff(ea, eb, mode, order, chartD);
    body.append(pairSummary(ea, eb));
  }
  function drawDiff(ea, eb, mode, order, chart) {
    const matA = ea.a.confusion, matB = eb.a.confusion, n = matA.length, ta = rowTotals(matA), tb = rowTotals(matB);
    const cells = [];
    let max = 0;
    for (let y = 0; y < n; ++y) for (let x = 0; x < n; ++x) {
      const t = order[y], p = order[x];
      if (!matA[t][p] && !matB[t][p]) continue;
      const change = mode === 'rates' ? matB[t][p] / (tb[t] || 1) - matA[t][p] / (ta[t] || 1) : matB[t][p] - matA[t][p];
      if (change === 0) continue;
      // Signed so that positive is better for B: more right on the diagonal, fewer of this mistake off it.
      const value = t === p ? change : -change;
      cells.push([x, y, value, matB[t][p] - matA[t][p], mode]);
      max = Math.max(max, Math.abs(value));
    }
    chart.setOption(matrixOption('B vs A', 'blue: better for B, red: worse', cells, order,
      {min: -(max || 1), max: max || 1, inRange: {color: ['#b2182b', '#f7f7f7', '#2166ac']}},
      (params) => {
        const [x, y] = params.value, t = order[y], p = order[x];
        const rate = (m, tot) => 100 * m[t][p] / (tot[t] || 1);
        return `true <b>${esc(className(t))}</b> → predicted <b>${esc(className(p))}</b><br>count A ${matA[t][p]} (${rate(matA, ta).toFixed(2)} %), B ${matB[t][p]} (${rate(matB, tb).toFixed(2)} %)<br>` +
          `B − A: ${matB[t][p] - matA[t][p] >= 0 ? '+' : ''}${matB[t][p] - matA[t][p]} (${(rate(matB, tb) - rate(matA, ta)).toFixed(2)} points)` +
          `<br>${(t === p) === (matB[t][p] > matA[t][p]) ? 'better' : 'worse'} for B`;
      }), {notMerge: true});
  }
  // Samples right under one and wrong under the other, paired by dataset index.
  function flips(ea, eb) {
    if (!hasPredictions(ea) || !hasPredictions(eb)) return null;
    const right = new Map();
    ea.a.indices.forEach((index, i) => right.set(index, ea.a.labels[i] === ea.a.predictions[i]));
    const lost = [], gained = [];
    eb.a.indices.forEach((index, i) => {
      if (!right.has(index)) return;
      const now = eb.a.labels[i] === eb.a.predictions[i];
      if (right.get(index) && !now) lost.push({index, label: eb.a.labels[i]});
      if (!right.get(index) && now) gained.push({index, label: eb.a.labels[i]});
    });
    return {lost, gained, compared: eb.a.indices.filter((i) => right.has(i)).length};
  }
  function pairSummary(ea, eb) {
    const f = flips(ea, eb);
    if (!f) return el('p', {class: 'caption'}, 'Per-sample predictions are not stored for this pair: the matrices are all there is.');
    return el('p', {class: 'caption'}, `Of ${f.compared} samples both evaluated: ${f.lost.length} right under A and wrong under B, ${f.gained.length} the other way round. Colours: A and B by count or rate off the diagonal (the diagonal is clipped to the darkest colour); the third matrix blue where B does better (more right on the diagonal, fewer of that mistake off it), red where it does worse.`);
  }

  // ------------------------------------------------------ per class
  function drawPerClass() {
    const section = $('#per-class');
    const body = section.querySelector('.body');
    const ref = study0.reference ? entryForCandidate(study0.reference) : null;
    if (!accuracyEntries.length) return empty(section, 'No accuracy run finished with per-class figures.');
    if (!ref) return empty(section, 'The study has no reference model with an accuracy run: no change to show.');
    const options = accuracyEntries.filter((e) => e !== ref).map((e) => ({value: e.label, label: e.label}));
    if (!options.length) return empty(section, 'The reference is the only candidate with an accuracy run.');
    const rec = study0.recommendation && study0.recommendation.name ? entryForCandidate(study0.recommendation.name) : null;
    fillSelect($('#per-class-model'), options, rec && rec !== ref ? rec.label : options[0].value);
    let limit = 30;
    const redraw = () => {
      const entry = accuracyEntries.find((e) => e.label === $('#per-class-model').value);
      body.replaceChildren(perClassTable(ref, entry, limit, () => { limit = Infinity; redraw(); }));
    };
    $('#per-class-model').addEventListener('change', () => { limit = 30; redraw(); });
    redraw();
  }
  function recallOf(entry) {
    if (Array.isArray(entry.a.recall) && entry.a.recall.length === entry.a.confusion.length) return entry.a.recall;
    return entry.a.confusion.map((row, i) => { const t = row.reduce((s, v) => s + v, 0); return t ? row[i] / t : null; });
  }
  function perClassTable(ref, entry, limit, showAll) {
    const ra = recallOf(ref), rb = recallOf(entry);
    const f = flips(ref, entry);
    const lostBy = new Map(), gainedBy = new Map();
    if (f) {
      for (const s of f.lost) (lostBy.get(s.label) || lostBy.set(s.label, []).get(s.label)).push(s.index);
      for (const s of f.gained) (gainedBy.get(s.label) || gainedBy.set(s.label, []).get(s.label)).push(s.index);
    }
    // Without per-sample predictions the run still names up to 8 lost samples per class.
    const stored = !f && entry.a.flipped_samples && ref.r === entry.r ? entry.a.flipped_samples : null;
    if (stored) for (const [k, list] of Object.entries(stored)) lostBy.set(Number(k), list);
    const rows = ra.map((r, k) => ({k, a: r, b: rb[k], d: finite(r) && finite(rb[k]) ? rb[k] - r : null}))
      .sort((x, y) => (finite(x.d) ? x.d : Infinity) - (finite(y.d) ? y.d : Infinity) || x.k - y.k);
    const shown = rows.slice(0, limit);
    const wrap = el('div', {},
      el('p', {class: 'caption'}, `Recall per class of ${entry.label} against the reference ${ref.label}, largest loss first; "lost" are samples the reference got right and this candidate got wrong (paired by dataset index), "gained" the reverse.`),
      table(['class', `recall ${ref.label}`, `recall ${entry.label}`, 'change', 'lost', 'gained'], shown.map((row) => [
        className(row.k), pct(row.a), pct(row.b),
        el('span', {class: row.d < 0 ? 'loss' : row.d > 0 ? 'gain' : null}, points(row.d)),
        f || stored ? el('span', {}, f ? `${(lostBy.get(row.k) || []).length} ` : '', thumbsOf(lostBy.get(row.k) || [])) : '–',
        f ? el('span', {}, `${(gainedBy.get(row.k) || []).length} `, thumbsOf(gainedBy.get(row.k) || [])) : '–',
      ]), [false, true, true, true, false, false]));
    if (rows.length > shown.length) wrap.append(el('button', {onclick: showAll}, `show all ${rows.length} classes`));
    if (!f) wrap.append(el('p', {class: 'empty'}, stored ? 'Per-sample predictions are not stored (too many): up to 8 lost samples per class, no counts.' : 'Per-sample predictions are not stored (too many): no flipped samples.'));
    return wrap;
  }

  // ------------------------------------------------------ variants
  function drawVariants() {
    const section = $('#variants');
    const body = section.querySelector('.body');
    const variants = (runs.length && runs[0].variants) || [];
    const studyVariants = study0.variants || [];
    if (!variants.length && !studyVariants.length) return empty(section, 'This study makes no variants (the spec has no `variants`).');
    const quantized = variants.filter((v) => Array.isArray(v.sqnr) && v.sqnr.length);
    if (quantized.length) {
      fillSelect($('#sqnr-variant'), quantized.map((v) => ({value: v.model, label: `${v.model} (${v.sqnr.length} layers)`})), quantized[0].model);
      const chart = makeChart('sqnr', $('#chart-sqnr'));
      const redraw = () => {
        const v = quantized.find((q) => q.model === $('#sqnr-variant').value) || quantized[0];
        chart.setOption({
          animation: false, title: {text: `SQNR per quantized activation of ${v.model}, graph order`, left: 'center', textStyle: {fontSize: 13}},
          grid: {left: 60, right: 20, top: 40, bottom: 70},
          tooltip: Object.assign({}, tooltipBase, {trigger: 'item', formatter: (p) => `${esc(v.sqnr[p.dataIndex].tensor)}<br>node ${esc(v.sqnr[p.dataIndex].node)}<br>SQNR ${finite(p.value) ? sig(p.value, 3) + ' dB' : 'exact'}`}),
          xAxis: {type: 'category', data: v.sqnr.map((s, i) => `${i + 1}`), name: 'layer', nameLocation: 'middle', nameGap: 30},
          yAxis: {type: 'value', name: 'SQNR (dB)'},
          dataZoom: v.sqnr.length > 80 ? [{type: 'slider', xAxisIndex: 0, bottom: 4, height: 14}, {type: 'inside', xAxisIndex: 0}] : [],
          // A null SQNR is an exact match: no bar.
          series: [{type: 'bar', data: v.sqnr.map((s) => (finite(s.sqnr_db) ? {value: s.sqnr_db, itemStyle: {color: s.sqnr_db < 20 ? '#c0392b' : s.sqnr_db < 30 ? '#e69f00' : '#2c7bb6'}} : '-')),
            markLine: {silent: true, symbol: 'none', data: [{yAxis: 20, name: '20 dB'}], lineStyle: {type: 'dashed', color: '#c0392b'}, label: {formatter: '{b}'}}}],
        }, {notMerge: true});
      };
      $('#sqnr-variant').addEventListener('change', redraw);
      redraw();
    } else {
      $('#chart-sqnr').hidden = true;
      $('#variants .controls').hidden = true;
      body.append(el('p', {class: 'empty'}, 'No per-layer SQNR stored: no quantized variant, or the variants were made before SQNR was recorded.'));
    }
    drawOps(variants);
    const summary = new Map(studyVariants.map((v) => [v.model, v]));
    const models = [...new Set(variants.map((v) => v.model).concat(studyVariants.map((v) => v.model)))];
    body.append(table(['variant', 'of', 'transform', 'kept in float', '"slower because"', 'notes'], models.map((model) => {
      const v = variants.find((x) => x.model === model) || {}, s = summary.get(model) || {};
      const floats = v.float_nodes || [];
      return [model, v.parent || s.parent || '–', v.transform || s.transform || '–',
        floats.length ? el('details', {}, el('summary', {}, `${floats.length} node(s)`), floats.join(', ')) : 'none',
        v.verdict || s.slower_verdict || '–',
        el('ul', {class: 'reasons'}, groupedNotes(s.notes || []).concat(s.diagnosis ? [el('li', {}, s.diagnosis)] : []))];
    })));
  }
  // A variant's notes as <li>s, "kept float32: NODE (REASON)" notes of one reason
  // in one item ("50 nodes kept float32: REASON") with the node names folded away.
  function groupedNotes(notes) {
    const groups = new Map(), items = [];
    for (const note of notes) {
      const m = /^(kept float\w*): (.+?) \((.*)\)$/.exec(note);
      if (!m) {
        items.push(el('li', {}, note));
        continue;
      }
      const key = `${m[1]}: ${m[3]}`;
      if (!groups.has(key)) {
        groups.set(key, {kept: m[1], reason: m[3], nodes: [], note});
        items.push(groups.get(key));
      }
      groups.get(key).nodes.push(m[2]);
    }
    return items.map((g) => (g instanceof Node ? g : g.nodes.length === 1 ? el('li', {}, g.note)
      : el('li', {}, `${g.nodes.length} nodes ${g.kept}: ${g.reason}`, el('details', {}, el('summary', {}, 'node names'), g.nodes.join(', ')))));
  }
  function drawOps(variants) {
    const withOps = variants.filter((v) => v.ops_by_precision && Object.keys(v.ops_by_precision).length);
    if (!withOps.length) {
      $('#chart-ops').hidden = true;
      return;
    }
    const precisions = [...new Set(withOps.flatMap((v) => Object.keys(v.ops_by_precision)))].sort();
    const total = (v, p) => Object.values(v.ops_by_precision[p] || {}).reduce((s, n) => s + n, 0);
    $('#chart-ops').style.height = `${Math.max(220, 60 + 28 * withOps.length)}px`;
    const chart = makeChart('ops', $('#chart-ops'));
    chart.setOption({
      animation: false, title: {text: 'Nodes of each variant\'s optimised graph by precision', left: 'center', textStyle: {fontSize: 13}},
      legend: {top: 22}, grid: {left: 220, right: 30, top: 56, bottom: 30},
      tooltip: Object.assign({}, tooltipBase, {trigger: 'item', formatter(p) {
        const ops = withOps[p.dataIndex].ops_by_precision[p.seriesName] || {};
        return `<b>${esc(withOps[p.dataIndex].model)}</b>, ${esc(p.seriesName)}: ${p.value} node(s)<br>` +
          Object.entries(ops).sort((x, y) => y[1] - x[1]).map(([op, n]) => `${esc(op)} ${n}`).join(', ');
      }}),
      xAxis: {type: 'value', name: 'nodes'},
      yAxis: {type: 'category', data: withOps.map((v) => v.model), axisLabel: {width: 200, overflow: 'truncate'}},
      series: precisions.map((p) => ({name: p, type: 'bar', stack: 'ops', data: withOps.map((v) => total(v, p))})),
    });
  }

  // ------------------------------------------------------ platforms
  function drawPlatforms() {
    const section = $('#platforms');
    const body = section.querySelector('.body');
    const ok = allPoints.filter((p) => measured(p.c));
    if (!ok.length) return empty(section, 'No candidate was measured: nothing to compare across runtimes, settings or machines.');
    const groups = new Map();
    for (const p of ok) {
      if (!groups.has(p.c.model)) groups.set(p.c.model, []);
      groups.get(p.c.model).push(p);
    }
    const rows = [];
    for (const [model, list] of groups) {
      for (const p of list) {
        rows.push([model, p.engine, p.setting, p.machine, `${sig(p.c.p50_ms)}${interval(p.c.p50_ci95, sig)}`, `${sig(p.c.items_per_s)}${interval(p.c.items_per_s_ci95, sig)}`,
          engineRatioCell(p)]);
      }
    }
    body.append(el('h3', {}, 'Runtime × setting × machine'),
      el('p', {class: 'caption'}, 'Speed against the reference runtime, same model, setting and machine: the study\'s own ratio (reference p50 / this p50, ' +
        'bootstrap 95 % interval within the run-to-run tolerance), the one the tables below and the recommendation use; the page computes no ratio of its own. ' +
        'Empty: the study compares no such pair; between machines, see Machines below.'),
      table(['model', 'runtime', 'setting', 'machine', 'p50 (ms) [95 %]', 'items/s [95 %]', 'speed vs the reference runtime'], rows, [false, false, false, false, true, true, true]));
    runs.forEach((run, r) => {
      const engines = run.study && run.study.engines;
      if (!engines || !(engines.speed_ratios || []).length) return;
      body.append(el('h3', {}, `Runtimes against ${engines.reference}${multiMachine ? ' on ' + machineOf(run, r) : ''}`),
        table(['model', 'setting', 'runtime', 'speed ratio (reference p50 / its p50)', 'verdict'], engines.speed_ratios.map((q) => [
          q.model, q.setting, q.engine, `${sig(q.speed_ratio)}x${interval(q.ci95, sig)}`,
          q.measurable ? (q.speed_ratio > 1 ? 'faster' : 'slower') : 'no measurable difference']), [false, false, false, true, false]),
        agreementTable(engines));
    });
    if (!runs.some((run) => run.study && run.study.engines)) body.append(el('p', {class: 'empty'}, 'One runtime only: the spec\'s [runtime] engine lists one engine.'));
    drawMachines(body);
    body.append(el('h3', {}, 'Measurement hygiene'), hygieneList());
  }
  // Machines: the speed ratios between environments that `study --report-only`
  // of a merged store wrote into every snapshot (the newest run's that has
  // them), beside each run's own recommendation.
  function drawMachines(body) {
    body.append(el('h3', {}, 'Machines'));
    const ratios = (runs.find((run) => (run.environment_ratios || []).length) || {}).environment_ratios || [];
    if (runs.length < 2 && !ratios.length) {
      body.append(el('p', {class: 'empty'}, 'One machine only: merge stores measured elsewhere with `sweetspot results merge`, then run `sweetspot study SPEC.toml --report-only` on the merged store to compare machines.'));
      return;
    }
    // Machines numbered as --report-only numbers its environments: the ratios' A first.
    const numbers = new Map();
    const numberOf = (d) => { if (!numbers.has(d)) numbers.set(d, numbers.size + 1); return numbers.get(d); };
    for (const q of ratios) { numberOf(q.environment_a); numberOf(q.environment_b); }
    const ratioTable = ratios.length
      ? table(['model', 'setting', 'machine A → B', 'p50 ratio (A p50 / B p50) [95 %]', 'verdict (B vs A)', 'items/s ratio (B / A)'], ratios.map((q) => [
        q.model, q.setting, `${numberOf(q.environment_a)} → ${numberOf(q.environment_b)}`, `${sig(q.p50_ratio)}x${interval(q.p50_ratio_ci95, sig)}`,
        q.verdict || 'no interval', `${sig(q.items_per_s_ratio)}x`]), [false, false, true, true, false, true])
      : el('p', {class: 'empty'}, 'No ratio between machines stored: run `sweetspot study SPEC.toml --report-only` on the merged store.');
    const recommendations = table(['machine', 'environment', 'recommended'], runs.map((run, r) => {
      const description = run.environment_description || machineOf(run, r);
      const rec = run.study && run.study.recommendation;
      return [numberOf(description), `${description} (${run.written_utc || 'undated'})`, rec && rec.name ? rec.name : 'none'];
    }).sort((x, y) => x[0] - y[0]), [true, false, false]);
    body.append(el('p', {class: 'caption'}, 'Each candidate on machine B against machine A (the first), from the stored raw latencies: ' +
      'p50 ratio > 1 means faster on B, with its bootstrap 95 % interval (no measurable difference when it contains 1). ' +
      'Right: each machine and its own recommendation.'), el('div', {class: 'machines'}, el('div', {}, ratioTable), el('div', {}, recommendations)));
  }
  // The study's engine ratio for p's candidate (study.engines.speed_ratios), as
  // "0.094x [0.058, 0.107] slower"; '' when the study has none for it.
  function engineRatioCell(p) {
    const engines = p.run.study && p.run.study.engines;
    if (!engines) return '';
    if (p.engine === engines.reference) return 'reference runtime';
    const q = (engines.speed_ratios || []).find((x) => x.model === p.c.model && x.setting === p.setting && x.engine === p.engine);
    if (!q) return '';
    return `${sig(q.speed_ratio)}x${interval(q.ci95, sig)} ${q.measurable ? (q.speed_ratio > 1 ? 'faster' : 'slower') : 'no measurable difference'}`;
  }
  function agreementTable(engines) {
    const rows = [];
    for (const e of engines.engines || []) {
      for (const m of e.models || []) {
        if (!m.agreement) continue;
        const g = m.agreement;
        rows.push([e.engine, m.model, pct(g.top1_agreement), `${g.right_to_wrong} / ${g.wrong_to_right}`, finite(g.max_abs_score_diff) ? sig(g.max_abs_score_diff) : '–']);
      }
    }
    return rows.length ? table(['runtime', 'model', 'top-1 agreement with the reference runtime', 'right→wrong / wrong→right', 'max |score difference|'], rows, [false, false, true, true, true]) : '';
  }
  // One item per warning code (per machine): the message when every candidate
  // got the same one, else a table of each candidate's; the fix once.
  function hygieneList() {
    const byCode = new Map();
    let recorded = false;
    for (const p of allPoints) {
      if (!Array.isArray(p.c.warnings)) continue;
      recorded = true;
      for (const w of p.c.warnings) {
        const code = typeof w === 'string' ? w : w.code || w.message;
        const key = (multiMachine ? `${p.machine}: ` : '') + code;
        if (!byCode.has(key)) byCode.set(key, {key, fix: typeof w === 'string' ? '' : fixOf(w), rows: []});
        byCode.get(key).rows.push([pointLabel(p), typeof w === 'string' ? w : w.message || '']);
      }
    }
    if (!recorded) return el('p', {class: 'empty'}, 'No hygiene warnings recorded: this store\'s measurements predate them.');
    if (!byCode.size) return el('p', {}, 'No measurement raised a hygiene warning.');
    return el('ul', {class: 'warning'}, [...byCode.values()].map((g) => {
      const messages = new Set(g.rows.map((row) => row[1]));
      const one = messages.size === 1;
      return el('li', {}, el('b', {}, g.key), `: ${g.rows.length} measurement(s)`, one ? ` — ${g.rows[0][1]}` : '', g.fix ? `. Fix: ${g.fix}.` : '',
        el('details', {}, el('summary', {}, one ? 'candidates' : 'candidates and figures'),
          one ? g.rows.map((row) => row[0]).join(', ') : table(['candidate', 'message'], g.rows)));
    }));
  }
  // A warning's fix: its action, else "raise duration"-style from change/setting/value.
  function fixOf(w) {
    if (w.action) return w.action;
    return [w.change, w.setting, w.value].filter((x) => x).join(' ');
  }

  // ------------------------------------------------------ training, environment
  function drawTraining() {
    const section = $('#training');
    const seen = new Map();
    for (const run of runs) for (const t of run.training || []) if (t && t.model && !seen.has(t.model)) seen.set(t.model, t);
    if (!seen.size) return empty(section, 'No model of this study was trained by `sweetspot train` (no <model>.cost.json beside the model files).');
    const get = (t, path) => path.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), t);
    const seconds = (ms) => (finite(ms) ? `${sig(ms / 1000)} s` : '–');
    section.querySelector('.body').append(table(['model', 'wall time', 'training time', 'epochs', 'peak memory', 'test top-1', 'command'],
      [...seen.values()].map((t) => [t.model,
        seconds(get(t, 'cost.wall_ms')) !== '–' ? seconds(get(t, 'cost.wall_ms')) : finite(t.seconds) ? `${sig(t.seconds)} s` : '–',
        seconds(get(t, 'cost.train_ms')),
        String(get(t, 'training.epochs_run') ?? '–'),
        mb(get(t, 'cost.peak_rss_bytes') ?? t.peak_memory_bytes),
        finite(get(t, 'accuracy.test.top1')) ? pct(get(t, 'accuracy.test.top1')) + pctCi(get(t, 'accuracy.test.top1_ci95')) : '–',
        el('code', {}, t.command || '–')]), [false, true, true, true, true, true, false]));
  }
  // ------------------------------------------------------ serving load
  // `sweetspot load` runs stored with the study (data.load_runs, docs/load.md):
  // throughput against closed-loop concurrency per run, the chosen run's
  // latency percentiles per level, and a table per run.
  const loadRuns = Array.isArray(data.load_runs) ? data.load_runs : [];
  function loadLevelName(l) {
    return l.mode === 'open' ? `open ${sig(l.rate_per_s)}/s` : `closed ${l.concurrency}`;
  }
  function loadRunName(run, i) {
    return `${i + 1}: ${run.model}${run.version ? ' v' + run.version : ''} @ ${run.url} (${run.form}, ${run.measured_utc || '–'})`;
  }
  function loadLatencyCi(lat, key) {
    const ci = lat && lat[key + '_ci'];
    return ci && ci.valid ? ` [${sig(ci.lower)}, ${sig(ci.upper)}]` : '';
  }
  function drawLoadThroughput() {
    const series = loadRuns.map((run, i) => ({
      name: loadRunName(run, i), type: 'line', symbolSize: 7,
      data: (run.levels || []).filter((l) => l.mode === 'closed').map((l) => [l.concurrency, l.throughput_per_s]),
    })).filter((s) => s.data.length);
    if (!series.length) { $('#chart-load-throughput').hidden = true; return; }
    makeChart('load-throughput', $('#chart-load-throughput')).setOption({
      animation: false, grid: {left: 70, right: 30, top: 50, bottom: 50},
      legend: {type: 'scroll', top: 0},
      tooltip: Object.assign({}, tooltipBase, {trigger: 'item', formatter: (q) => `${esc(q.seriesName)}<br>concurrency ${q.value[0]}: ${sig(q.value[1])} answers/s`}),
      xAxis: {type: 'log', logBase: 2, name: 'concurrent clients (closed loop)', nameLocation: 'middle', nameGap: 30, minorTick: {show: false}},
      yAxis: {type: 'value', name: 'answers/s', min: 0},
      series,
    });
  }
  function drawLoadLatency(run) {
    const levels = run.levels || [];
    const keys = ['p50', 'p90', 'p95', 'p99'];
    const chart = charts['load-latency'] || makeChart('load-latency', $('#chart-load-latency'));
    chart.setOption({
      animation: false, grid: {left: 70, right: 30, top: 50, bottom: 50},
      legend: {top: 0},
      tooltip: Object.assign({}, tooltipBase, {trigger: 'axis', formatter(params) {
        const l = levels[params[0].dataIndex];
        return `${esc(loadLevelName(l))}<br>` + params.map((q) => `${q.seriesName}: ${sig(q.value)} ms${loadLatencyCi(l.latency_ms, q.seriesName)}`).join('<br>');
      }}),
      xAxis: {type: 'category', data: levels.map(loadLevelName), name: 'load level', nameLocation: 'middle', nameGap: 30},
      yAxis: {type: 'value', name: 'latency (ms)', min: 0},
      series: keys.map((k) => ({name: k, type: 'bar', data: levels.map((l) => (l.latency_ms && l.latency_ms.count ? l.latency_ms[k] : null))})),
    }, true);
  }
  function loadTable(run) {
    const rows = (run.levels || []).map((l) => {
      const lat = l.latency_ms || {};
      const top1 = l.top1 || {};
      const errors = Object.entries(l.errors || {}).map(([code, n]) => `${n} ${code}`).join(', ') || '0';
      return [loadLevelName(l), sig(l.throughput_per_s), `${sig(lat.p50)}${loadLatencyCi(lat, 'p50')}`, sig(lat.p90), sig(lat.p95), sig(lat.p99),
        errors, l.mode === 'open' ? String(l.dropped) : '–',
        top1.scored ? pct(top1.value) + (top1.ci ? pctCi([top1.ci.lower, top1.ci.upper]) : '') : '–',
        l.server_us ? `queue ${sig(l.server_us.queue)}, inference ${sig(l.server_us.inference)} µs, batch ${sig(l.server_us.batch_size)}` : '–',
        l.stable ? 'yes' : el('span', {class: 'warning'}, 'no')];
    });
    return table(['level', 'answers/s', 'p50 ms [95 %]', 'p90 ms', 'p95 ms', 'p99 ms', 'errors', 'dropped', 'top-1 [95 %]', 'server', 'stable'],
      rows, [false, true, true, true, true, true, false, true, true, false, false]);
  }
  function drawServingLoad() {
    const section = $('#serving-load');
    if (!loadRuns.length) {
      return empty(section, 'No `sweetspot load` run is stored with this study (run `sweetspot load URL --model NAME --dataset DATA --db FILE --study NAME`).');
    }
    drawLoadThroughput();
    const select = $('#load-run');
    fillSelect(select, loadRuns.map((run, i) => ({value: String(i), label: loadRunName(run, i)})), String(loadRuns.length - 1));
    select.onchange = () => drawLoadLatency(loadRuns[Number(select.value)]);
    drawLoadLatency(loadRuns[loadRuns.length - 1]);
    const body = section.querySelector('.body');
    body.append(el('p', {class: 'caption'}, 'Closed loop: N clients sending back to back; open loop: Poisson arrivals at a rate, latency from the intended send time. ' +
      'Failed requests are counted apart, never as latencies; a level is stable when its consecutive throughput windows agree within the run\'s tolerance.'));
    loadRuns.forEach((run, i) => {
      body.append(el('h3', {}, loadRunName(run, i)),
        el('p', {class: 'caption'}, `${run.dataset || '–'}; ${sig((run.options || {}).duration_s)} s per level after ${sig((run.options || {}).warmup_s)} s warm-up`),
        loadTable(run));
    });
  }

  function drawEnvironment() {
    const section = $('#environment');
    const body = section.querySelector('.body');
    if (!runs.length) return empty(section, 'The store holds no finished study run: no environment recorded.');
    runs.forEach((run, r) => {
      const env = run.environment || (run.study && run.study.environment) || {};
      const s = run.study || {};
      body.append(el('h3', {}, machineOf(run, r)),
        el('p', {class: 'caption'}, `study written ${run.written_utc || '–'}; dataset: ${(s.dataset && s.dataset.description) || '–'} (${(s.dataset && s.dataset.samples) || '–'} samples); ` +
          `measurements ${s.measurements ? `${s.measurements.measured} new, ${s.measurements.reused} reused, ${s.measurements.failed} failed` : '–'}`),
        el('dl', {class: 'env'}, Object.entries(env).flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))])));
      for (const note of (s.dataset && s.dataset.notes) || []) body.append(el('p', {class: 'warning'}, note));
    });
  }

  function drawHeader() {
    $('#generated').textContent = `Generated ${data.generated_utc || '–'} from ${data.db_path || 'the results store'}` +
      (runs.length ? `; ${runs.length} run(s) of the study, newest first` : '');
    const notes = $('#notes');
    for (const note of data.notes || []) notes.append(el('li', {}, note));
  }

  // ------------------------------------------------------ cascade
  // The study's [cascade] (cascade.h): system top-1 with its 95 % band and the
  // p50 cost per input, both against the share deferred to the accurate model.
  function drawCascade() {
    const section = $('#cascade');
    const body = section.querySelector('.body');
    const k = study0.cascade;
    if (!k) return empty(section, 'This study evaluates no cascade: add [cascade] fast = "A" accurate = "B" to its spec (docs/cascade.md), or run `sweetspot cascade --fast A --accurate B`.');
    if (!Array.isArray(k.curve) || !k.curve.length) return empty(section, `No cascade curve: ${k.note || 'nothing stored'}.`);
    const share = (p) => 100 * p.deferred_share;
    const marked = k.recommended || k.closest;
    const top1 = k.curve.map((p) => [share(p), 100 * p.top1]);
    const lower = k.curve.map((p) => [share(p), 100 * p.top1_ci[0]]);
    const width = k.curve.map((p) => [share(p), 100 * (p.top1_ci[1] - p.top1_ci[0])]);
    const cost = k.curve.map((p) => [share(p), p.cost_p50_ms]);
    const chart = makeChart('cascade', $('#chart-cascade'));
    chart.setOption({
      animation: false, grid: {left: 70, right: 80, top: 50, bottom: 60},
      legend: {top: 0, data: [`system top-1 (%)`, '95 % interval', 'cost per input, p50 (ms)']},
      tooltip: Object.assign({}, tooltipBase, {trigger: 'axis', formatter(params) {
        const p = k.curve[params[0].dataIndex];
        return `defer when ${esc(k.fast)}'s confidence &lt; ${sig(p.threshold, 4)}<br>${share(p).toFixed(1)} % deferred to ${esc(k.accurate)}<br>` +
          `top-1 ${pct(p.top1)}${pctCi(p.top1_ci)}<br>McNemar p vs ${esc(k.accurate)} = ${sig(p.mcnemar_p, 2)}<br>${sig(p.cost_p50_ms)} ms p50, ${sig(p.cost_mean_ms)} ms mean per input`;
      }}),
      xAxis: {type: 'value', name: `share of inputs deferred to ${k.accurate} (%)`, nameLocation: 'middle', nameGap: 32, min: 0, max: 100},
      yAxis: [{type: 'value', name: 'system top-1 (%)', scale: true}, {type: 'value', name: 'cost per input (ms)', min: 0, splitLine: {show: false}}],
      series: [
        {name: 'band-base', type: 'line', data: lower, stack: 'ci', symbol: 'none', lineStyle: {opacity: 0}, silent: true, tooltip: {show: false}},
        {name: '95 % interval', type: 'line', data: width, stack: 'ci', symbol: 'none', lineStyle: {opacity: 0}, itemStyle: {color: 'rgba(31,111,235,0.35)'}, areaStyle: {color: 'rgba(31,111,235,0.18)'}, silent: true},
        {name: 'system top-1 (%)', type: 'line', data: top1, showSymbol: false, color: '#1f6feb',
          markLine: {silent: true, symbol: 'none', lineStyle: {type: 'dashed'}, label: {formatter: '{b}', position: 'insideEndTop'},
            data: [{yAxis: 100 * k.accurate_top1, name: `${k.accurate} alone`}, {yAxis: 100 * k.target_top1, name: `target (−${k.max_drop_points} points)`}]},
          markPoint: marked ? {symbol: 'pin', symbolSize: 44, itemStyle: {color: k.recommended ? '#1e8449' : '#c0392b'},
            label: {formatter: k.recommended ? 'rec.' : 'closest', fontSize: 10},
            data: [{coord: [share(marked), 100 * marked.top1], name: k.recommended ? 'recommended' : 'closest'}]} : undefined},
        {name: 'cost per input, p50 (ms)', type: 'line', yAxisIndex: 1, data: cost, showSymbol: false, color: '#e69f00', lineStyle: {type: 'dotted', width: 2}},
      ],
    });
    body.append(el('p', {class: k.recommended ? 'cascade-recommendation' : 'cascade-recommendation missed'}, k.sentence));
    const rows = [];
    let next = 0;
    for (const p of k.curve) {
      if (p !== marked && share(p) < next && p !== k.curve[k.curve.length - 1]) continue;
      rows.push([p === k.curve[0] ? '0 (never)' : p === k.curve[k.curve.length - 1] ? 'always' : sig(p.threshold, 4), share(p).toFixed(1),
        `${pct(p.top1)}${pctCi(p.top1_ci)}`, sig(p.mcnemar_p, 2), sig(p.cost_p50_ms), sig(p.cost_mean_ms), p === marked ? (k.recommended ? 'recommended' : 'closest') : '']);
      if (share(p) >= next) next = Math.floor(share(p) / 10) * 10 + 10;
    }
    body.append(table([`defer when ${k.fast} <`, 'deferred %', 'top-1', `p vs ${k.accurate}`, 'cost p50 ms', 'cost mean ms', ''], rows, [false, true, true, true, true, true, false]));
    body.append(el('p', {class: 'caption'},
      `${k.fast} → ${k.accurate} on ${k.samples} samples (${k.setting}); ${k.curve_points} thresholds, ${k.curve.length} drawn. ` +
      `Cost per input = ${k.fast}'s latency + deferred share × ${k.accurate}'s (${sig(k.fast_p50_ms)} and ${sig(k.accurate_p50_ms)} ms p50). ` +
      'Deploy the threshold with `sweetspot serve --fast A --accurate B --cascade-threshold T`.'));
  }

  // ------------------------------------------------------ detection
  // detection.js, inlined before this script: the newest run's detection sections.
  function drawDetection() {
    const detection = runs.length && Array.isArray(runs[0].detection) ? runs[0].detection : [];
    window.sweetspotDetection({section: $('#detection'), sections: detection, study: study0, el, svg, empty, table, makeChart, tooltipBase, fillSelect, sig, esc});
  }

  // ------------------------------------------------------ keypoints
  // keypoints.js, inlined before this script: the newest run's keypoint videos.
  function drawKeypoints() {
    const videos = runs.length && Array.isArray(runs[0].keypoints) ? runs[0].keypoints : [];
    window.sweetspotKeypoints({section: $('#keypoints'), videos, el, svg, empty, table, makeChart, tooltipBase, sig, esc});
  }

  // ------------------------------------------------------ first render
  const sections = [drawHeader, drawRecommendation, drawSpeedAccuracy, drawDetection, drawKeypoints, drawLatencyMacs, drawLatencyDistribution,
    drawConfusion, drawPerClass, drawVariants, drawCascade, drawPlatforms, drawTraining, drawServingLoad, drawEnvironment];
  // The section a draw function fills: drawPerClass -> #per-class.
  const sectionOf = (draw) => document.getElementById(draw.name.replace(/^draw/, '').replace(/[A-Z]/g, (c, i) => (i ? '-' : '') + c.toLowerCase()));
  // Sections drawn from top-1 figures, which a detection study does not have.
  const classificationOnly = new Set([drawSpeedAccuracy, drawLatencyMacs, drawConfusion, drawPerClass, drawCascade, drawPlatforms]);
  for (const draw of sections) {
    if (detectionStudy && classificationOnly.has(draw)) {
      empty(sectionOf(draw), 'This study detects objects: its accuracy and speed per dataset are under Detection.');
      continue;
    }
    if (keypointStudy && classificationOnly.has(draw)) {
      empty(sectionOf(draw), 'This study estimates keypoints: its stability on video is under Keypoints.');
      continue;
    }
    try {
      draw();
    } catch (error) {
      // One broken section must not take the others down; the browser test fails on this.
      console.error(`sweetspot report: ${draw.name} failed:`, error);
      const section = sectionOf(draw);
      if (section) section.append(el('p', {class: 'empty'}, `This section could not be drawn: ${error.message}`));
    }
  }
  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => Object.values(charts).forEach((c) => c.resize()), 100);
  });
  requestAnimationFrame(() => {
    window.sweetspot.firstRenderMs = performance.now() - started;
    resolveReady(window.sweetspot.firstRenderMs);
  });
})();
