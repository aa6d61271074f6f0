// gradlab vs TensorFlow.js, one run: gradlab-wasm (node and headless Chromium), gradlab native,
// tfjs 4.22 (wasm SIMD single thread, and cpu) in node and tfjs-wasm in Chromium.
// Prints tables and writes build/bench-results.json. Run through run.sh (which builds).
// Also: K variants of one spec trained all at once in K workers against one after another in
// one worker (node worker_threads and Chromium Web Workers; lib/variants.mjs); `--only
// variants` measures that alone (about a minute) into build/bench-results-variants.json.
// The newer families (lib/families.mjs): a Transformer encoder layer step and a diffusion step
// against the same models written with tfjs ops; `--only families` measures them alone
// (about two minutes) into build/bench-results-families.json.
// And onnxruntime-web (wasm, SIMD, one thread) against gradlab wasm: GEMM and the LSTM forward
// (lib/ort.mjs, models/ from make_onnx.mjs); `--only ort` measures that alone (a few minutes)
// into build/bench-results-ort.json.
// gradlab is measured in one flavour everywhere (--flavour; default relaxed where this node
// validates relaxed SIMD, as run.sh's node does, else simd): relaxed is what the playground
// loads in a browser with relaxed SIMD (Chrome 114+) and node 22+ runs by default; simd is
// node 20's default and every other browser's. The snapshot in build/bench-compare/module/
// holds that flavour's files and gradlab.mjs / gradlab-node.cjs / gemm_bench.wasm naming it,
// which the pages and workers load.
//   node compare.mjs [--no-browser] [--no-tfjs-cpu] [--no-ort] [--only variants|families|ort] [--flavour relaxed|simd] [--out FILE]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

import { FAMILY_CPU_PLAN, benchFamilies, familyDerived, familyFailures, familySpecs, familyTable } from './lib/families.mjs';
import { VARIANTS, benchGemmInterleaved, gradlabSpecs, median, relDiff, rnnFlops, sampleIndex } from './lib/common.mjs';
import { GEMM128_BATCH, gemm128Maker, gradlabGemm, loadGemmModule } from './lib/gemm.mjs';
import { gradlabStep } from './lib/sessions.mjs';
import { serve } from './lib/server.mjs';
import { STEP_PLAN, benchSteps } from './lib/steps.mjs';
import { nodeTfWasm, tfGemm, tfStep } from './lib/tfjs.mjs';
import { benchVariantsNode } from './lib/variants-node.mjs';
import { ortFailures, ortTables, ortTargets } from './lib/ort.mjs';
import { ortNode } from './lib/ort-node.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const args = process.argv.slice(2);
const flag = (f) => args.includes(f);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
if (only !== null && !['variants', 'families', 'ort'].includes(only)) throw new Error(`--only: the figures that run alone are "variants", "families" and "ort", found "${only}"`);
const outFile = args.includes('--out') ? path.resolve(args[args.indexOf('--out') + 1])
  : path.join(root, only ? `build/bench-results-${only}.json` : 'build/bench-results.json');
const builtDir = path.join(root, 'build/wasm/bindings/wasm');
const moduleDir = path.join(root, 'build/bench-compare/module');  // a snapshot: others rebuild build/wasm meanwhile
// A module with f32x4.relaxed_madd: does this node run the relaxed flavour (node 20: with
// --experimental-wasm-relaxed-simd)? The bytes of bindings/wasm/load.mjs's probe.
const { relaxedSimdSupported } = await import(path.join(root, 'bindings/wasm/load.mjs'));
const flavour = args.includes('--flavour') ? args[args.indexOf('--flavour') + 1] : relaxedSimdSupported() ? 'relaxed' : 'simd';
if (!['relaxed', 'simd'].includes(flavour)) throw new Error(`--flavour: relaxed or simd, found "${flavour}"`);
if (flavour === 'relaxed' && !relaxedSimdSupported()) throw new Error(`--flavour relaxed: node ${process.version} has no relaxed SIMD (node 20: run it with --experimental-wasm-relaxed-simd, as run.sh does)`);
const gemmWasm = path.join(moduleDir, 'gemm_bench.wasm');  // the snapshot's, of this flavour
const gemmBuilt = path.join(root, `build/bench-wasm/gemm_bench${flavour === 'relaxed' ? '_relaxed' : ''}.wasm`);
const nativeBin = path.join(root, 'build/native-bench/tests/bench/compare_native');
const TOL = 1e-4;  // max |a - b| / max |b| allowed between implementations
const log = (m) => process.stderr.write(`[compare] ${m}\n`);
const strip = (rows) => rows.map(({ C, ...r }) => r);
// table helpers
const f = (x, d = 1) => (x == null || !Number.isFinite(x) ? '-' : x.toFixed(d));
const pad = (s, w) => String(s).padStart(w);
const line = (cells, widths) => '| ' + cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : pad(c, widths[i]))).join(' | ') + ' |';
const table = (head, rows) => {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  return [line(head, w), '|' + w.map((x, i) => (i === 0 ? ':' : '') + '-'.repeat(x + 1) + (i === 0 ? '' : ':')).join('|') + '|', ...rows.map((r) => line(r, w))].join('\n');
};

const cpuModel = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? 'unknown';
const results = {
  date: new Date().toISOString(),
  machine: { nproc: Number(execFileSync('nproc').toString().trim()), cpu: cpuModel, loadavg_start: os.loadavg(),
    node: process.version, chromium: null },
  flavour,
  flops_formula: 'LSTM/GRU: 2*T*B*(2*G*H*I + 3*G*H*H + 3*H*V), G = 4 (LSTM) / 3 (GRU); GEMM: 2*n^3',
};
const failures = [];

// ---- snapshot the Session modules (wait until no file changed for 20 s, copy, check again)
{
  const files = [`gradlab-${flavour}.mjs`, `gradlab-${flavour}.wasm`, `gradlab-${flavour}-node.cjs`, `gradlab-${flavour}-node.wasm`];
  const stamp = () => files.map((f) => fs.statSync(path.join(builtDir, f)).mtimeMs);
  for (let tries = 0; ; ++tries) {
    const before = stamp();
    const age = Date.now() - Math.max(...before);
    if (age < 20000) {
      if (tries > 90) throw new Error(`${builtDir} keeps changing (a rebuild in progress?)`);
      log(`the Session module changed ${Math.round(age / 1000)} s ago (a rebuild?); waiting`);
      await new Promise((r) => setTimeout(r, 10000));
      continue;
    }
    fs.rmSync(moduleDir, { recursive: true, force: true });
    fs.mkdirSync(moduleDir, { recursive: true });
    for (const f of files) fs.copyFileSync(path.join(builtDir, f), path.join(moduleDir, f));
    if (stamp().every((t, i) => t === before[i])) break;
  }
  // The names the pages, workers and this script load: this flavour's files.
  fs.writeFileSync(path.join(moduleDir, 'gradlab.mjs'), `export { default } from './gradlab-${flavour}.mjs';\n`);
  fs.writeFileSync(path.join(moduleDir, 'gradlab-node.cjs'), `module.exports = require('./gradlab-${flavour}-node.cjs');\n`);
  if (only !== 'variants' && only !== 'families') fs.copyFileSync(gemmBuilt, gemmWasm);
  results.module = { source: path.relative(root, builtDir), built: new Date(Math.max(...stamp())).toISOString() };
  log(`Session module snapshot (built ${results.module.built}) -> ${path.relative(root, moduleDir)}`);
}

// ---- K variants in parallel against one after another (lib/variants.mjs)
const VARIANT_PLAN = { spec: 'examples/adding-lstm.json', ks: [2, 4], steps: 100, reps: 3 };
const VARIANT_TARGET = 0.6;  // K = 2 on 2 cores: parallel time <= 0.6 of one after another
const variantSpecText = fs.readFileSync(path.join(root, VARIANT_PLAN.spec), 'utf8');
const launchChromium = () => chromiumOf().then((chromium) => chromium.launch({
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
}));
async function chromiumOf() { return (await import('playwright-core')).chromium; }
const variantsNode = () => {
  log(`variants (node worker_threads): ${VARIANT_PLAN.spec}, K = ${VARIANT_PLAN.ks.join(', ')}, ${VARIANT_PLAN.steps} steps each`);
  return benchVariantsNode(path.join(moduleDir, 'gradlab-node.cjs'), variantSpecText, { ...VARIANT_PLAN, log: (m) => log(`  ${m}`) });
};
async function variantsChromium(browser, base) {
  log(`variants (Chromium module workers, variants.html): ${VARIANT_PLAN.spec}`);
  const q = `spec=/${VARIANT_PLAN.spec}&steps=${VARIANT_PLAN.steps}&reps=${VARIANT_PLAN.reps}&ks=${VARIANT_PLAN.ks.join(',')}`;
  return pageResult(browser, `${base}/tests/bench/compare/web/variants.html?${q}`, '__variants');
}
const loadTfWasm = () => nodeTfWasm(path.join(here, 'node_modules/@tensorflow/tfjs-backend-wasm/dist'));
// Figure 6 in node: the check, then gradlab and tfjs-wasm interleaved (lib/families.mjs).
async function familiesNode(gradlab, tf) {
  log('node: newer families (Transformer, diffusion), gradlab wasm (Session) and tfjs-wasm ops interleaved');
  const r = await benchFamilies(gradlab, { tfjs_wasm: tf }, { log });
  failures.push(...familyFailures(r.check, 'node'));
  return r;
}
// A page in a fresh context: waits for window[key] (its results) and returns it; its
// `[bench]` console lines go to the log.
async function pageResult(browser, url, key) {
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    page.on('console', (m) => { if (m.text().startsWith('[bench]')) log(`  page: ${m.text()}`); });
    page.on('pageerror', (e) => log(`  page error: ${e}`));
    await page.goto(url);
    await page.waitForFunction((k) => window[k], key, { timeout: 20 * 60 * 1000, polling: 500 });
    const r = await page.evaluate((k) => window[k], key);
    if (r.error) throw new Error(`${new URL(url).pathname}: ${r.error}`);
    return r;
  } finally {
    await ctx.close();
  }
}
// web/bench.html (query: '' or '?only=families'): its window.__results.
const benchPage = (browser, base, query) => pageResult(browser, `${base}/tests/bench/compare/web/bench.html${query}`, '__results');
/** Target rows (parallel / one after another, lower is better) and cross-check failures. */
function variantTargets(v, targets, failures) {
  for (const [where, r] of [['node worker_threads', v.node], ['Chromium workers', v.chromium]]) {
    if (!r) continue;
    for (const m of r.mismatch) failures.push(`variants (${where}): ${m}`);
    const row = r.rows.find((x) => x.K === 2);
    if (row) targets.push({ target: `2 variants in parallel (${where}) <= ${VARIANT_TARGET} of one after another`, value: row.ratio, best: row.ratio_best,
      met: row.ratio <= VARIANT_TARGET, met_best: row.ratio_best <= VARIANT_TARGET });
  }
}
function variantTable(v, f, table) {
  const rows = [];
  for (const [where, r] of [['node', v.node], ['chromium', v.chromium]])
    for (const x of r?.rows ?? []) rows.push([`${where} K=${x.K}`, f(x.sequential_ms, 0), f(x.parallel_ms, 0), f(x.ratio, 2), f(x.ratio_best, 2), f(1 / x.K, 2),
      x.sequential_cores == null ? '-' : `${f(x.sequential_cores, 2)} / ${f(x.parallel_cores, 2)}`]);
  return `K variants (${VARIANT_PLAN.spec}, learning rates lr, lr/2, 2 lr, lr/4; ${VARIANT_PLAN.steps} steps each, sessions created in the timing), ms, median of ${VARIANT_PLAN.reps} alternating rounds; ` +
    `every variant's last loss is the same both ways (checked)\n` +
    table(['where', 'one after another (1 worker)', 'all at once (K workers)', 'parallel / sequential', 'fastest rounds', 'ideal on K cores', 'cores busy (seq / par)'], rows) +
    '\n"cores busy" = the process\'s CPU time / wall time (node only): on a loaded machine the time ratio cannot reach 1/K, the cores busy say whether the variants ran at the same time';
}

// A figure run alone (--only): print its table and results.targets, write the JSON, exit (1 on a failed cross-check).
const metCell = (m) => (m == null ? 'not run' : m ? 'yes' : 'NO');
function finishAlone(title, body) {
  const out = [`${title}, ${results.date}`,
    `machine: ${results.machine.nproc} cores, ${results.machine.cpu}; node ${process.version}; Chromium ${results.machine.chromium ?? '-'}; load average ${results.machine.loadavg_start.map((x) => x.toFixed(1)).join(' ')} at start, ${results.machine.loadavg_end.map((x) => x.toFixed(1)).join(' ')} at end`,
    '', body, '\nTargets',
    table(['target', 'medians', 'met', 'fastest batches', 'met'], results.targets.map((t) => [t.target, f(t.value, 2), metCell(t.met), f(t.best, 2), metCell(t.met_best)]))];
  console.log(out.join('\n'));
  results.table = out.join('\n');
  results.failures = failures;
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, JSON.stringify(results, null, 2) + '\n');
  log(`results: ${outFile}`);
  if (failures.length) {
    console.error('\nCROSS-CHECK FAILED:\n' + failures.join('\n'));
    process.exit(1);
  }
  process.exit(0);
}

if (only === 'variants') {
  results.variants = { plan: VARIANT_PLAN, node: await variantsNode(), chromium: null };
  if (!flag('--no-browser')) {
    const { server, port } = await serve(root);
    const browser = await launchChromium();
    results.machine.chromium = browser.version();
    try {
      results.variants.chromium = await variantsChromium(browser, `http://127.0.0.1:${port}`);
    } finally {
      await browser.close();
      server.close();
    }
  }
  results.machine.loadavg_end = os.loadavg();
  const targets = [];
  variantTargets(results.variants, targets, failures);
  results.targets = targets;
  finishAlone('gradlab variants in parallel', variantTable(results.variants, f, table));
}

// ---- the newer families alone (--only families): node, then Chromium (bench.html?only=families)
if (only === 'families') {
  const gradlab = await createRequire(import.meta.url)(path.join(moduleDir, 'gradlab-node.cjs'))();
  results.families = { node: await familiesNode(gradlab, (await loadTfWasm()).tf) };
  if (!flag('--no-browser')) {
    const { server, port } = await serve(root);
    const browser = await launchChromium();
    results.machine.chromium = browser.version();
    try {
      log('Chromium: newer families (bench.html?only=families)');
      results.families.chromium = (await benchPage(browser, `http://127.0.0.1:${port}`, '?only=families')).families;
      failures.push(...familyFailures(results.families.chromium?.check, 'Chromium'));
    } finally {
      await browser.close();
      server.close();
    }
  }
  results.machine.loadavg_end = os.loadavg();
  results.families.derived = familyDerived(results.families);
  results.targets = [];  // issue 14 sets no goal for these two steps
  finishAlone('gradlab newer families vs TensorFlow.js ops', familyTable(results.families, results.families.derived, f, table));
}

// fn(browser, base URL) with the static server and Chromium up, both closed after.
async function withChromium(fn) {
  const { server, port } = await serve(root);
  const browser = await launchChromium();
  results.machine.chromium = browser.version();
  try {
    return await fn(browser, `http://127.0.0.1:${port}`);
  } finally {
    await browser.close();
    server.close();
  }
}

// ---- onnxruntime-web alone (--only ort): node, then Chromium (bench.html?only=ort)
if (only === 'ort') {
  const gradlab = await createRequire(import.meta.url)(path.join(moduleDir, 'gradlab-node.cjs'))();
  results.node = { ort: await ortNode(await loadGemmModule(fs.readFileSync(gemmWasm)), gradlab, gradlabSpecs().lstm, log) };
  if (!flag('--no-browser')) {
    log('Chromium: onnxruntime-web (bench.html?only=ort)');
    results.chromium = { ort: (await withChromium((browser, base) => benchPage(browser, base, '?only=ort'))).ort };
  }
  results.machine.loadavg_end = os.loadavg();
  const places = [['node', results.node.ort], ['Chromium', results.chromium?.ort]];
  failures.push(...places.flatMap(([w, r]) => ortFailures(w, r, TOL)));
  results.targets = ortTargets(places);
  finishAlone('gradlab vs onnxruntime-web', ortTables(places, f, table));
}

// ---- specs (the same objects for wasm; files for native)
const specs = gradlabSpecs();
const specDir = path.join(root, 'build/bench-compare/specs');
fs.mkdirSync(specDir, { recursive: true });
for (const [k, v] of Object.entries({ ...specs, ...familySpecs() })) fs.writeFileSync(path.join(specDir, `${k}.json`), JSON.stringify(v));

// ---- native
log('gradlab native (release)');
{
  const r = spawnSync(nativeBin, [specDir], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${nativeBin} failed: ${r.stderr}`);
  results.native = JSON.parse(r.stdout);
}

// ---- node: gradlab wasm against tfjs-wasm (interleaved), then tfjs-cpu alone
const require = createRequire(import.meta.url);
const gradlab = await require(path.join(moduleDir, 'gradlab-node.cjs'))();
const gemmModule = await loadGemmModule(fs.readFileSync(gemmWasm));
const { tf, tfWasm } = await loadTfWasm();
log('node: GEMM, gradlab wasm and tfjs-wasm interleaved');
const g1 = await benchGemmInterleaved({ gradlab: gradlabGemm(gemmModule), tfjs_wasm: tfGemm(tf) });
log('node: training steps, gradlab wasm (Session) and tfjs-wasm interleaved');
const s1 = await benchSteps({ gradlab: (m) => gradlabStep(gradlab, specs[m]), tfjs_wasm: (m) => tfStep(tf, m), gemm128: gemm128Maker(gemmModule) }, { log });
results.node = {
  gradlab: { flavour: gradlab.flavour(), gemm: strip(g1.gradlab), steps: s1.gradlab, gemm128_during_steps: s1.gemm128 },
  tfjs_wasm: { version: tf.version.tfjs, simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), threads: tfWasm.getThreadsCount(),
    gemm: strip(g1.tfjs_wasm), steps: s1.tfjs_wasm },
};
const tfRuns = { wasm: g1.tfjs_wasm };
results.families = { node: await familiesNode(gradlab, tf), native: results.native.steps };
if (!flag('--no-ort')) results.node.ort = await ortNode(gemmModule, gradlab, specs.lstm, log);
results.variants = { plan: VARIANT_PLAN, node: await variantsNode(), chromium: null };
if (!flag('--no-tfjs-cpu')) {
  await tf.setBackend('cpu');
  await tf.ready();
  log('node: GEMM and training steps, tfjs-cpu');
  const g2 = await benchGemmInterleaved({ tfjs_cpu: tfGemm(tf) }, { reps: 5 });
  const s2 = await benchSteps({ tfjs_cpu: (m) => tfStep(tf, m) }, {
    log, plan: { ...STEP_PLAN, lstm: { reps: 3, targetMs: 1, warmup: 1 }, gru: { reps: 3, targetMs: 1, warmup: 1 } } });
  results.node.tfjs_cpu = { version: tf.version.tfjs, gemm: strip(g2.tfjs_cpu), steps: s2.tfjs_cpu };
  Object.assign(results.families.node.steps, (await benchFamilies(gradlab, { tfjs_cpu: tf }, { log, plan: FAMILY_CPU_PLAN, check: false, withGradlab: false })).steps);
  tfRuns.cpu = g2.tfjs_cpu;
}
const glGemm = g1.gradlab;

// ---- cross-check GEMM results
const check = [];
glGemm.forEach((g, k) => {
  const row = { n: g.n, variant: g.variant };
  for (const [b, rows] of Object.entries(tfRuns)) row[`vs_tfjs_${b}`] = relDiff(g.C, rows[k].C);
  const nat = results.native.gemm.find((r) => r.n === g.n && r.variant === g.variant);
  const mine = nat.sample.map((_, i) => g.C[sampleIndex(i, g.C.length)]);
  row.vs_native_sampled = relDiff(mine, nat.sample);
  check.push(row);
  for (const [key, v] of Object.entries(row)) if (key.startsWith('vs_') && !(v <= TOL)) failures.push(`GEMM ${g.variant} n=${g.n}: gradlab-wasm ${key} max rel diff ${v}`);
});
results.gemm_check = check;
for (const r of results.native.gemm) delete r.sample;

// ---- Chromium
if (!flag('--no-browser')) {
  const { server, port } = await serve(root);
  const base = `http://127.0.0.1:${port}`;
  const browser = await launchChromium();
  results.machine.chromium = browser.version();
  try {
    log('Chromium: gradlab wasm and tfjs-wasm (bench.html)');
    const r = await benchPage(browser, base, flag('--no-ort') ? '?ort=0' : '');
    results.chromium = r;
    results.families.chromium = r.families;
    failures.push(...familyFailures(r.families?.check, 'Chromium'));
    for (const c of r.check ?? []) if (!(c.rel <= TOL)) failures.push(`Chromium GEMM ${c.variant} n=${c.n}: gradlab vs tfjs-wasm max rel diff ${c.rel}`);

    log('Chromium: cold start (coldstart.html, fresh context each time)');
    const runs = [];
    for (let i = 0; i < 5; ++i) {
      const c = await browser.newContext();
      const p = await c.newPage();
      await p.goto(`${base}/tests/bench/compare/web/coldstart.html?flavour=${flavour}`);
      await p.waitForFunction(() => window.__coldstart, null, { timeout: 60000, polling: 10 });
      const cs = await p.evaluate(() => window.__coldstart);
      if (cs.error) throw new Error(`coldstart.html: ${cs.error}`);
      runs.push(cs);
      await c.close();
    }
    const med = (k) => median(runs.map((x) => x[k]));
    results.cold_start = { runs, median: Object.fromEntries(Object.keys(runs[0]).filter((k) => k.endsWith('_ms')).map((k) => [k, med(k)])) };
    results.variants.chromium = await variantsChromium(browser, base);
  } finally {
    await browser.close();
    server.close();
  }
}

// ---- sizes of what the browser loads
results.sizes = Object.fromEntries([`gradlab-${flavour}.wasm`, `gradlab-${flavour}.mjs`].map((f) => {
  const b = fs.readFileSync(path.join(moduleDir, f));
  return [f, { raw: b.length, gzip9: zlib.gzipSync(b, { level: 9 }).length }];
}));
results.machine.loadavg_end = os.loadavg();

// ---- derived numbers and targets (each from medians, and from the fastest batches)
const gemmOf = (rows, n, v, key = 'gflops') => rows?.find((r) => r.n === n && r.variant === v)?.[key];
const glNode = results.node.gradlab.gemm, nat = results.native.gemm, tfw = results.node.tfjs_wasm.gemm;
const C = results.chromium;
const targets = [];
// A goal not measured in this run (e.g. --no-browser) keeps its row: value null, met null ("not run").
const target = (name, f, min) => {
  const value = f('gflops', 'ms'), best = f('gflops_best', 'best');
  const ok = (x) => (Number.isFinite(x) ? x >= min : null);
  targets.push({ target: name, value: Number.isFinite(value) ? value : null, best: Number.isFinite(best) ? best : null, met: ok(value), met_best: ok(best) });
};
for (const v of VARIANTS) {
  target(`GEMM ${v} n=256 wasm >= 1.25x tfjs-wasm (node)`, (k) => gemmOf(glNode, 256, v, k) / gemmOf(tfw, 256, v, k), 1.25);
  if (C?.tfjs_wasm) target(`GEMM ${v} n=256 wasm >= 1.25x tfjs-wasm (Chromium)`, (k) => gemmOf(C.gradlab.gemm, 256, v, k) / gemmOf(C.tfjs_wasm.gemm, 256, v, k), 1.25);
  target(`GEMM ${v} n=256 wasm (node) >= 25% of native`, (k) => gemmOf(glNode, 256, v, k) / gemmOf(nat, 256, v, k), 0.25);
  if (C) target(`GEMM ${v} n=256 wasm (Chromium) >= 25% of native`, (k) => gemmOf(C.gradlab.gemm, 256, v, k) / gemmOf(nat, 256, v, k), 0.25);
}
const steps = {};
for (const m of ['lstm', 'gru']) {
  const flops = rnnFlops(m);
  // "of_gemm128": the step's rate over gradlab's GEMM n=128 NN rate timed interleaved with the steps
  // (same load); "of_gemm128_table": over the GEMM table's n=128 NN rate (timed earlier).
  const entry = (st, gemmRows, g128) => {
    if (!st) return null;
    const e = { ms: st.ms, best: st.best, gflops: flops / (st.ms * 1e6), gflops_best: st.best ? flops / (st.best * 1e6) : null };
    if (gemmRows) {
      e.of_gemm128_table = e.gflops / gemmOf(gemmRows, 128, 'NN');
      e.of_gemm128 = e.of_gemm128_table;
      e.of_gemm128_best = e.gflops_best / gemmOf(gemmRows, 128, 'NN', 'gflops_best');
    }
    if (g128) {
      const rate = (ms) => (g128.batch ?? GEMM128_BATCH) * (2 * 128 ** 3) / (ms * 1e6);
      e.gemm128_gflops = rate(g128.ms);
      e.of_gemm128 = e.gflops / rate(g128.ms);
      e.of_gemm128_best = e.gflops_best / rate(g128.best);
    }
    return e;
  };
  steps[m] = {
    gflop: flops / 1e9,
    gradlab_wasm_node: entry(results.node.gradlab.steps[m], glNode, results.node.gradlab.gemm128_during_steps?.[m]),
    gradlab_wasm_chromium: entry(C?.gradlab?.steps?.[m], C?.gradlab?.gemm, C?.gradlab?.gemm128_during_steps?.[m]),
    gradlab_native: entry(results.native.steps[m], nat, results.native.gemm128_during_steps?.[m]),
    tfjs_wasm_node: entry(results.node.tfjs_wasm.steps[m]),
    tfjs_cpu_node: entry(results.node.tfjs_cpu?.steps?.[m]),
    tfjs_wasm_chromium: entry(C?.tfjs_wasm?.steps?.[m]),
  };
  const s = steps[m];
  // What the 20x rows can reach at most in this run: the step's GEMM FLOPs alone, at the GEMM
  // n=128 rate timed between the steps (a step at 100% of its own GEMM rate), against tfjs-wasm.
  const ceiling = (gl, tf) => (gl?.gemm128_gflops && tf ? tf.ms / (flops / (gl.gemm128_gflops * 1e6)) : null);
  s.gemm_only_ceiling_vs_tfjs_wasm = { node: ceiling(s.gradlab_wasm_node, s.tfjs_wasm_node), chromium: ceiling(s.gradlab_wasm_chromium, s.tfjs_wasm_chromium) };
  const faster = (k) => Math.min(s.tfjs_wasm_node[k], s.tfjs_cpu_node?.[k] ?? Infinity);
  s.speedup_vs_faster_tfjs_node = faster('ms') / s.gradlab_wasm_node.ms;
  const M = m.toUpperCase();
  // Issue 14's goals: >= 20x tfjs-wasm in node and in Chromium; >= 60% of the same build's GEMM
  // n=128 rate (timed interleaved with the steps) in node and in Chromium.
  target(`${M} step wasm (node) >= 20x tfjs-wasm (node)`, (g, k) => s.tfjs_wasm_node[k] / s.gradlab_wasm_node[k], 20);
  target(`${M} step wasm (Chromium) >= 20x tfjs-wasm (Chromium)`, (g, k) => s.tfjs_wasm_chromium?.[k] / s.gradlab_wasm_chromium?.[k], 20);
  target(`${M} step wasm (node) >= 60% of its own GEMM n=128 NN rate`, (g, k) => (k === 'ms' ? s.gradlab_wasm_node.of_gemm128 : s.gradlab_wasm_node.of_gemm128_best), 0.6);
  target(`${M} step wasm (Chromium) >= 60% of its own GEMM n=128 NN rate`, (g, k) => (k === 'ms' ? s.gradlab_wasm_chromium?.of_gemm128 : s.gradlab_wasm_chromium?.of_gemm128_best), 0.6);
  target(`${M} step native >= 60% of native GEMM n=128 NN rate (reference)`, (g, k) => (k === 'ms' ? s.gradlab_native.of_gemm128 : s.gradlab_native.of_gemm128_best), 0.6);
}
{
  // Cold start: page load -> first finished training step in Chromium <= 300 ms (median of the
  // fresh contexts; "fastest" = the quickest one). Lower is better.
  const cs = results.cold_start?.runs?.map((x) => x.first_step_ms);
  const value = cs ? median(cs) : null, best = cs ? Math.min(...cs) : null;
  targets.push({ target: 'first training step <= 300 ms after page load (Chromium cold start, xor.json)', unit: 'ms', value, best,
    met: value == null ? null : value <= 300, met_best: best == null ? null : best <= 300 });
}
variantTargets(results.variants, targets, failures);
const ortPlaces = [['node', results.node.ort], ['Chromium', C?.ort]];
targets.push(...ortTargets(ortPlaces));
failures.push(...ortPlaces.flatMap(([w, r]) => ortFailures(w, r, TOL)));
results.recurrent = steps;
if (results.families) results.families.derived = familyDerived(results.families);
results.targets = targets;
results.failures = failures;
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, JSON.stringify(results, null, 2) + '\n');

// ---- tables
const out = [];
out.push(`gradlab vs TensorFlow.js ${results.node.tfjs_wasm.version}, ${results.date}`);
out.push(`machine: ${results.machine.nproc} cores, ${results.machine.cpu}; node ${process.version}; Chromium ${results.machine.chromium ?? '-'}; load average ${results.machine.loadavg_start.map((x) => x.toFixed(1)).join(' ')} at start, ${results.machine.loadavg_end.map((x) => x.toFixed(1)).join(' ')} at end`);
out.push(`gradlab wasm: the ${flavour} flavour (node and Chromium); gradlab native kernels: ${results.native.kernel_backend}; tfjs-wasm: SIMD ${results.node.tfjs_wasm.simd}, ${results.node.tfjs_wasm.threads} thread(s)`);
out.push('\nGEMM f32, square n, GFLOP/s (median of 9 repetitions; gradlab and tfjs-wasm interleaved); ratios in the same run');
out.push(table(['n op', 'gl wasm node', 'gl wasm chromium', 'gl native', 'tfjs-wasm node', 'tfjs-wasm chromium', 'tfjs-cpu node', 'gl/tfjs-wasm node', 'gl/tfjs-wasm chromium', 'gl wasm/native', 'max rel diff'],
  glNode.map((g) => {
    const v = g.variant, n = g.n, ck = check.find((c) => c.n === n && c.variant === v);
    const worst = Math.max(...Object.entries(ck).filter(([k]) => k.startsWith('vs_')).map(([, x]) => x), ...(C?.check ? [C.check.find((c) => c.n === n && c.variant === v).rel] : []));
    return [`${n} ${v}`, f(g.gflops), f(gemmOf(C?.gradlab?.gemm, n, v)), f(gemmOf(nat, n, v)), f(gemmOf(tfw, n, v)), f(gemmOf(C?.tfjs_wasm?.gemm, n, v)),
      f(gemmOf(results.node.tfjs_cpu?.gemm, n, v), 2), f(g.gflops / gemmOf(tfw, n, v), 2) + 'x',
      C?.tfjs_wasm ? f(gemmOf(C.gradlab.gemm, n, v) / gemmOf(C.tfjs_wasm.gemm, n, v), 2) + 'x' : '-', f((100 * g.gflops) / gemmOf(nat, n, v), 0) + '%', worst.toExponential(1)];
  })));
out.push(`\nTraining step, ms (median): LSTM/GRU B=32 T=50 I=64 H=128 V=64 softmax CE, SGD; effective GFLOP/s = GEMM FLOPs (${(steps.lstm.gflop).toFixed(3)} / ${(steps.gru.gflop).toFixed(3)} GFLOP per step) / time; "%" = that rate over the same build's GEMM n=128 NN rate, timed interleaved with the steps`);
const cell = (e) => (e ? `${f(e.ms, 1)} (${f(e.gflops, 1)}${e.of_gemm128 != null ? `, ${f(100 * e.of_gemm128, 0)}%` : ''})` : '-');
out.push(table(['step', 'gl wasm node', 'gl wasm chromium', 'gl native', 'tfjs-wasm node', 'tfjs-cpu node', 'tfjs-wasm chromium', 'speedup vs faster tfjs (node)'],
  ['lstm', 'gru'].map((m) => [m.toUpperCase(), cell(steps[m].gradlab_wasm_node), cell(steps[m].gradlab_wasm_chromium), cell(steps[m].gradlab_native),
    cell(steps[m].tfjs_wasm_node), cell(steps[m].tfjs_cpu_node), cell(steps[m].tfjs_wasm_chromium), f(steps[m].speedup_vs_faster_tfjs_node, 1) + 'x'])));
out.push('cells: ms (effective GFLOP/s, % of own GEMM n=128 NN); GEMM n=128 NN during the steps, GFLOP/s: ' +
  ['lstm', 'gru'].map((m) => `${m} wasm node ${f(steps[m].gradlab_wasm_node?.gemm128_gflops)}, wasm chromium ${f(steps[m].gradlab_wasm_chromium?.gemm128_gflops)}, native ${f(steps[m].gradlab_native?.gemm128_gflops)}`).join('; '));
out.push('ceiling of the 20x rows: tfjs-wasm\'s step over the step\'s GEMM FLOPs alone at that GEMM n=128 rate (a step that is all GEMM), node / Chromium: ' +
  ['lstm', 'gru'].map((m) => `${m} ${f(steps[m].gemm_only_ceiling_vs_tfjs_wasm.node, 1)}x / ${f(steps[m].gemm_only_ceiling_vs_tfjs_wasm.chromium, 1)}x`).join('; '));
out.push('\nSmall models, per training step (per-call overhead), microseconds (median)');
const us = (x) => (x == null ? '-' : f(x * 1000, 0));
out.push(table(['model', 'gl wasm node', 'gl wasm chromium', 'gl native', 'tfjs-wasm node', 'tfjs-cpu node', 'tfjs-wasm chromium', 'faster tfjs / gl wasm (node)'],
  [['mlp', 'MLP 2-8-8-1 tanh, batch 10, SGD, MSE'], ['gan', 'GAN 2-D, G and D 3x64 ReLU, batch 128, Adam (one D + one G update)']].map(([m, label]) => {
    const tfBest = Math.min(results.node.tfjs_wasm.steps[m].ms, results.node.tfjs_cpu?.steps?.[m]?.ms ?? Infinity);
    return [label, us(results.node.gradlab.steps[m].ms), us(C?.gradlab?.steps?.[m]?.ms), us(results.native.steps[m].ms),
      us(results.node.tfjs_wasm.steps[m].ms), us(results.node.tfjs_cpu?.steps?.[m]?.ms), us(C?.tfjs_wasm?.steps?.[m]?.ms), f(tfBest / results.node.gradlab.steps[m].ms, 1) + 'x'];
  })));
if (results.node.ort) out.push('\n' + ortTables(ortPlaces, f, table));
out.push('\nCold start (browser module as built now)');
out.push(table(['file', 'raw bytes', 'gzip -9 bytes'], Object.entries(results.sizes).map(([k, v]) => [k, v.raw.toLocaleString('en'), v.gzip9.toLocaleString('en')])
  .concat([['total', Object.values(results.sizes).reduce((a, v) => a + v.raw, 0).toLocaleString('en'), Object.values(results.sizes).reduce((a, v) => a + v.gzip9, 0).toLocaleString('en')]])));
if (results.cold_start) {
  const m = results.cold_start.median;
  out.push(`Chromium, page load -> first finished training step (xor.json, module worker, fresh context, local server), median of ${results.cold_start.runs.length}: ` +
    `${f(m.first_step_ms, 0)} ms (worker started ${f(m.worker_started_ms, 0)}, module imported ${f(m.module_imported_ms, 0)}, instance ready ${f(m.instance_ready_ms, 0)}, session ${f(m.session_created_ms, 0)}, step done ${f(m.step_done_ms, 0)})`);
}
out.push('\n' + variantTable(results.variants, f, table));
out.push('\n' + familyTable(results.families, results.families.derived, f, table));
out.push('\nTargets');
const tv = (t, x) => (t.unit === 'ms' && x != null ? `${f(x, 0)} ms` : f(x, 2));
out.push(table(['target', 'medians', 'met', 'fastest batches', 'met'], targets.map((t) => [t.target, tv(t, t.value), metCell(t.met), tv(t, t.best), metCell(t.met_best)])));
console.log(out.join('\n'));
results.table = out.join('\n');
fs.writeFileSync(outFile, JSON.stringify(results, null, 2) + '\n');
log(`results: ${outFile}`);
if (failures.length) {
  console.error('\nCROSS-CHECK FAILED:\n' + failures.join('\n'));
  process.exit(1);
}
