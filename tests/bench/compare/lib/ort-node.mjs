// The onnxruntime-web peer in node (lib/ort.mjs on the npm package's node build) and in
// Chromium (web/bench.html?only=ort), for compare.mjs.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { benchOrt, configureOrt } from './ort.mjs';

const models = path.join(path.dirname(fileURLToPath(import.meta.url)), '../models');
export const loadModel = async (name) => new Uint8Array(fs.readFileSync(path.join(models, name)));

/** Node: ex = the bench GEMM module's exports, gradlab = the node Session module, spec = gradlabSpecs().lstm. */
export async function ortNode(ex, gradlab, spec, log) {
  const ort = await import('onnxruntime-web');
  configureOrt(ort);
  return benchOrt(ort, ex, gradlab, spec, loadModel, log);
}

/** Chromium: the ORT figures alone in a fresh context (bench.html?only=ort). */
export async function ortChromium(browser, base, log) {
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    page.on('console', (m) => { if (m.text().startsWith('[bench]')) log(`  page: ${m.text()}`); });
    page.on('pageerror', (e) => log(`  page error: ${e}`));
    await page.goto(`${base}/tests/bench/compare/web/bench.html?only=ort`);
    await page.waitForFunction(() => window.__results, null, { timeout: 20 * 60 * 1000, polling: 1000 });
    const r = await page.evaluate(() => window.__results);
    if (r.error) throw new Error(`bench.html?only=ort: ${r.error}`);
    return r.ort;
  } finally {
    await ctx.close();
  }
}
