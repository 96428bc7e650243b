// sweetspot report page, the Keypoints section (issue 14): per video of a
// keypoint study (the newest run's `keypoints` entries, docs/report-data.md)
// the two shown models' joint angles over time (one chart per schema angle,
// the "joint angles, fast versus accurate" chart), sample frames with both
// skeletons drawn, the jitter per joint and the angle noise per angle with
// their 95 % intervals and verdicts, and the frame where the track was lost.
// Inlined before report.js, which calls window.sweetspotKeypoints with its helpers.
window.sweetspotKeypoints = function drawKeypointsSection(api) {
  'use strict';
  const {section, videos, el, svg, empty, table, makeChart, tooltipBase, sig, esc} = api;
  const COLOURS = ['#e8590c', '#1f6feb'];  // fast, accurate
  const finite = (x) => typeof x === 'number' && Number.isFinite(x);

  const title = (name) => String(name).replace(/_/g, ' ');
  const withCi = (f, unit) => (f ? `${sig(f.value)}${Array.isArray(f.ci95) ? ` [${sig(f.ci95[0])}, ${sig(f.ci95[1])}]` : ''}${unit}` : '–');
  const diffText = (p, unit) => (finite(p.diff) ? `${p.diff >= 0 ? '+' : ''}${sig(p.diff)}${Array.isArray(p.diff_ci95) ? ` [${sig(p.diff_ci95[0])}, ${sig(p.diff_ci95[1])}]` : ''}${unit}` : '–');

  // The video's block, appended to `parent` first: ECharts sizes a chart by its container in the page.
  function drawVideo(v, k, parent) {
    const box = el('div', {class: 'keypoint-video', 'data-video': v.name});
    parent.append(box);
    const models = v.models || [];
    const names = models.map((m) => m.name).join(' and ');
    box.append(el('h3', {}, `${v.name}: ${v.frames} tracked frames${finite(v.fps) && v.fps > 0 ? ` at ${sig(v.fps)} fps` : ''}, ${names}`),
      el('p', {class: 'keypoint-verdict'}, `Jitter overall: ${v.verdict || 'not measured'}`),
      el('p', {class: 'caption'}, `${v.video} · schema ${v.schema.name} · joints confident in both models at ≥ ${sig(v.min_confidence)} only · ` +
        `intervals: moving-block bootstrap (${v.bootstrap.replicates} replicates, blocks of ${v.bootstrap.block_length} frames)`));
    for (const note of v.notes || []) box.append(el('p', {class: 'warning'}, note));
    // RunKeypointVideo's note says where and why ("track lost at frame N: ...").
    if (v.lost) box.append(el('p', {class: 'warning keypoint-lost'}, v.lost.note ? v.lost.note.replace(/^t/, 'T') : `Track lost at frame ${v.lost.frame}.`));
    angleCharts(v, k, box);
    box.append(samples(v));
    box.append(el('h4', {}, 'Jitter per joint'));
    figureChart(v, k, box, 'jitter', v.jitter_px || [], 'px/frame²', 'Jitter per joint: the mean magnitude of the second difference of the joint\'s position over the frames where it is confident in both models.');
    box.append(figureTable(v, 'joint', (v.jitter_px || []).concat(v.overall_jitter_px ? [v.overall_jitter_px] : []), ' px/frame²'));
    const noise = (v.angles || []).filter((a) => a.noise).map((a) => a.noise);
    box.append(el('h4', {}, 'Angle noise per angle'));
    figureChart(v, k, box, 'noise', noise, '°/frame²', 'Angle noise: the standard deviation of the angle\'s second difference over the frames where its three joints are confident in both models.');
    box.append(figureTable(v, 'angle', noise, ' °/frame²'));
  }

  // ---------------------------------------------------- angles over time
  function angleCharts(v, k, parent) {
    const angles = v.angles || [];
    if (!angles.length) {
      parent.append(el('p', {class: 'empty'}, `The schema ${v.schema.name} declares no joint angle.`));
      return;
    }
    const seconds = finite(v.fps) && v.fps > 0;
    parent.append(el('h4', {}, `Joint angles over time, ${(v.models || []).map((m) => m.name).join(' versus ')}`),
      el('p', {class: 'caption'}, 'Each angle in degrees on the frames where its three joints are confident in both models (gaps elsewhere); ' +
        'flexion is 0 for a straight limb, hip abduction-adduction 0 for the thigh perpendicular to the pelvis line.'));
    const grid = el('div', {class: 'keypoint-angles'});
    parent.append(grid);
    const end = seconds ? (v.frames - 1) / v.fps : v.frames - 1;
    angles.forEach((angle, j) => {
      if (!angle.series.some((values) => values.some(finite))) {
        grid.append(el('p', {class: 'empty'}, `${title(angle.name)}: not drawn, its three joints are never confident in both models at once.`));
        return;
      }
      const chartBox = el('div', {class: 'chart angle', id: `chart-keypoint-angle-${k}-${j}`});
      grid.append(chartBox);
      makeChart(`keypoint-angle-${k}-${j}`, chartBox).setOption({
        animation: false, title: {text: title(angle.name), left: 'center', top: 0, textStyle: {fontSize: 13}},
        grid: {left: 50, right: 20, top: 56, bottom: 40}, legend: {top: 26, textStyle: {fontSize: 11}},
        tooltip: Object.assign({}, tooltipBase, {trigger: 'axis', formatter: (params) => `${seconds ? `${sig(params[0].value[0], 3)} s` : `frame ${params[0].value[0]}`}<br>` +
          params.map((q) => `${esc(q.seriesName)}: ${finite(q.value[1]) ? `${sig(q.value[1], 3)}°` : '–'}`).join('<br>')}),
        xAxis: {type: 'value', name: seconds ? 's' : 'frame', nameLocation: 'middle', nameGap: 24, min: 0, max: end},
        yAxis: {type: 'value', name: '°', scale: true},
        series: angle.series.map((values, m) => ({id: m === 0 ? 'fast' : 'accurate', name: v.models[m].name, type: 'line', showSymbol: false,
          connectNulls: false, color: COLOURS[m], lineStyle: {width: 1.5},
          data: values.map((a, t) => [seconds ? t / v.fps : t, a === null ? '-' : a])})),
      });
    });
  }

  // ---------------------------------------------------- jitter and angle noise
  // Bars per joint (or angle) for both models, with each bar's 95 % interval drawn over it.
  function figureChart(v, k, parent, kind, rows, unit, caption) {
    const measured = rows.filter((p) => p.a && p.b);
    if (!measured.length) {
      parent.append(el('p', {class: 'empty'}, `No ${kind === 'jitter' ? 'joint' : 'angle'} was confident in both models on three consecutive frames.`));
      return;
    }
    const chartBox = el('div', {class: 'chart short', id: `chart-keypoint-${kind}-${k}`});
    parent.append(chartBox, el('p', {class: 'caption'}, `${caption} Whiskers: 95 % intervals.`));
    const names = measured.map((p) => title(p.name));
    const models = (v.compared || []).length ? v.compared : v.models.map((m) => m.name);
    const side = (p, m) => (m === 0 ? p.a : p.b);
    const series = [0, 1].map((m) => ({id: m === 0 ? 'fast' : 'accurate', name: models[m], type: 'bar', barWidth: '30%', barGap: '0%',
      color: COLOURS[m], data: measured.map((p) => side(p, m).value)}));
    for (const m of [0, 1]) {
      series.push({id: `interval-${m}`, type: 'custom', silent: true, z: 3, name: models[m],
        data: measured.map((p, i) => [i, ...(Array.isArray(side(p, m).ci95) ? side(p, m).ci95 : ['-', '-'])]),
        renderItem(params, apiItem) {
          const lo = apiItem.value(1), hi = apiItem.value(2);
          if (!finite(lo) || !finite(hi)) return null;
          const band = apiItem.size([1, 0])[0];
          const x = apiItem.coord([apiItem.value(0), 0])[0] + (m === 0 ? -0.15 : 0.15) * band;
          const top = apiItem.coord([0, hi])[1], bottom = apiItem.coord([0, lo])[1];
          const style = {stroke: '#333', lineWidth: 1};
          return {type: 'group', children: [
            {type: 'line', shape: {x1: x, y1: top, x2: x, y2: bottom}, style},
            {type: 'line', shape: {x1: x - 4, y1: top, x2: x + 4, y2: top}, style},
            {type: 'line', shape: {x1: x - 4, y1: bottom, x2: x + 4, y2: bottom}, style}]};
        }});
    }
    makeChart(`keypoint-${kind}-${k}`, chartBox).setOption({
      animation: false, grid: {left: 60, right: 20, top: 40, bottom: 70}, legend: {top: 0, data: models},
      tooltip: Object.assign({}, tooltipBase, {trigger: 'axis', axisPointer: {type: 'shadow'}, formatter: (params) => {
        const p = measured[params[0].dataIndex];
        return `<b>${esc(title(p.name))}</b><br>${esc(models[0])}: ${esc(withCi(p.a, ' ' + unit))}<br>${esc(models[1])}: ${esc(withCi(p.b, ' ' + unit))}<br>${esc(p.verdict)}`;
      }}),
      xAxis: {type: 'category', data: names, axisLabel: {rotate: 30, fontSize: 11}},
      yAxis: {type: 'value', name: unit},
      series,
    });
  }
  function figureTable(v, what, rows, unit) {
    const models = (v.compared || []).length ? v.compared : v.models.map((m) => m.name);
    const body = rows.map((p) => [title(p.name), String(p.count), withCi(p.a, unit), withCi(p.b, unit), diffText(p, unit),
      finite(p.p_value) && p.count > 0 ? sig(p.p_value, 2) : '–', el('span', {class: 'keypoint-verdict-cell'}, p.verdict)]);
    return el('details', {open: 'open'}, el('summary', {}, what === 'joint' ? 'Jitter per joint, with intervals' : 'Angle noise per angle, with intervals'),
      table([what, 'triples', `${models[0]} [95 %]`, `${models[1]} [95 %]`, `difference ${models[0]} − ${models[1]} [95 %]`, 'p', 'verdict'], body,
        [false, true, true, true, true, true, false]));
  }

  // ---------------------------------------------------- frames with skeletons
  function skeletonSvg(v, picture, keypoints) {
    const [x1, y1, x2, y2] = picture.view;
    const w = x2 - x1, h = y2 - y1;
    const root = svg('svg', {viewBox: `${x1} ${y1} ${w} ${h}`, class: 'kp-image', role: 'img', 'aria-label': `frame ${picture.frame}`});
    if (picture.thumbnail) root.append(svg('image', {href: picture.thumbnail, x: x1, y: y1, width: w, height: h, preserveAspectRatio: 'none'}));
    else root.append(svg('rect', {x: x1, y: y1, width: w, height: h, fill: '#ddd'}));
    const radius = Math.max(2, Math.max(w, h) / 120);
    (keypoints || []).forEach((joints, m) => {
      const g = svg('g', {class: `kp-skeleton model-${m}`, stroke: COLOURS[m], fill: COLOURS[m]});
      for (const [a, b] of v.schema.skeleton) {
        if (!joints[a] || !joints[b]) continue;
        g.append(svg('line', {class: 'kp-limb', x1: joints[a][0], y1: joints[a][1], x2: joints[b][0], y2: joints[b][1], 'stroke-width': 3, 'vector-effect': 'non-scaling-stroke', opacity: 0.85}));
      }
      joints.forEach((p, j) => {
        if (p) g.append(svg('circle', {class: 'kp-joint', cx: p[0], cy: p[1], r: radius}, svg('title', {}, `${v.models[m].name}: ${v.schema.joints[j]} (${sig(p[2], 2)})`)));
      });
      root.append(g);
    });
    return root;
  }
  // The sample frames, then the frame where the track was lost (in the last tracked square, no skeleton).
  function samples(v) {
    const wrap = el('div', {class: 'keypoint-samples'});
    const list = v.samples || [];
    if (!list.length) return wrap;
    wrap.append(el('h4', {}, 'Sample frames'),
      el('p', {class: 'caption'}, 'The tracked square of evenly spaced frames with each model\'s confident joints: ',
        ...v.models.flatMap((m, i) => [i ? ' and ' : '', el('span', {style: `color:${COLOURS[i]};font-weight:600`}, m.name)]), '.'));
    const grid = el('div', {class: 'keypoint-grid'});
    for (const s of list) {
      grid.append(el('figure', {class: 'keypoint-sample'}, skeletonSvg(v, s, s.keypoints), el('figcaption', {}, `frame ${s.frame}`)));
    }
    if (v.lost) {
      grid.append(el('figure', {class: 'keypoint-sample lost'}, skeletonSvg(v, v.lost, []),
        el('figcaption', {class: 'warning'}, `frame ${v.lost.frame}: the track was lost (the last tracked square)`)));
    }
    wrap.append(grid);
    return wrap;
  }

  if (!videos.length) {
    empty(section, 'This study has no keypoint video: a study with task = "keypoints" (docs/study.md) shows joint angles over time, ' +
      'skeletons on sample frames and the jitter per joint here.');
    return;
  }
  const body = section.querySelector('.body');
  videos.forEach((v, k) => drawVideo(v, k, body));
};
