// node -e "$(cat export_png.js)" PAGE DIR CHROMIUM NODE_MODULES: opens the report PAGE in
// headless CHROMIUM (playwright-core from NODE_MODULES), lets it draw, and
// writes DIR/<chart>.png for each main chart the page has, through the page's
// own window.sweetspot.exportPng; prints "png: FILE" per file. Only the page's
// own file is loaded: any other request is refused.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const {createRequire} = require('node:module');
const {pathToFileURL} = require('node:url');

const kCharts = ['speed-accuracy', 'confusion-a', 'confusion-b', 'confusion-diff', 'latency-macs', 'latency-distribution', 'sqnr', 'cascade'];

async function main() {
  const [page, dir, chromium, nodeModules] = process.argv.slice(1);  // node -e: no script path
  const {chromium: browserType} = createRequire(path.resolve(nodeModules, 'package.json'))('playwright-core');
  const browser = await browserType.launch({executablePath: chromium, args: ['--no-sandbox']});
  try {
    const tab = await browser.newPage({viewport: {width: 1400, height: 1000}});
    const url = pathToFileURL(path.resolve(page)).href;
    await tab.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
    const errors = [];
    tab.on('pageerror', (error) => errors.push(String(error)));
    await tab.goto(url, {timeout: 300000});
    await tab.evaluate(async () => { await window.sweetspot.ready; });
    if (errors.length) throw new Error(`the page failed: ${errors.join('; ')}`);
    // Per detection dataset K: detection-speed-K (mAP vs p50) and detection-pr-K (precision-recall);
    // per keypoint video K: keypoint-angle-K-J (angle J over time), keypoint-jitter-K, keypoint-noise-K.
    const detection = await tab.evaluate(() => Object.keys(window.sweetspot.charts).filter((n) => n.startsWith('detection-') || n.startsWith('keypoint-')));
    for (const name of kCharts.concat(detection)) {
      const dataUrl = await tab.evaluate((chart) => (window.sweetspot.charts[chart] ? window.sweetspot.exportPng(chart) : null), name);
      if (!dataUrl) continue;
      const file = path.join(dir, `${name}.png`);
      fs.writeFileSync(file, Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64'));
      console.log(`png: ${file}`);
    }
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(`error: ${String(error && error.message ? error.message : error).split('\n')[0]}`);
  process.exit(1);
});
