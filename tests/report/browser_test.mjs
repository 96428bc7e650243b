// The HTML report in a real browser (issue 11, "Browser test"): Debian's
// chromium, driven by playwright-core, opens a page `sweetspot report` wrote
// and checks what a person would do with it. Registered with ctest by
// tests/report/browser.cmake; exits 77 (skipped) with a message when node's
// packages or chromium are missing.
//
//   node browser_test.mjs demo --sweetspot BIN --db FILE --work-dir DIR --node-modules DIR
//   node browser_test.mjs thousand-classes --sweetspot BIN --db FILE --work-dir DIR --node-modules DIR
//        --store-writer BIN
//   node browser_test.mjs page --page FILE --work-dir DIR --node-modules DIR  (any report page, as demo)
//   node browser_test.mjs detection --page-writer BIN --work-dir DIR --node-modules DIR
//        [--keypoint-page-writer BIN]
//
// demo: the report of the store the README's demo study (quick mode) filled
// (--db): no console error, no page error and no request but the file itself;
// one speed/accuracy mark per candidate; hovering a confusion-matrix cell
// shows its count; another pair redraws both matrices and their difference;
// another x axis moves the marks; a full-page screenshot, report.png.
// thousand-classes: a store the test writes (--store-writer) with the demo's
// snapshot grown to 1000 classes and 20 candidates: the time to first render,
// a cell's tooltip, and how long a change of pair takes, printed; the bounds
// on time are generous on purpose (a hung page fails, a slow machine passes).
// detection: the page --page-writer writes from a hand-made detection section:
// the precision-recall chart draws one line per candidate (a class picked
// shows that class's stored points) and exports as PNG, every example image
// shows its picture and the boxes scoring at least the slider's 0.3, and
// moving the slider up with the keyboard hides the boxes below it; the
// recommendation and the dataset's candidate table come from the study JSON,
// and the sections drawn from top-1 say the study detects objects. With
// --keypoint-page-writer, the same browser then opens the page it writes from a
// synthetic keypoint video: one joint-angle chart per schema angle holding both
// models' stored angles, jitter and angle-noise bars for both, every sample
// frame's picture with each model's limbs between its confident joints, the
// verdict and the frame where the track was lost.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const kSkip = 77;
const kPageTimeoutMs = 120_000;     // load + first render, 1000 classes on a busy CI machine
const kInteractionBoundMs = 30_000; // a redraw after a change of pair
const kThousandClasses = 1000;
const kThousandCandidates = 20;

function skip(message) {
  console.log(`SKIP: ${message}`);
  process.exit(kSkip);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// SWEETSPOT_NODE_MODULES, when set, wins over --node-modules (CMake's
// configure-time default), as it does for `sweetspot report`.
function loadPlaywright(defaultNodeModules) {
  const nodeModules = process.env.SWEETSPOT_NODE_MODULES || defaultNodeModules;
  if (!nodeModules) skip('no node_modules folder: pass --node-modules DIR or set SWEETSPOT_NODE_MODULES');
  const require = createRequire(path.resolve(nodeModules, 'package.json'));
  try {
    return require('playwright-core');
  } catch {
    skip(`playwright-core is not in ${nodeModules}: run scripts/bootstrap (npm ci) or set SWEETSPOT_NODE_MODULES`);
  }
}

function chromiumPath() {
  const file = process.env.SWEETSPOT_CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(file)) skip(`no chromium at ${file}: run scripts/bootstrap (Debian's chromium) or set SWEETSPOT_CHROMIUM`);
  return file;
}

// Runs a command; its output is shown only when it fails.
function run(command, args) {
  const started = Date.now();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 << 20 });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status ?? result.signal} after ${seconds} s:\n` +
                    `${result.stdout}\n${result.stderr}`);
  }
  return seconds;
}

function writeReport(sweetspot, db, study, out) {
  const args = ['report', '--db', db, '--out', out];
  if (study) args.push('--study', study);
  const seconds = run(sweetspot, args);
  const bytes = fs.statSync(out).size;
  console.log(`report: ${out}: ${(bytes / 1e6).toFixed(2)} MB written in ${seconds} s`);
  return out;
}

// The page's data: the texts of its <script class="sweetspot-data"> elements
// (the first also id="sweetspot-data"), concatenated; "<\/" is a JSON escape
// of "/", so JSON.parse reads them as they are.
function pageData(htmlFile) {
  const html = fs.readFileSync(htmlFile, 'utf8');
  const parts = [...html.matchAll(/<script\b[^>]*\b(?:class|id)="sweetspot-data"[^>]*>([\s\S]*?)<\/script>/g)];
  check(parts.length > 0, `${htmlFile} has no <script class="sweetspot-data"> element`);
  return JSON.parse(parts.map((m) => m[1]).join(''));
}

// Opens the page with every request but the file's own refused and recorded,
// and every console error and page error recorded.
async function openPage(browser, htmlFile) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const url = pathToFileURL(path.resolve(htmlFile)).href;
  const problems = { requests: new Set(), consoleErrors: [], pageErrors: [] };
  await context.route('**/*', (route) => {
    if (route.request().url() === url) return route.continue();
    problems.requests.add(route.request().url());
    return route.abort();
  });
  // data: and blob: URLs (thumbnails, exported images) are no network request.
  page.on('request', (request) => {
    const u = request.url();
    if (u !== url && !u.startsWith('data:') && !u.startsWith('blob:')) problems.requests.add(u);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => problems.pageErrors.push(String(error)));
  const started = Date.now();
  await page.goto(url, { timeout: kPageTimeoutMs });
  try {
    await page.waitForFunction(() => window.sweetspot && window.sweetspot.ready, null, { timeout: kPageTimeoutMs });
    await page.evaluate(async () => {
      await window.sweetspot.ready;
    });
  } catch (error) {
    throw new Error(`window.sweetspot.ready did not resolve (${error.message.split('\n')[0]}); ` +
                    `page errors: ${problems.pageErrors.join(' | ') || 'none'}; ` +
                    `console errors: ${problems.consoleErrors.join(' | ') || 'none'}`);
  }
  const wallMs = Date.now() - started;
  const firstRenderMs = await page.evaluate(() => window.sweetspot.firstRenderMs);
  console.log(`first render: ${Number(firstRenderMs).toFixed(0)} ms (window.sweetspot.firstRenderMs), ` +
              `${wallMs} ms from navigation to ready`);
  return { page, problems };
}

function checkProblems(problems) {
  check(problems.requests.size === 0, `the page made requests: ${[...problems.requests].join(', ')}`);
  check(problems.consoleErrors.length === 0, `console errors: ${problems.consoleErrors.join(' | ')}`);
  check(problems.pageErrors.length === 0, `page errors: ${problems.pageErrors.join(' | ')}`);
}

// The candidates the speed/accuracy chart must show with its filters at
// "all": every measured candidate (no failure) of every run.
function measuredCandidates(data) {
  return data.runs.flatMap((run) => (run.study?.candidates ?? []).filter((c) => !c.failure));
}

async function seriesData(page, chartName, seriesId) {
  return page.evaluate(([name, id]) => {
    const chart = window.sweetspot.charts[name];
    const series = chart && chart.getOption().series.find((s) => s.id === id);
    return series ? series.data : null;
  }, [chartName, seriesId]);
}

async function checkCandidateMarks(page, data) {
  const marks = await seriesData(page, 'speed-accuracy', 'candidates');
  check(marks, "the speed/accuracy chart has no series with id 'candidates'");
  const expected = measuredCandidates(data).length;
  check(marks.length === expected, `the speed/accuracy chart has ${marks.length} marks, the report ${expected} candidates`);
  console.log(`speed/accuracy: ${marks.length} marks for ${expected} candidates`);
}

// The top-1 axis of the speed/accuracy chart lies within [0, 100] and holds
// every candidate's mark and interval and every fit line point (fits are
// clipped to the axis, never stretch it); the latency axis of latency-vs-MACs
// starts at 0 or above.
async function checkAxes(page) {
  const found = await page.evaluate(() => {
    const extent = (name) => {
      const chart = window.sweetspot.charts[name];
      return chart ? chart.getModel().getComponent('yAxis', 0).axis.scale.getExtent() : null;
    };
    const series = window.sweetspot.charts['speed-accuracy'].getOption().series;
    const ys = [];
    for (const s of series) {
      if (s.id === 'candidates') ys.push(...s.data.map((d) => d.value[1]));
      if (s.id === 'intervals') ys.push(...s.data.flatMap((d) => [d[4], d[5]]));
      if (String(s.id).startsWith('fit-')) ys.push(...s.data.filter(Array.isArray).map((d) => d[1]));
    }
    return { top1: extent('speed-accuracy'), p50: extent('latency-macs'), ys: ys.filter(Number.isFinite) };
  });
  const [lo, hi] = found.top1;
  check(lo >= 0 && hi <= 100, `the top-1 axis spans [${lo}, ${hi}], outside [0, 100]`);
  const outside = found.ys.filter((y) => y < lo - 1e-9 || y > hi + 1e-9);
  check(outside.length === 0, `${outside.length} candidate/interval/fit value(s) outside the top-1 axis [${lo}, ${hi}]: ${outside.slice(0, 5).join(', ')}`);
  if (found.p50) check(found.p50[0] >= 0, `the latency-vs-MACs latency axis starts at ${found.p50[0]} ms, below 0`);
  console.log(`axes: top-1 [${lo}, ${hi}] holds ${found.ys.length} values; p50 ${found.p50 ? found.p50.join('..') : 'no chart'}`);
}

// The recommendation card compares two different candidates, and the hygiene
// list has one item per warning code.
async function checkCardAndHygiene(page, data) {
  const headers = await page.$$eval('#recommendation .card th', (ths) => ths.map((th) => th.textContent));
  if (headers.length === 3) check(headers[1] !== headers[2] && !headers[2].includes(headers[1].replace(' (recommended)', ' (reference)')),
    `the recommendation card compares ${headers[1]} with itself`);
  const codes = new Set(data.runs.flatMap((run) => (run.study?.candidates ?? []).flatMap((c) => (c.warnings ?? []).map((w) => (typeof w === 'string' ? w : w.code || w.message)))));
  if (data.runs.length === 1) {
    const items = await page.$$eval('#platforms ul.warning > li', (lis) => lis.length);
    check(items === codes.size, `the hygiene list has ${items} items for ${codes.size} warning code(s)`);
  }
}

// With per-sample predictions in the data (in each entry, or once in the
// run's shared_samples), the confusion section compares the pair sample by sample.
async function checkSamplesCompared(page, data) {
  const run = data.runs[0];
  const stored = (run.accuracy ?? []).some((a) => Array.isArray(a.predictions) && (Array.isArray(a.indices) || Array.isArray(run.shared_samples?.indices)));
  if (!stored) return;
  const caption = await page.$eval('#confusion', (s) => s.textContent);
  check(/Of \d+ samples both evaluated/.test(caption), `the data holds per-sample predictions but the confusion section says: ${caption.slice(0, 200)}`);
}

// Pixel positions (in the viewport) of every mark of a chart's series; the
// chart is scrolled into view first.
async function markPixels(page, chartName, seriesId) {
  return page.evaluate(([name, id]) => {
    const chart = window.sweetspot.charts[name];
    chart.getDom().scrollIntoView({ block: 'center' });
    const box = chart.getDom().getBoundingClientRect();
    const series = chart.getOption().series.find((s) => s.id === id);
    return series.data.map((item) => {
      const value = Array.isArray(item) ? item : item?.value;
      if (!Array.isArray(value)) return null;
      const at = chart.convertToPixel({ seriesId: id }, value.slice(0, 2));
      if (!at || !Number.isFinite(at[0]) || !Number.isFinite(at[1])) return null;
      return { x: box.left + at[0], y: box.top + at[1], inside: chart.containPixel({ seriesId: id }, at), value };
    });
  }, [chartName, seriesId]);
}

// Hovers a visible confusion-matrix cell with a count (off the diagonal when
// there is one) and waits for a tooltip that shows that count.
async function checkCellTooltip(page, chartName) {
  const modes = await page.$$eval('#matrix-mode option', (options) => options.map((o) => o.value));
  if (modes.includes('counts')) await page.selectOption('#matrix-mode', 'counts');
  const cells = (await markPixels(page, chartName, 'cells')).filter(
    (c) => c && c.inside && Number.isInteger(c.value[2]) && c.value[2] > 0);
  check(cells.length > 0, `the ${chartName} matrix shows no cell with a count`);
  // The largest count off the diagonal: a distinctive number to look for.
  const offDiagonal = cells.filter((c) => String(c.value[0]) !== String(c.value[1]));
  const cell = (offDiagonal.length ? offDiagonal : cells).reduce((m, c) => (c.value[2] > m.value[2] ? c : m));
  const count = String(cell.value[2]);
  const started = Date.now();
  await page.mouse.move(cell.x, cell.y);
  const text = await page.waitForFunction((wanted) => {
    const visible = [...document.querySelectorAll('.sweetspot-tooltip')].filter((el) => {
      const style = getComputedStyle(el);
      return style.display !== 'none' && style.visibility !== 'hidden' && el.getClientRects().length > 0;
    });
    const texts = visible.map((el) => el.textContent.replace(/(\d)[,\u2009\u202f\u00a0 ](?=\d{3}\b)/g, '$1'));
    const number = new RegExp(`(^|[^\\d.])${wanted}([^\\d.]|$)`);
    return texts.find((t) => number.test(t)) ?? false;
  }, count, { timeout: kInteractionBoundMs }).then((handle) => handle.jsonValue(), (error) => {
    throw new Error(`hovering ${chartName}'s cell [${cell.value}] showed no .sweetspot-tooltip with ${count} ` +
                    `within ${kInteractionBoundMs} ms (${error.message.split('\n')[0]})`);
  });
  console.log(`${chartName}: hovering cell [${cell.value.slice(0, 2)}] (count ${count}) showed a tooltip in ` +
              `${Date.now() - started} ms: "${text.slice(0, 120).replace(/\s+/g, ' ')}"`);
  await page.mouse.move(0, 0);
}

const kMatrices = ['confusion-a', 'confusion-b', 'confusion-diff'];

// One number per matrix, from its cells' data; a redraw with other data
// changes it. Runs in the page.
function matrixFingerprints(names) {
  return names.map((name) => {
    const series = window.sweetspot.charts[name].getOption().series.find((s) => s.id === 'cells');
    if (!series) return null;
    let h = series.data.length;
    for (const item of series.data) {
      for (const x of Array.isArray(item) ? item : item?.value ?? []) {
        const n = typeof x === 'number' ? Math.round(x * 1000) : [...String(x)].reduce((a, c) => a * 31 + c.charCodeAt(0), 7);
        h = (h * 31 + n) % 2147483647;
      }
    }
    return h;
  });
}

// Milliseconds until every matrix's fingerprint differs from `before`, or
// null when that did not happen within boundMs.
async function waitForMatrices(page, before, boundMs) {
  const started = Date.now();
  try {
    await page.waitForFunction(([fingerprints, names, prior]) => {
      const now = new Function(`return ${fingerprints}`)()(names);
      return now.every((h, k) => h !== null && h !== prior[k]);
    }, [matrixFingerprints.toString(), kMatrices, before], { timeout: boundMs, polling: 50 });
  } catch (error) {
    if (error.name === 'TimeoutError') return null;
    throw error;
  }
  return Date.now() - started;
}

// Picks other pairs until one redraws both matrices and their difference
// (two candidates may have the same matrix, so the first pair may not).
async function checkPairChange(page, boundMs) {
  const options = await page.$$eval('#pair-a option', (all) => all.map((o) => o.value));
  const a0 = await page.inputValue('#pair-a');
  const b0 = await page.inputValue('#pair-b');
  check(options.length >= 3, `#pair-a offers ${options.length} candidates; the test needs 3`);
  const before = await page.evaluate(matrixFingerprints, kMatrices);
  check(before.every((h) => h !== null), `a matrix of ${kMatrices.join(', ')} has no series with id 'cells'`);
  for (const [i, a] of options.entries()) {
    const b = options[(i + 1) % options.length];
    if (a === a0 || b === b0 || a === b) continue;
    const started = Date.now();
    await page.selectOption('#pair-a', a);
    await page.selectOption('#pair-b', b);
    if ((await waitForMatrices(page, before, boundMs)) !== null) {
      const ms = Date.now() - started;
      console.log(`pair ${a0} | ${b0} -> ${a} | ${b}: both matrices and the difference redrawn in ${ms} ms`);
      return ms;
    }
  }
  throw new Error(`no other pair in #pair-a/#pair-b changed the data of ${kMatrices.join(', ')}`);
}

async function checkAxisSwitch(page) {
  const options = await page.$$eval('#x-axis option', (all) => all.map((o) => o.value));
  const current = await page.inputValue('#x-axis');
  const next = ['file_bytes', 'macs', 'items_per_s', 'model_rss_bytes', 'p99_ms'].find(
    (v) => v !== current && options.includes(v));
  check(next, `#x-axis offers no other axis than ${current} (${options.join(', ')})`);
  const before = await markPixels(page, 'speed-accuracy', 'candidates');
  await page.selectOption('#x-axis', next);
  let moved = 0, after = [];
  for (const started = Date.now(); moved === 0 && Date.now() - started < 2000; await page.waitForTimeout(50)) {
    after = await markPixels(page, 'speed-accuracy', 'candidates');
    moved = after.filter((p, i) => p && before[i] && Math.hypot(p.x - before[i].x, p.y - before[i].y) > 1).length;
  }
  check(moved > 0, `switching #x-axis from ${current} to ${next} moved no mark within 2 s`);
  console.log(`x axis ${current} -> ${next}: ${moved} of ${after.length} marks moved`);
}

async function screenshot(page, file) {
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file} (${(fs.statSync(file).size / 1e3).toFixed(0)} kB)`);
}

// A small deterministic generator (mulberry32), so every run builds the same store.
function random32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// An accuracy entry as the study stores it (confusion [true][predicted],
// recall, up to 8 samples per mislabelled cell) for `samples` evaluations
// spread evenly over the classes, each right with probability top1, else
// mistaken for one of the three next classes (confusions cluster, as in ImageNet).
function syntheticAccuracy(candidate, classes, samples, random) {
  const confusion = Array.from({ length: classes }, () => new Array(classes).fill(0));
  const labels = [], predictions = [], cellSamples = {};
  for (let k = 0; k < samples; ++k) {
    const label = Math.floor((k * classes) / samples);
    const prediction = random() < candidate.top1 ? label : (label + 1 + Math.floor(random() * 3)) % classes;
    labels.push(label);
    predictions.push(prediction);
    confusion[label][prediction] += 1;
    const cell = `${label},${prediction}`;
    if (label !== prediction && (cellSamples[cell] ??= []).length < 8) cellSamples[cell].push(k);
  }
  const recall = confusion.map((row, c) => row[c] / row.reduce((a, b) => a + b, 0));
  return { model: candidate.model, engine: 'onnxruntime', candidates: [candidate.name], top1: candidate.top1,
           samples, indices: labels.map((_, k) => k), labels, predictions, confusion, recall, cell_samples: cellSamples };
}

// The demo's snapshot grown to `classes` classes and `count` candidates: the
// demo's own candidates plus renamed copies (other speeds, same lineage
// fields), each its own model with a synthetic accuracy run over 10 samples
// per class (dataset indices of the demo's test set, so thumbnails exist).
function growSnapshot(run, classes, count) {
  const random = random32(1000);
  const grown = structuredClone(run);
  grown.dataset = { ...grown.dataset, classes: Array.from({ length: classes }, (_, c) => `synthetic class ${c}`) };
  const base = run.study.candidates.filter((c) => !c.failure);
  check(base.length > 0, 'the demo snapshot has no measured candidate');
  const candidates = Array.from({ length: count }, (_, k) => {
    const c = structuredClone(base[k % base.length]);
    if (k >= base.length) {
      const scale = 1 + 0.37 * Math.floor(k / base.length) + 0.05 * (k % base.length);
      c.name = c.model = `${c.name} copy ${Math.floor(k / base.length)}`;
      for (const key of ['p50_ms', 'p99_ms']) c[key] *= scale;
      for (const key of ['p50_ci95', 'p99_ci95']) c[key] = c[key]?.map((v) => v * scale);
      c.items_per_s /= scale;
      c.items_per_s_ci95 = c.items_per_s_ci95?.map((v) => v / scale).reverse();
    }
    c.top1 = 0.55 + 0.4 * random();
    return c;
  });
  grown.study.candidates = candidates;
  // Ratios between two machines, as `study --report-only` of a merged store writes them.
  grown.environment_ratios = candidates.slice(0, 3).map((c, i) => ({
    candidate: c.name, model: c.model, setting: c.setting, environment_a: 'machine one', environment_b: 'machine two',
    p50_ratio: 2.5 + i, p50_ratio_ci95: [2.25 + i, 2.75 + i], verdict: 'faster', items_per_s_ratio: 2.5 + i }));
  grown.accuracy = candidates.map((c) => syntheticAccuracy(c, classes, 10 * classes, random));
  grown.latency = candidates.map((c) => ({
    candidate: c.name, count: 1000, raw_ms: Array.from({ length: 1000 }, (_, i) => c.p50_ms * (0.9 + 0.2 * (i / 999))) }));
  return grown;
}

const kSyntheticStudy = 'thousand-classes';

// A `sweetspot load --json` document: five closed-loop levels and one open,
// the open one unstable and with refused requests.
function syntheticLoad() {
  const level = (mode, concurrency, rate, throughput, p50) => ({
    mode, concurrency, rate_per_s: rate, duration_s: 5, completed: Math.round(throughput * 5), dropped: mode === 'open' ? 4 : 0,
    errors: mode === 'open' ? { 'resource exhausted': 9 } : {}, error_count: mode === 'open' ? 9 : 0, first_error: '',
    throughput_per_s: throughput,
    latency_ms: { count: Math.round(throughput * 5), mean: p50 * 1.1, p50, p90: p50 * 1.5, p95: p50 * 1.8, p99: p50 * 2.5,
      p50_ci: { lower: p50 * 0.98, upper: p50 * 1.02, valid: true }, p90_ci: { lower: 0, upper: 0, valid: false },
      p95_ci: { lower: 0, upper: 0, valid: false }, p99_ci: { lower: 0, upper: 0, valid: false } },
    client_us: { serialize: 5, wait: p50 * 1000, parse: 4 },
    server_us: { answers: 10, queue: 20, preprocess: 30, inference: 400, batch_size: Math.min(concurrency, 16) },
    top1: { scored: 100, correct: 91, value: 0.91, ci: { lower: 0.84, upper: 0.95 } },
    windows_per_s: [throughput, throughput], stable: mode === 'closed' });
  const levels = [1, 2, 4, 8, 16].map((c) => level('closed', c, 0, 800 * Math.min(c, 6), 1.2 * Math.max(1, c / 6)));
  levels.push(level('open', 64, 500, 498, 1.5));
  return { schema: 'sweetspot.load/1', dataset: 'IDX /usr/share/datasets/fashion-mnist/t10k', samples: 200,
    options: { url: 'http://127.0.0.1:8000', model: 'resnet-small', version: '', form: 'images', concurrency: [1, 2, 4, 8, 16],
      rates_per_s: [500], warmup_s: 2, duration_s: 5, window_s: 2.5, tolerance: 0.1, max_in_flight: 64, seed: 1 },
    environment: {}, levels };
}

// A store holding one snapshot, the demo's grown to 1000 classes and 20
// candidates, and no measurement; written anew each run.
function thousandClassesStore(sweetspot, demoDb, storeWriter, workDir) {
  const demoHtml = writeReport(sweetspot, demoDb, null, path.join(workDir, 'thousand-classes-source.html'));
  const snapshot = growSnapshot(pageData(demoHtml).runs[0], kThousandClasses, kThousandCandidates);
  const snapshotFile = path.join(workDir, 'thousand-classes-snapshot.json');
  fs.writeFileSync(snapshotFile, JSON.stringify(snapshot));
  const db = path.join(workDir, 'thousand-classes.db');
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(db + suffix, { force: true });
  const loadFile = path.join(workDir, 'thousand-classes-load.json');
  fs.writeFileSync(loadFile, JSON.stringify(syntheticLoad()));
  const seconds = run(storeWriter, [db, kSyntheticStudy, snapshotFile, loadFile]);
  console.log(`synthetic store: ${db}: ${kThousandClasses} classes, ${kThousandCandidates} candidates, ` +
              `snapshot ${(fs.statSync(snapshotFile).size / 1e6).toFixed(1)} MB, stored in ${seconds} s`);
  // The store holds both now; 45 MB less in the build folder.
  for (const file of [snapshotFile, demoHtml, loadFile]) fs.rmSync(file);
  return db;
}

// The Cascade section (the demo spec's [cascade]): a chart whose top-1 line
// has one point per stored curve point, the recommendation sentence, a table.
async function checkCascade(page, data) {
  const cascade = data.runs[0].study?.cascade;
  check(cascade && Array.isArray(cascade.curve), `the demo's study has no cascade curve: ${JSON.stringify(cascade ?? null).slice(0, 200)}`);
  const found = await page.evaluate(() => {
    const chart = window.sweetspot.charts.cascade;
    const series = chart ? chart.getOption().series : [];
    const line = series.find((s) => s.name === 'system top-1 (%)');
    return { points: line ? line.data.length : 0, marked: line?.markPoint?.data?.length ?? 0, series: series.length,
      sentence: document.querySelector('#cascade .cascade-recommendation')?.textContent ?? '',
      rows: document.querySelectorAll('#cascade table tbody tr').length };
  });
  check(found.points === cascade.curve.length, `the cascade chart draws ${found.points} points of ${cascade.curve.length}`);
  check(found.series === 4, `the cascade chart has ${found.series} series (band base, band, top-1, cost)`);
  check(found.sentence === cascade.sentence, `the cascade section says '${found.sentence.slice(0, 120)}', not the study's sentence`);
  check(found.marked === (cascade.recommended || cascade.closest ? 1 : 0), `the cascade chart marks ${found.marked} point(s)`);
  check(found.rows >= 2, `the cascade table has ${found.rows} rows`);
  console.log(`cascade: ${found.points} points drawn, ${found.rows} table rows; ${found.sentence}`);
}

async function checkDemoPage(browser, htmlFile, workDir) {
  const data = pageData(htmlFile);
  const { page, problems } = await openPage(browser, htmlFile);
  await checkCandidateMarks(page, data);
  await checkAxes(page);
  await checkCardAndHygiene(page, data);
  await checkSamplesCompared(page, data);
  await checkCellTooltip(page, 'confusion-a');
  await checkPairChange(page, 2000);
  await checkCellTooltip(page, 'confusion-diff');
  await checkAxisSwitch(page);
  await checkCascade(page, data);
  await screenshot(page, path.join(workDir, 'report.png'));
  checkProblems(problems);
}

// The Platforms section's Machines table: one row per stored ratio between
// machines, with its interval and verdict.
async function checkMachines(page, data) {
  const ratios = data.runs[0].environment_ratios;
  const rows = await page.evaluate(() => {
    const table = document.querySelector('#platforms .machines table');
    return table ? [...table.querySelectorAll('tbody tr')].map((tr) => tr.innerText) : [];
  });
  check(rows.length === ratios.length, `the Machines table has ${rows.length} rows for ${ratios.length} ratios`);
  rows.forEach((text, i) => {
    const q = ratios[i];
    check(text.includes(q.model) && text.includes(`[${q.p50_ratio_ci95[0]}, ${q.p50_ratio_ci95[1]}]`) && text.includes(q.verdict),
      `Machines row ${i} '${text}' lacks ${q.model}, its interval or '${q.verdict}'`);
  });
}

// The Serving under load section: one throughput point per closed-loop
// level, the latency bars of every level, one table row per level.
async function checkServingLoad(page, data) {
  check(data.load_runs.length === 1, `the page data holds ${data.load_runs.length} load runs, not 1`);
  const levels = data.load_runs[0].levels;
  const closed = levels.filter((l) => l.mode === 'closed').length;
  const shown = await page.evaluate(() => {
    const option = (name) => window.sweetspot.charts[name]?.getOption();
    const rows = [...document.querySelectorAll('#serving-load tbody tr')].map((tr) => tr.innerText);
    return { throughput: option('load-throughput')?.series?.[0]?.data?.length ?? 0,
             latency: option('load-latency')?.xAxis?.[0]?.data?.length ?? 0, rows };
  });
  check(shown.throughput === closed, `the load throughput chart has ${shown.throughput} points for ${closed} closed levels`);
  check(shown.latency === levels.length, `the load latency chart has ${shown.latency} levels, not ${levels.length}`);
  check(shown.rows.length === levels.length, `the load table has ${shown.rows.length} rows for ${levels.length} levels`);
  check(shown.rows[levels.length - 1].includes('9 resource exhausted'), `the open level's row lacks its errors: ${shown.rows.at(-1)}`);
}

async function checkThousandClassesPage(browser, htmlFile, workDir) {
  const data = pageData(htmlFile);
  check(data.classes.length === kThousandClasses, `the page has ${data.classes.length} classes, not ${kThousandClasses}`);
  const { page, problems } = await openPage(browser, htmlFile);
  await checkCandidateMarks(page, data);
  await checkAxes(page);
  await checkCellTooltip(page, 'confusion-a');
  const redrawMs = await checkPairChange(page, 2000);
  check(redrawMs < kInteractionBoundMs, `a change of pair took ${redrawMs} ms`);
  await checkCellTooltip(page, 'confusion-b');
  await checkMachines(page, data);
  await checkServingLoad(page, data);
  await screenshot(page, path.join(workDir, 'thousand-classes.png'));
  checkProblems(problems);
}

// The boxes drawn and not hidden on the detection examples.
async function visibleBoxes(page) {
  return page.$$eval('#detection g.det-box', (boxes) => boxes.filter((g) => getComputedStyle(g).display !== 'none').length);
}

function boxesScoring(section, min) {
  return section.examples.reduce((n, e) => n + e.boxes.slice(0, section.fast === section.accurate ? 1 : 2)
    .flat().filter((b) => b.score >= min).length, 0);
}

async function checkDetectionPage(browser, htmlFile, workDir) {
  const data = pageData(htmlFile);
  const section = data.runs[0].detection[0];
  const { page, problems } = await openPage(browser, htmlFile);
  // The precision-recall chart: one line per candidate; a class shows its stored points.
  const lines = await seriesData(page, 'detection-pr-0', 'pr-0');
  check(lines && lines.length === 101, `the mean precision-recall line of ${section.candidates[0].name} has ${lines?.length} points, not 101`);
  const series = await page.evaluate(() => window.sweetspot.charts['detection-pr-0'].getOption().series.length);
  check(series === section.candidates.length, `the precision-recall chart has ${series} lines for ${section.candidates.length} candidates`);
  await page.selectOption('#detection-class-0', '0');
  const cat = await seriesData(page, 'detection-pr-0', 'pr-0');
  const stored = section.candidates[0].per_class[0].pr50;
  check(cat.length === stored.length && cat.every((p, r) => p[0] === r / 100 && p[1] === stored[r]),
    `class 0's line does not hold the stored precision at each recall (${cat.length} points, ${stored.length} stored)`);
  const png = await page.evaluate(() => window.sweetspot.exportPng('detection-pr-0'));
  check(png.startsWith('data:image/png;base64,') && png.length > 5000, 'exportPng(detection-pr-0) gave no PNG');
  // The examples: a picture under every pair of box sets, the boxes at >= 0.3 shown.
  const pictures = await page.$$eval('#detection svg.det-image image', (images) => images.filter((i) => i.getAttribute('href').startsWith('data:image/jpeg')).length);
  const sides = section.fast === section.accurate ? 1 : 2;
  check(pictures === section.examples.length * sides, `${pictures} example pictures drawn for ${section.examples.length} examples x ${sides}`);
  const atStart = await visibleBoxes(page);
  check(atStart === boxesScoring(section, 0.3) && atStart > 0, `${atStart} boxes shown at 0.3, the data has ${boxesScoring(section, 0.3)}`);
  await page.focus('#detection-score-0');
  for (let i = 0; i < 10; ++i) await page.keyboard.press('ArrowRight');
  const value = Number(await page.inputValue('#detection-score-0'));
  const after = await visibleBoxes(page);
  check(Math.abs(value - 0.8) < 1e-9, `ten ArrowRight presses moved the slider to ${value}, not 0.8`);
  check(after === boxesScoring(section, 0.8) && after < atStart, `${after} boxes shown at 0.8 (data: ${boxesScoring(section, 0.8)}), ${atStart} at 0.3`);
  // The recommendation and the study's figures of the dataset.
  const study = data.runs[0].study;
  const shown = await page.evaluate(() => ({
    chosen: document.querySelector('#recommendation .chosen')?.textContent,
    rows: document.querySelectorAll('#detection .detection-candidates tbody tr').length,
    skipped: document.querySelector('#confusion p.empty')?.textContent ?? '' }));
  check(shown.chosen === study.overall.recommended, `the recommendation shows '${shown.chosen}', the study ${study.overall.recommended}`);
  check(shown.rows === study.datasets[0].candidates.length, `the dataset's candidate table has ${shown.rows} rows`);
  const marks = await seriesData(page, 'detection-speed-0', 'candidates');
  check(marks && marks.length === study.datasets[0].candidates.length, `the mAP-vs-speed chart has ${marks?.length} marks`);
  // An offline candidate's p50 is a batch's: its row says so, and the chart places every candidate by its images/s.
  const offline = study.datasets[0].candidates.findIndex((c) => c.scenario === 'offline');
  const rowTexts = await page.$$eval('#detection .detection-candidates tbody tr', (trs) => trs.map((tr) => tr.textContent));
  const batch = study.datasets[0].candidates[offline]?.batch_size;
  check(offline >= 0 && rowTexts[offline].includes(`per batch of ${batch}`), `the offline candidate's row reads '${rowTexts[offline]}'`);
  check(rowTexts.filter((t) => t.includes('per image')).length === rowTexts.length - 1, 'the single-stream rows do not say "per image"');
  check(marks.every((m, i) => m.value[0] === study.datasets[0].candidates[i].items_per_s),
    `the chart's x values ${JSON.stringify(marks.map((m) => m.value[0]))} are not the candidates' images/s`);
  check(shown.skipped.includes('detects objects'), `the confusion section of a detection study says '${shown.skipped}'`);
  console.log(`detection: ${series} precision-recall lines, ${pictures} pictures, ${atStart} boxes at 0.3, ${after} at 0.8; ` +
              `recommended ${shown.chosen}`);
  await screenshot(page, path.join(workDir, 'detection.png'));
  checkProblems(problems);
}

// The limbs a sample's stored joints give per model: skeleton edges whose two joints are confident.
function limbsOf(video, sample) {
  return sample.keypoints.map((joints) => video.schema.skeleton.filter(([a, b]) => joints[a] && joints[b]).length);
}

async function checkKeypointPage(browser, htmlFile, workDir) {
  const data = pageData(htmlFile);
  const video = data.runs[0].keypoints[0];
  const { page, problems } = await openPage(browser, htmlFile);
  // One chart per angle drawn somewhere, both models' stored series (null drawn as a gap).
  for (const [j, angle] of video.angles.entries()) {
    check(angle.series.every((values) => values.some((a) => a !== null)), `the synthetic ${angle.name} is never drawn`);
    for (const [m, id] of ['fast', 'accurate'].entries()) {
      const points = await seriesData(page, `keypoint-angle-0-${j}`, id);
      check(points && points.length === video.frames, `the ${angle.name} chart's ${id} line has ${points?.length} points for ${video.frames} frames`);
      const same = points.every((p, t) => (angle.series[m][t] === null ? p[1] === '-' : p[1] === angle.series[m][t]) && Math.abs(p[0] - t / video.fps) < 1e-9);
      check(same, `the ${angle.name} chart's ${id} line is not the stored angle per frame`);
    }
  }
  const png = await page.evaluate(() => window.sweetspot.exportPng('keypoint-angle-0-0'));
  check(png.startsWith('data:image/png;base64,') && png.length > 5000, 'exportPng(keypoint-angle-0-0) gave no PNG');
  // Jitter and angle noise: a bar per measured joint or angle for each model.
  const measuredJoints = video.jitter_px.filter((p) => p.a && p.b);
  for (const [m, id] of ['fast', 'accurate'].entries()) {
    const bars = await seriesData(page, 'keypoint-jitter-0', id);
    check(bars && bars.length === measuredJoints.length && bars.every((v, i) => v === (m ? measuredJoints[i].b : measuredJoints[i].a).value),
      `the jitter chart's ${id} bars are not the stored jitter per joint (${bars?.length} bars, ${measuredJoints.length} joints)`);
  }
  const noiseBars = await seriesData(page, 'keypoint-noise-0', 'fast');
  check(noiseBars && noiseBars.length === video.angles.filter((a) => a.noise && a.noise.a).length, `the angle-noise chart has ${noiseBars?.length} bars`);
  // Sample frames: a picture each and each model's limbs; the lost frame's picture.
  const shown = await page.evaluate(() => ({
    pictures: [...document.querySelectorAll('#keypoints svg.kp-image image')].filter((i) => i.getAttribute('href').startsWith('data:image/jpeg')).length,
    limbs: [...document.querySelectorAll('#keypoints .keypoint-samples figure:not(.lost) svg.kp-image')].map((s) => [0, 1].map((m) => s.querySelectorAll(`g.model-${m} line.kp-limb`).length)),
    verdict: document.querySelector('#keypoints p.keypoint-verdict')?.textContent ?? '',
    lost: document.querySelector('#keypoints .keypoint-lost')?.textContent ?? '',
    skipped: document.querySelector('#confusion p.empty')?.textContent ?? '',
    chosen: document.querySelector('#recommendation .chosen')?.textContent ?? '',
    reasons: document.querySelector('#recommendation ul.reasons')?.textContent ?? '' }));
  check(shown.pictures === video.samples.length + (video.lost ? 1 : 0), `${shown.pictures} pictures for ${video.samples.length} samples and the lost frame`);
  const expected = video.samples.map((s) => limbsOf(video, s));
  check(JSON.stringify(shown.limbs) === JSON.stringify(expected), `limbs drawn per sample and model ${JSON.stringify(shown.limbs)}, stored ${JSON.stringify(expected)}`);
  check(expected.flat().every((n) => n > 0), 'a sample frame has no limb to draw');
  check(shown.verdict.includes(video.verdict), `the verdict shown is '${shown.verdict}', the data's '${video.verdict}'`);
  check(!video.lost || shown.lost.includes(`frame ${video.lost.frame}`), `the lost frame is shown as '${shown.lost}'`);
  check(shown.skipped.includes('estimates keypoints'), `the confusion section of a keypoint study says '${shown.skipped}'`);
  // The study JSON names its choice in `recommended` (the page said 'No recommendation' beside a recommending text).
  const study = data.runs[0].study;
  check(shown.chosen === study.recommended, `the Recommendation shows '${shown.chosen}', the study recommends '${study.recommended}'`);
  check(shown.reasons.includes(study.recommendation_reasons[0]), `the Recommendation's reasons read '${shown.reasons}'`);
  console.log(`keypoints: ${video.angles.length} angle charts, ${measuredJoints.length} joints with jitter, ${shown.pictures} pictures, ` +
              `limbs ${JSON.stringify(shown.limbs)}; ${shown.verdict}`);
  await screenshot(page, path.join(workDir, 'keypoints.png'));
  checkProblems(problems);
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: Object.fromEntries(['sweetspot', 'db', 'work-dir', 'node-modules', 'store-writer', 'page', 'page-writer', 'keypoint-page-writer'].map(
      (name) => [name, { type: 'string' }])),
  });
  const mode = positionals[0];
  check(['demo', 'thousand-classes', 'page', 'detection'].includes(mode), `unknown mode ${mode}: demo, thousand-classes, page or detection`);
  const playwright = loadPlaywright(values['node-modules']);
  const executablePath = chromiumPath();
  const workDir = values['work-dir'];
  fs.mkdirSync(workDir, { recursive: true });
  let htmlFile = values.page;
  if (mode === 'demo') htmlFile = writeReport(values.sweetspot, values.db, null, path.join(workDir, 'report.html'));
  if (mode === 'thousand-classes') {
    const db = thousandClassesStore(values.sweetspot, values.db, values['store-writer'], workDir);
    htmlFile = writeReport(values.sweetspot, db, kSyntheticStudy, path.join(workDir, 'thousand-classes.html'));
  }
  if (mode === 'detection') {
    run(values['page-writer'], [workDir, process.env.SWEETSPOT_NODE_MODULES || values['node-modules']]);
    htmlFile = path.join(workDir, 'detection.html');
  }
  const browser = await playwright.chromium.launch({ executablePath });
  try {
    if (mode === 'thousand-classes') await checkThousandClassesPage(browser, htmlFile, workDir);
    else if (mode === 'detection') {
      await checkDetectionPage(browser, htmlFile, workDir);
      if (values['keypoint-page-writer']) {
        run(values['keypoint-page-writer'], [workDir, process.env.SWEETSPOT_NODE_MODULES || values['node-modules']]);
        await checkKeypointPage(browser, path.join(workDir, 'keypoints.html'), workDir);
      }
    }
    else await checkDemoPage(browser, htmlFile, workDir);
  } finally {
    await browser.close();
  }
  console.log('PASS');
}

main().catch((error) => {
  console.error(`FAIL: ${error.stack ?? error}`);
  process.exit(1);
});
