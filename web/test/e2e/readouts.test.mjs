// Keyboard read-outs and data tables: every hover read-out of the plots (curve values, the
// decision field, histogram bars, attention cells, graph nodes) is reachable by keyboard. A
// focused chart takes the arrow keys, Home, End and Page keys; its polite live region
// (`.gl-cursor-readout`, aria-live) says what the tooltip shows at the cursor, and the text
// follows the keys. The Loss chart's "Table" lists the numbers the chart drew.
import { test } from 'node:test';
import { assert, useBrowser, openPage, openApp, poll, viewData, trainSteps, screenshot } from './helpers.mjs';

const env = useBrowser();
const VIEWPORT = { width: 1366, height: 768 };

/** The live read-out next to a canvas (its aria-describedby). */
async function readout(canvas) {
  const id = await canvas.getAttribute('aria-describedby');
  assert.ok(id, 'the focusable chart names its read-out (aria-describedby)');
  const out = canvas.page().locator(`[id="${id}"]`);
  assert.equal(await out.getAttribute('aria-live'), 'polite', 'the read-out is a polite live region');
  return (await out.textContent()) ?? '';
}

/** Presses `key` on the focused canvas and waits until its read-out changes; returns the new text. */
async function pressAndRead(canvas, key) {
  const before = await readout(canvas);
  await canvas.press(key);
  return poll(async () => {
    const now = await readout(canvas);
    return now !== before ? now : null;
  }, { timeout: 5_000, message: `the read-out changes after ${key}` });
}

test('curves, the field and histograms read out by keyboard; the Loss table equals the chart', { timeout: 120_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: VIEWPORT });
  await openApp(page, env, 'lesson=xor');
  await trainSteps(page, 20);
  // the chart drew the 20 steps (its `train` rows are there as the metrics arrive; the chart
  // redraws on a later frame, and the read-out and table below read the chart)
  const curves = await viewData(page, 'curves', (d) => (d.train?.length ?? 0) >= 20 && (d.drawn?.loss ?? []).some((s) => s.name === 'train loss (smoothed)' && s.points >= 20));
  const lossAt = new Map(curves.train.map((r) => [r.step, r.loss]));

  // the Loss chart: focus starts at the last step; Home goes to the first, → to the next
  const loss = page.locator('#curves canvas').first();
  await loss.focus();
  const last = await poll(async () => ((await readout(loss)).includes('train loss') ? readout(loss) : null), { timeout: 5_000, message: 'loss read-out' });
  t.diagnostic(`focus: ${last}`);
  assert.match(last, /step 20\b/, 'focus reads the latest step');
  const first = await pressAndRead(loss, 'Home');
  assert.match(first, /step 1\b/, 'Home reads the first step');
  const second = await pressAndRead(loss, 'ArrowRight');
  assert.match(second, /step 2\b/, '→ reads the next step');
  // the value read is the engine's loss at step 2 (4 significant digits)
  const at2 = lossAt.get(2);
  const shown = Number(/train loss \(raw\): ([-\d.e]+)/.exec(second)?.[1]);
  assert.ok(Math.abs(shown - at2) <= 1e-3 * Math.abs(at2), `read-out ${shown} is the step's loss ${at2}`);
  assert.ok(await page.locator('#curves .gl-tooltip:not([hidden])').first().isVisible(), 'the tooltip shows at the cursor too');
  await screenshot(page, 'readout-loss', page.locator('#curves'));

  // its table: one row per step, the losses the chart drew (the engine's metrics)
  const toggle = page.locator('#curves .gl-table-toggle').first();
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  const table = page.locator('#curves .gl-data-table table').first();
  await table.waitFor({ state: 'visible', timeout: 5_000 });
  const head = await table.locator('thead th').allTextContents();
  const col = head.indexOf('train loss (raw)');
  assert.ok(col > 0, `the table has the loss column (${head.join(' | ')})`);
  const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.dataset.value ?? c.textContent)));
  assert.equal(rows.length, 20, 'a row per step');
  for (const r of rows) assert.ok(Math.abs(Number(r[col]) - lossAt.get(Number(r[0]))) <= 1e-6 * Math.abs(lossAt.get(Number(r[0]))), `step ${r[0]}: table ${r[col]} = loss ${lossAt.get(Number(r[0]))}`);
  t.diagnostic(`loss table: ${rows.length} rows equal the engine's losses; head ${head.join(' | ')}`);

  // the decision field: a grid cursor; → and ↓ move it, the read-out names p(class 1)
  const field = page.locator('[data-view="field"] canvas').first();
  await field.focus();
  const f0 = await poll(async () => ((await readout(field)).length > 0 ? readout(field) : null), { timeout: 5_000, message: 'field read-out' });
  const f1 = await pressAndRead(field, 'ArrowRight');
  const f2 = await pressAndRead(field, 'ArrowDown');
  t.diagnostic(`field: ${f0} | ${f1} | ${f2}`);
  assert.match(f1, /p\(|class|value/i, 'the field read-out names the value at the point');

  // histograms (the lesson shows them): a bar per key press
  await viewData(page, 'histograms', (d) => JSON.stringify(d).length > 50);
  const hist = page.locator('[data-view="histograms"] .gl-histogram canvas').first();
  await hist.scrollIntoViewIfNeeded();
  await hist.focus();
  const h0 = await poll(async () => ((await readout(hist)).includes('values') ? readout(hist) : null), { timeout: 5_000, message: 'histogram read-out' });
  const h1 = await pressAndRead(hist, 'ArrowRight');
  const hEnd = await pressAndRead(hist, 'End');
  t.diagnostic(`histogram: ${h0} | ${h1} | ${hEnd}`);
  assert.match(h0, /^\[.*\).*\d+ values/, 'a bin range and its count');
  assert.match(hEnd, /\]/, 'End reads the last bin (closed on the right)');
  await page.assertClean();
});

test('attention cells and graph nodes read out by keyboard', { timeout: 120_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: VIEWPORT });
  await openApp(page, env, 'lesson=attention');
  const step = await trainSteps(page, 3);
  // the map of step 3 (the read-outs below are compared with the view's data read after them)
  const data = await viewData(page, 'attention', (d) => Array.isArray(d.weights) && d.weights.length > 1, { step });
  const map = page.locator('[data-view="attention"] canvas').first();
  await map.scrollIntoViewIfNeeded();
  await map.focus();
  const c0 = await poll(async () => ((await readout(map)).length > 0 ? readout(map) : null), { timeout: 5_000, message: 'attention read-out' });
  const c1 = await pressAndRead(map, 'ArrowDown');
  const c2 = await pressAndRead(map, 'ArrowRight');
  t.diagnostic(`attention: ${c0} | ${c1} | ${c2}`);
  // the cell read is row 1, column 1 and its weight is the view's
  assert.match(c2, /^[^;]*\(1\); [^;]*\(1\); /, 'row 1, column 1');
  const w = Number(/: ([-\d.e]+)$/.exec(c2)?.[1]);
  const fresh = await viewData(page, 'attention');
  assert.ok(Math.abs(w - fresh.weights[1][1]) <= 1e-3, `read-out ${w} = weights[1][1] ${fresh.weights[1][1]}`);
  assert.ok(data.weights.length > 1);
  await screenshot(page, 'readout-attention', page.locator('[data-view="attention"]'));

  // the computation graph: Tab reaches a node, ← → walk the nodes, the live read-out explains each
  await page.goto('about:blank');
  await openApp(page, env, 'lesson=backprop-by-hand');
  await viewData(page, 'graph', (d) => (d.nodes?.length ?? 0) > 2);
  const node = page.locator('[data-view="graph"] [data-node]').first();
  await node.focus();
  const out = page.locator('[data-view="graph"] .gl-readout');
  assert.equal(await out.getAttribute('aria-live'), 'polite');
  const n0 = await out.textContent();
  await page.keyboard.press('ArrowRight');
  const n1 = await poll(async () => ((await out.textContent()) !== n0 ? out.textContent() : null), { timeout: 5_000, message: 'graph read-out changes' });
  const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-node'));
  const second = await page.locator('[data-view="graph"] [data-node]').nth(1).getAttribute('data-node');
  assert.equal(focused, second, '→ moves focus to the next node');
  t.diagnostic(`graph: ${n0} | ${n1}`);
  await page.assertClean();
});

test("the network diagram's table lists every drawn weight and bias with the diagram's values", { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: VIEWPORT });
  await openApp(page, env, 'lesson=xor');
  await page.locator('select#add-view').selectOption('network-diagram');
  await trainSteps(page, 10);
  const d = await viewData(page, 'network-diagram', (v) => v.step === 10 && v.edges.length > 0);
  const view = page.locator('[data-view="network-diagram"]');
  await view.locator('.gl-table-toggle').click();
  const rows = await view.locator('.gl-data-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.dataset.value ?? c.textContent)));
  const weights = new Map(d.edges.map((e) => [`${e.param}[${e.row}, ${e.col}]`, e.weight]));
  const biases = new Map(d.units.filter((u) => u.bias_param).map((u) => [`${u.bias_param}[${u.index}]`, u.bias]));
  assert.equal(rows.length, weights.size + biases.size, `a row per edge (${weights.size}) and per bias (${biases.size})`);
  for (const [name, what, value] of rows) {
    const want = what === 'weight' ? weights.get(name) : biases.get(name);
    assert.equal(Number(value), want, `${name}: table = diagram`);
  }
  t.diagnostic(`network diagram table: ${weights.size} weights and ${biases.size} biases equal the diagram's`);
  await page.assertClean();
});

test("the unrolled graph writes a shared weight's gradient as the sum of its per-step contributions", { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=unrolled-rnn');
  const d = await viewData(page, 'graph', (x) => (x.shared?.length ?? 0) > 0, { timeout: 30_000 });
  // the scalar RNN over four steps: W_ih, W_hh and the two biases, each used at every step
  assert.ok(d.shared.length >= 2, `shared weights: ${d.shared.map((s) => s.name).join(', ')}`);
  for (const s of d.shared) {
    assert.equal(s.scalar, true, `${s.name} is one number`);
    assert.ok(s.parts.length >= 4, `${s.name}: one contribution per step (${s.parts.length})`);
    const sum = s.parts.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - s.engine) <= 1e-6 * Math.max(1, Math.abs(s.engine)), `${s.name}: the contributions add up to the engine's gradient (${sum} vs ${s.engine})`);
  }
  const lines = page.locator('[data-view="graph"] .gl-graph-sum');
  assert.equal(await lines.count(), d.shared.length, 'one written sum per shared weight under the graph');
  const first = await lines.first().textContent();
  t.diagnostic(first);
  assert.match(first, /^∂L\/∂\S+ = .+\(t=0\) .+\(t=3\) = .+; the engine's gradient: /);
  // pointing at the shared leaf's box says the same
  await page.locator(`[data-view="graph"] [data-node="${d.shared[0].node}"]`).focus();
  assert.equal(await page.locator('[data-view="graph"] .gl-readout').textContent(), d.shared[0].text);
  await screenshot(page, 'graph-shared-sums', page.locator('[data-view="graph"]'));
  await page.assertClean();
});

test("the image grid's and the filters' tables list what the tiles show", { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: VIEWPORT });
  await openApp(page, env, 'lesson=cnn-vs-mlp');
  for (const name of ['image-grid', 'filters']) {
    if ((await page.locator(`[data-card="${name}"]`).count()) === 0) await page.locator('select#add-view').selectOption(name);
    await page.locator(`[data-card="${name}"]`).waitFor({ state: 'visible', timeout: 15_000 });
  }
  const step = await trainSteps(page, 3);
  const rowsOf = async (name) => {
    const view = page.locator(`[data-view="${name}"]`);
    await view.locator('.gl-table-toggle').click();
    assert.equal(await view.locator('.gl-table-toggle').getAttribute('aria-expanded'), 'true');
    return view.locator('.gl-data-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.dataset.value ?? c.textContent)));
  };

  const grid = await viewData(page, 'image-grid', (v) => v.tiles?.length > 0 && v.tiles.some((x) => x.predicted !== null), { step });
  const gridRows = await rowsOf('image-grid');
  assert.equal(gridRows.length, grid.tiles.length, 'one row per image shown');
  grid.tiles.forEach((x, i) => {
    assert.deepEqual(gridRows[i].slice(0, 3), [String(x.index), x.target, x.predicted], `image ${x.index}: index, true label, prediction`);
    assert.equal(gridRows[i][3], x.correct ? 'yes' : 'no ✗');
  });
  t.diagnostic(`image grid table: ${gridRows.length} rows, ${gridRows.filter((r) => r[3] !== 'yes').length} wrong`);

  const f = await viewData(page, 'filters', (v) => v.tiles?.length > 0, { step });
  const fRows = await rowsOf('filters');
  assert.equal(fRows.length, f.tiles.length, 'one row per kernel');
  f.tiles.forEach((x, i) => {
    assert.equal(fRows[i][0], `${x.filter}.${x.channel}`);
    assert.equal(fRows[i].length, 2 + x.width * x.height, 'the bias and every weight of the kernel');
    x.weights.forEach((w, k) => assert.equal(Number(fRows[i][2 + k]), w, `kernel ${x.filter}.${x.channel} weight ${k}`));
  });
  t.diagnostic(`filters table: ${fRows.length} kernels of ${f.tiles[0].height}x${f.tiles[0].width}`);
  await screenshot(page, 'filters-table', page.locator('[data-card="filters"]'));
  await page.assertClean();
});
