// sweetspot report page, the Detection section (issue 13): per dataset of a
// detection study (the newest run's `detection` entries, docs/report-data.md)
// a precision-recall chart at IoU 0.5 with a class selector (every candidate
// one line), the per-class AP table, and the example images with the boxes of
// the two shown detectors side by side, filtered by a score slider. Inlined
// before report.js, which calls window.sweetspotDetection with its helpers,
// and window.sweetspotDetectionRecommendation for a detection study's
// Recommendation section.
window.sweetspotDetection = function drawDetectionSection(api) {
  'use strict';
  const {section, sections, study, el, svg, empty, table, makeChart, tooltipBase, fillSelect, sig, esc} = api;
  const OUTCOME_COLOURS = {'correct': '#1e8449', 'false-positive': '#d62728', 'ignored': '#7f7f7f'};
  const finite = (x) => typeof x === 'number' && Number.isFinite(x);
  const ap = (x) => (finite(x) ? (100 * x).toFixed(1) : '–');
  const apCi = (ci) => (Array.isArray(ci) ? ` [${ap(ci[0])}, ${ap(ci[1])}]` : '');

  const headline = (s) => (s.protocol === 'voc' ? 'map50' : 'map50_95');
  const headlineName = (s) => (s.protocol === 'voc' ? 'mAP@0.5' : 'mAP@[.5:.95]');
  const shownRole = (s, i) => (i === s.fast && i === s.accurate ? ' (shown)' : i === s.fast ? ' (shown left)' : i === s.accurate ? ' (shown right)' : '');

  // The dataset's block, appended to `parent` first: ECharts sizes a chart by its container in the page.
  function drawDataset(s, k, parent) {
    const box = el('div', {class: 'detection-dataset', 'data-dataset': s.dataset});
    parent.append(box);
    const candidates = s.candidates || [];
    box.append(el('h3', {}, `${s.dataset}: ${s.images} images, ${(s.classes || []).length} classes, ${s.protocol === 'voc' ? 'Pascal VOC' : 'COCO'} protocol`),
      el('p', {class: 'caption'}, s.description || ''));
    for (const note of s.notes || []) box.append(el('p', {class: 'warning'}, note));
    if (!candidates.length) {
      box.append(el('p', {class: 'empty'}, 'No candidate was evaluated on this dataset.'));
      return;
    }
    const figures = ((study && study.datasets) || []).find((d) => d.name === s.dataset);
    if (figures) {
      box.append(candidateTable(s, figures));
      speedChart(s, k, box, figures);
    }
    prChart(s, k, box);
    box.append(apTable(s), examples(s, k));
  }

  // ---------------------------------------------------- the study's figures on this dataset
  // The study JSON's datasets[] entry (docs/study.md): mAPs with their intervals,
  // the paired comparison with the most accurate, the end-to-end speed split, verdicts.
  function candidateTable(s, d) {
    const voc = s.protocol === 'voc';
    const rows = (d.candidates || []).map((c) => {
      if (c.failure || !finite(c.map50_95)) return [c.name, '–', '–', '–', '–', '–', el('span', {class: 'verdict failed'}, 'failed'), c.failure || 'not measured'];
      const v = c.vs_best;
      const diff = v ? (voc ? [v.map50_diff, v.map50_diff_ci95] : [v.map50_95_diff, v.map50_95_diff_ci95]) : null;
      const sp = c.speed || {};
      return [c.name, `${ap(c.map50_95)} %${pctCi(c.map50_95_ci95)}`, `${ap(c.map50)} %${pctCi(c.map50_ci95)}`,
        diff ? `${points(diff[0])}${pctCi(diff[1])} (p = ${sig(v.p_value, 2)})` : 'the most accurate',
        `${sig(sp.total_p50_ms)} ms${Array.isArray(sp.total_p50_ci95) ? ` [${sig(sp.total_p50_ci95[0])}, ${sig(sp.total_p50_ci95[1])}]` : ''} ` +
          `${perQuery(sp)} (${sig(sp.preprocess_p50_ms)} + ${sig(sp.network_p50_ms)} + ${sig(sp.postprocess_p50_ms)})`,
        `${sig(c.items_per_s)}${Array.isArray(c.items_per_s_ci95) ? ` [${sig(c.items_per_s_ci95[0])}, ${sig(c.items_per_s_ci95[1])}]` : ''}`,
        el('span', {class: `verdict ${c.verdict}`}, c.verdict), el('ul', {class: 'reasons'}, (c.reasons || []).map((r) => el('li', {}, r)))];
    });
    return el('div', {class: 'detection-candidates'},
      el('p', {}, d.recommended ? `Recommended on ${s.dataset}: ` : `No candidate meets every constraint on ${s.dataset}${d.closest ? `; closest: ${d.closest}` : ''}.`,
        d.recommended ? el('b', {}, d.recommended) : null),
      table(['candidate', 'mAP@[.5:.95] [95 %]', 'mAP@0.5 [95 %]', `${headlineName(s)} vs the most accurate`,
        'p50 end to end (pre-processing + network + decoding and NMS)', 'images/s [95 %]', 'verdict', 'reasons'], rows,
      [false, true, true, true, true, true, false, false]));
  }
  // What a p50 is of: one image (single-stream) or one batch (offline).
  const perQuery = (sp) => (sp.scenario === 'offline' ? `per batch of ${sp.batch_size}` : 'per image');
  const offlineIn = (cs) => cs.some((c) => c.speed.scenario === 'offline');
  // The headline mAP against the end-to-end p50 per image (images/s when a
  // candidate was timed offline), one mark per measured candidate with its
  // 95 % intervals in the tooltip.
  function speedChart(s, k, parent, d) {
    const timed = (d.candidates || []).filter((c) => !c.failure && finite(c.map50_95) && c.speed && finite(c.speed.total_p50_ms));
    // A batch's p50 is not an image's: with an offline setting among them every candidate is placed by its images/s.
    const rate = offlineIn(timed);
    const x = (c) => (rate ? c.items_per_s : c.speed.total_p50_ms);
    const measured = timed.filter((c) => finite(x(c)));
    if (!measured.length) return;
    const key = headline(s);
    const chartBox = el('div', {class: 'chart short', id: `chart-detection-speed-${k}`});
    parent.append(chartBox, el('p', {class: 'caption'}, rate
      ? `${headlineName(s)} against images/s end to end (pre-processing, network, decoding and NMS; offline in batches, single-stream one image at a time); the recommended candidate in green.`
      : `${headlineName(s)} against the p50 time per image from decoded image to boxes (pre-processing, network, decoding and NMS); the recommended candidate in green.`));
    makeChart(`detection-speed-${k}`, chartBox).setOption({
      animation: false, grid: {left: 70, right: 120, top: 30, bottom: 50},
      tooltip: Object.assign({}, tooltipBase, {trigger: 'item', formatter: (q) => {
        const c = measured[q.dataIndex];
        return `<b>${esc(c.name)}</b><br>${headlineName(s)} ${ap(c[key])} %${pctCi(c[key + '_ci95'])}<br>p50 ${sig(c.speed.total_p50_ms)} ms` +
          (Array.isArray(c.speed.total_p50_ci95) ? ` [${sig(c.speed.total_p50_ci95[0])}, ${sig(c.speed.total_p50_ci95[1])}]` : '') +
          ` ${perQuery(c.speed)}<br>${sig(c.items_per_s)} images/s` +
          (Array.isArray(c.items_per_s_ci95) ? ` [${sig(c.items_per_s_ci95[0])}, ${sig(c.items_per_s_ci95[1])}]` : '');
      }}),
      xAxis: {type: 'value', name: rate ? 'images/s' : 'p50 per image (ms)', nameLocation: 'middle', nameGap: 30, min: pad(-1), max: pad(1)},
      yAxis: {type: 'value', name: `${headlineName(s)} (%)`, min: pad(-1), max: pad(1)},
      series: [{id: 'candidates', type: 'scatter', symbolSize: 12,
        label: {show: true, position: 'right', formatter: (q) => measured[q.dataIndex].name},
        data: measured.map((c) => ({value: [x(c), 100 * c[key]], name: c.name,
          itemStyle: {color: c.name === d.recommended ? '#1e8449' : '#1f6feb'}}))}],
    });
  }
  // An axis bound a tenth of the marks' span (or of the value) beyond them, rounded to 2 digits.
  const pad = (side) => (v) => {
    const margin = Math.max(v.max - v.min, Math.abs(side < 0 ? v.min : v.max) * 0.1) * 0.1;
    return Number((side < 0 ? Math.max(0, v.min - margin) : v.max + margin).toPrecision(2));
  };
  const pctCi = (ci) => (Array.isArray(ci) ? ` [${(100 * ci[0]).toFixed(1)}, ${(100 * ci[1]).toFixed(1)}]` : '');
  const points = (d) => (finite(d) ? `${d >= 0 ? '+' : ''}${(100 * d).toFixed(1)} points` : '–');

  // ---------------------------------------------------- precision-recall
  // Per class, each candidate's precision envelope at recall 0, 0.01, ... (as
  // stored: up to the last nonzero point); "mean" averages the classes that
  // have ground truth, as mAP@0.5 does.
  function curve(candidate, cls) {
    if (cls !== 'mean') return (candidate.per_class[Number(cls)] || {}).pr50 || [];
    const withTruth = candidate.per_class.filter((c) => c.ground_truth > 0);
    if (!withTruth.length) return [];
    return Array.from({length: 101}, (_, r) => withTruth.reduce((sum, c) => sum + (c.pr50[r] || 0), 0) / withTruth.length);
  }
  function prChart(s, k, parent) {
    const wrap = el('div', {});
    parent.append(wrap);
    const select = el('select', {id: `detection-class-${k}`});
    const perClass = s.candidates[0].per_class || [];
    fillSelect(select, [{value: 'mean', label: 'mean over classes (mAP@0.5)'}].concat(perClass.map((c, i) => (
      {value: String(i), label: `${c.name} (${c.ground_truth} to find)`}))), 'mean');
    const chartBox = el('div', {class: 'chart', id: `chart-detection-pr-${k}`});
    wrap.append(el('div', {class: 'controls'}, el('label', {}, 'precision-recall of ', select)), chartBox,
      el('p', {class: 'caption'}, 'Precision against recall at IoU ≥ 0.5 (the envelope: at each recall the best precision reached at that recall or more, ' +
        'sampled at 101 recall points as COCO does); one line per candidate, the two shown below drawn thicker. The area under a line is its AP@0.5.'));
    const chart = makeChart(`detection-pr-${k}`, chartBox);
    const draw = () => {
      const cls = select.value;
      chart.setOption({
        animation: false, grid: {left: 60, right: 30, top: 60, bottom: 50},
        legend: {type: 'scroll', top: 0},
        tooltip: Object.assign({}, tooltipBase, {trigger: 'axis', formatter: (params) => `recall ${sig(params[0].value[0], 2)}<br>` +
          params.map((q) => `${esc(q.seriesName)}: precision ${sig(q.value[1], 3)}`).join('<br>')}),
        xAxis: {type: 'value', name: 'recall', nameLocation: 'middle', nameGap: 28, min: 0, max: 1},
        yAxis: {type: 'value', name: 'precision', min: 0, max: 1},
        series: s.candidates.map((c, i) => {
          const apOf = cls === 'mean' ? c.map50 : (c.per_class[Number(cls)] || {}).ap50;
          return {id: `pr-${i}`, name: `${c.name} (AP@0.5 ${ap(apOf)})${shownRole(s, i)}`, type: 'line', showSymbol: false,
            lineStyle: {width: i === s.fast || i === s.accurate ? 3 : 1.5}, data: curve(c, cls).map((p, r) => [r / 100, p])};
        }),
      }, true);
    };
    select.onchange = draw;
    draw();
  }

  // ---------------------------------------------------- AP table
  function apTable(s) {
    const headers = ['class', 'to find'];
    for (const [i, c] of s.candidates.entries()) headers.push(`${c.name}${shownRole(s, i)} AP@0.5`, `AP@[.5:.95]`);
    const mean = ['mean (mAP)', String(s.candidates[0].ground_truth)];
    for (const c of s.candidates) mean.push(ap(c.map50) + apCi(c.map50_ci95), ap(c.map50_95) + apCi(c.map50_95_ci95));
    const rows = [mean.map((cell) => el('b', {}, cell))];
    (s.candidates[0].per_class || []).forEach((cls, j) => {
      const row = [cls.name, String(cls.ground_truth)];
      for (const c of s.candidates) row.push(ap((c.per_class[j] || {}).ap50), ap((c.per_class[j] || {}).ap50_95));
      rows.push(row);
    });
    const numeric = headers.map((_, i) => i > 0);
    return el('details', {open: 'open', class: 'detection-ap'}, el('summary', {}, `AP per class (percent; ${headlineName(s)} is the study's headline figure)`),
      table(headers, rows, numeric),
      el('p', {class: 'caption'}, 'AP of a class without ground truth is shown as – and left out of the mean; brackets are 95 % bootstrap intervals over images.'));
  }

  // ---------------------------------------------------- example images
  function examples(s, k) {
    const wrap = el('div', {class: 'detection-examples'});
    const list = s.examples || [];
    const fast = s.candidates[s.fast], accurate = s.candidates[s.accurate];
    const rule = s.example_rule || {};
    if (!list.length) {
      wrap.append(el('p', {class: 'empty'}, 'No example images: the study kept no boxes of the two detectors shown.'));
      return wrap;
    }
    const slider = el('input', {type: 'range', id: `detection-score-${k}`, min: String(rule.shown_score ?? 0.05), max: '1', step: '0.05', value: String(rule.score ?? 0.3)});
    const shown = el('span', {class: 'detection-score-value'});
    const same = s.fast === s.accurate;
    wrap.append(el('h3', {}, same ? `Examples: ${fast.name}` : `Examples: ${fast.name} (left) and ${accurate.name} (right)`),
      el('p', {class: 'caption'}, same ? `The ${list.length} images where ${fast.name} does worst by F1. ` :
        `The ${list.length} images where the two disagree most: the largest difference of their F1 on the image at IoU ≥ ${rule.iou ?? 0.5} ` +
        `over boxes scoring ≥ ${rule.score ?? 0.3}. `, 'Ground truth dashed (grey when crowd or difficult); ',
        el('span', {style: `color:${OUTCOME_COLOURS.correct}`}, 'correct'), ', ', el('span', {style: `color:${OUTCOME_COLOURS['false-positive']}`}, 'false positive'),
        ', ', el('span', {style: `color:${OUTCOME_COLOURS.ignored}`}, 'ignored (on a crowd or difficult box)'), ' detections with their scores.'),
      el('div', {class: 'controls'}, el('label', {}, 'show boxes scoring ≥ ', slider, ' ', shown)));
    const grid = el('div', {class: same ? 'detection-grid one' : 'detection-grid'});
    for (const example of list) {
      const sides = same ? [0] : [0, 1];
      grid.append(...sides.map((side) => el('figure', {class: 'detection-example'}, exampleSvg(s, example, side),
        el('figcaption', {}, `${side === 0 ? fast.name : accurate.name} · ${example.id} · F1 ${sig(example.f1[side], 2)}`))));
    }
    wrap.append(grid);
    const update = () => {
      const min = Number(slider.value);
      shown.textContent = min.toFixed(2);
      for (const g of grid.querySelectorAll('g.det-box')) {
        if (Number(g.dataset.score) >= min) g.removeAttribute('display');
        else g.setAttribute('display', 'none');
      }
    };
    slider.addEventListener('input', update);
    update();
    return wrap;
  }

  function exampleSvg(s, example, side) {
    const w = example.width, h = example.height;
    const font = Math.max(10, Math.round(Math.max(w, h) / 36));
    const root = svg('svg', {viewBox: `0 0 ${w} ${h}`, class: 'det-image', role: 'img', 'aria-label': example.id});
    if (example.thumbnail) root.append(svg('image', {href: example.thumbnail, x: 0, y: 0, width: w, height: h, preserveAspectRatio: 'none'}));
    else root.append(svg('rect', {x: 0, y: 0, width: w, height: h, fill: '#ddd'}));
    for (const t of example.truth) {
      const [x1, y1, x2, y2] = t.box;
      root.append(svg('rect', {class: 'det-truth', x: x1, y: y1, width: x2 - x1, height: y2 - y1, fill: 'none',
        stroke: t.ignored ? '#bbbbbb' : '#ffd400', 'stroke-width': 2, 'stroke-dasharray': '6 4', 'vector-effect': 'non-scaling-stroke'},
      svg('title', {}, `ground truth: ${s.classes[t.class] ?? t.class}${t.ignored ? ' (crowd or difficult)' : ''}`)));
    }
    // Lower scores first, so the best boxes are drawn on top.
    for (const b of [...example.boxes[side]].reverse()) {
      const [x1, y1, x2, y2] = b.box;
      const colour = OUTCOME_COLOURS[b.outcome] || '#1f6feb';
      const label = `${s.classes[b.class] ?? b.class} ${b.score.toFixed(2)}`;
      root.append(svg('g', {class: `det-box ${b.outcome}`, 'data-score': b.score},
        svg('rect', {x: x1, y: y1, width: x2 - x1, height: y2 - y1, fill: 'none', stroke: colour, 'stroke-width': 2, 'vector-effect': 'non-scaling-stroke'}),
        svg('rect', {x: x1, y: Math.max(0, y1 - font * 1.25), width: label.length * font * 0.6, height: font * 1.25, fill: colour, opacity: 0.85}),
        svg('text', {x: x1 + font * 0.2, y: Math.max(0, y1 - font * 1.25) + font, 'font-size': font, fill: '#fff'}, label),
        svg('title', {}, `${label}: ${b.outcome.replace('-', ' ')}`)));
    }
    return root;
  }

  if (!sections.length) {
    empty(section, 'This study detects no objects: a study with task = "detection" (docs/study.md) shows ' +
      'precision-recall curves, per-class AP and example images with boxes here.');
    return;
  }
  const body = section.querySelector('.body');
  sections.forEach((s, k) => drawDataset(s, k, body));
};

// The Recommendation section of a detection study (its study JSON has task
// "detection": datasets and overall, docs/study.md): the overall choice, its
// reasons and every candidate's ranked mAP (the mean over the datasets),
// end-to-end p50, file size and verdict.
window.sweetspotDetectionRecommendation = function drawDetectionRecommendation(api) {
  'use strict';
  const {body, study, el, table, sig, mb} = api;
  const overall = study.overall || {};
  const headline = study.ranked_metric === 'map50' ? 'mAP@0.5' : 'mAP@[.5:.95]';
  const several = (study.datasets || []).length > 1;
  const percent = (x) => (typeof x === 'number' && Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '–');
  const left = el('div', {},
    el('div', {class: overall.recommended ? 'chosen' : 'chosen none'}, overall.recommended || 'No recommendation'),
    el('p', {}, `Objective: ${study.objective || '–'}; constraints: ${study.constraints || 'none'}. ` +
      `${study.protocol === 'voc' ? 'Pascal VOC' : 'COCO'} protocol, ranked on ${headline}` +
      (several ? `, the mean over ${study.datasets.length} datasets (a candidate must meet the constraints on every one).` : '.')),
    overall.recommended ? '' : el('p', {}, overall.closest ? `No candidate meets every constraint; closest: ${overall.closest}.` : 'No candidate could be measured.'),
    el('ul', {class: 'reasons'}, (overall.recommendation_reasons || []).map((r) => el('li', {}, r))));
  const rows = (overall.candidates || []).map((c) => [c.name, c.failure ? '–' : percent(c.ranked_map_mean),
    c.failure ? '–' : `${sig(c.total_p50_ms_mean)} ms`, c.failure ? '–' : sig(c.items_per_s_mean), mb(c.size_bytes),
    el('span', {class: `verdict ${c.verdict}`}, c.verdict),
    el('ul', {class: 'reasons'}, (c.failure ? [c.failure] : c.reasons || []).map((r) => el('li', {}, r)))]);
  // A p50 is per image single-stream, per batch offline (the dataset tables say which).
  const right = el('div', {}, table(['candidate', several ? `${headline} (mean)` : headline, several ? 'p50 end to end (mean)' : 'p50 end to end',
    several ? 'images/s (over the datasets)' : 'images/s', 'model file', 'verdict', 'reasons'], rows, [false, true, true, true, true, false, false]),
  el('p', {class: 'caption'}, 'Per dataset: precision-recall curves, AP per class, example images and every interval under Detection.'));
  body.append(el('div', {class: 'card'}, left, right));
};
