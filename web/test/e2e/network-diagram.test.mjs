// The network diagram (view "network-diagram", issue 13): for the XOR lesson one edge per
// weight, each edge the engine's weight with a colour that follows its sign (before and after
// training), units filled by their biases, read-outs by hover and keyboard; an RNN as a cell
// with its loop (and unrolled on demand) before a summarised Linear layer; a GAN as its
// generator and critic, seq2seq with attention as blocks.
import fs from 'node:fs';
import { test } from 'node:test';
import { assert, useBrowser, openPage, openApp, viewData, readView, stepCount, trainSteps, screenshot, poll } from './helpers.mjs';
import { TASK_CPU_BUDGET_MS, describeLongest, report, traceMainThread } from './main-thread-cpu.mjs';

const env = useBrowser({ csp: true }); // the last test runs under the strict policy
const VIEWPORT = { width: 1366, height: 768 };

async function openDiagram(page) {
  await page.locator('select#add-view').selectOption('network-diagram');
  const card = page.locator('[data-card="network-diagram"]');
  await card.waitFor({ state: 'visible', timeout: 15_000 });
  return card;
}

/** The checkpoint the page downloads: the engine's own parameters by PyTorch name. */
async function checkpointParameters(page) {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.locator('#checkpoint-export').click()]);
  return JSON.parse(fs.readFileSync(await download.path(), 'utf8')).parameters;
}

function rgb(color) {
  const m = /^rgb\((\d+),(\d+),(\d+)\)$/.exec(color);
  assert.ok(m, `an rgb() colour (${color})`);
  return m.slice(1).map(Number);
}

/** Blue for a negative weight, red for a positive one (the diverging palette's ends). */
function colourSign(color) {
  const [r, , b] = rgb(color);
  return r > b ? 1 : b > r ? -1 : 0;
}

function checkAgainstEngine(d, params, what) {
  for (const e of d.edges) {
    const p = params[e.param];
    assert.ok(p, `${what}: the checkpoint has ${e.param}`);
    const inputs = p.shape[1];
    const w = p.data[e.row * inputs + e.col];
    assert.ok(Math.abs(e.weight - w) <= 1e-6 * Math.max(1, Math.abs(w)), `${what}: edge ${e.param}[${e.row}, ${e.col}] = ${e.weight} is the engine's ${w}`);
    assert.equal(e.sign, Math.sign(w), `${what}: the edge's sign is its weight's`);
    assert.equal(colourSign(e.color), Math.sign(w), `${what}: edge ${e.param}[${e.row}, ${e.col}] (w = ${w}) is ${e.color}: blue < 0 < red`);
  }
  for (const u of d.units.filter((u) => u.bias_param)) {
    const b = params[u.bias_param].data[u.index];
    assert.ok(Math.abs(u.bias - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${what}: unit ${u.index}'s bias ${u.bias} is the engine's ${b}`);
  }
}

test('network diagram: XOR has one edge per weight, coloured by the weight’s sign after training', { timeout: 120_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: VIEWPORT });
  await openApp(page, env, 'lesson=xor');
  assert.equal(await stepCount(page), 0);
  const card = await openDiagram(page);
  const d0 = await viewData(page, 'network-diagram', (v) => v.edges?.length > 0 && v.step === 0);

  // the weight count from another view (the histograms' parameter shapes), not from the diagram
  const hist = await viewData(page, 'histograms', (v) => v.parameters?.length > 0);
  const weightCount = hist.parameters.filter((p) => p.name.endsWith('.weight')).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  t.diagnostic(`weights ${weightCount}, edges drawn ${d0.edges_drawn}, diagram's weight_count ${d0.weight_count}`);
  assert.equal(weightCount, 2 * 8 + 8 * 2, 'the 2-8-2 MLP has 32 weights');
  assert.equal(d0.edges.length, weightCount, 'one edge per weight');
  assert.equal(d0.edges_drawn, weightCount);
  assert.equal(d0.weight_count, weightCount);
  assert.equal(new Set(d0.edges.map((e) => `${e.param}[${e.row},${e.col}]`)).size, weightCount, 'no weight drawn twice');
  assert.deepEqual(d0.columns.map((c) => [c.size, c.shown, c.more]), [[2, 2, 0], [8, 8, 0], [2, 2, 0]], 'columns: input 2, hidden 8, output 2, nothing summarised');
  assert.equal(d0.columns[1].activation, 'tanh', 'the hidden column says tanh');
  assert.equal(d0.units.length, 12, 'a unit per column entry');
  checkAgainstEngine(d0, await checkpointParameters(page), 'step 0');

  // training: the diagram follows the engine (live: it redraws from each new snapshot)
  await trainSteps(page, 150);
  const d1 = await viewData(page, 'network-diagram', (v) => v.step === 150);
  assert.equal(d1.edges.length, weightCount, 'still one edge per weight after training');
  checkAgainstEngine(d1, await checkpointParameters(page), 'step 150');
  const before = new Map(d0.edges.map((e) => [`${e.param}[${e.row},${e.col}]`, e]));
  const moved = d1.edges.filter((e) => e.weight !== before.get(`${e.param}[${e.row},${e.col}]`).weight);
  const flipped = d1.edges.filter((e) => e.sign !== before.get(`${e.param}[${e.row},${e.col}]`).sign);
  t.diagnostic(`after 150 steps: ${moved.length} of ${weightCount} edges changed value, ${flipped.length} changed sign: ${flipped.map((e) => `${e.param}[${e.row},${e.col}] ${before.get(`${e.param}[${e.row},${e.col}]`).color} -> ${e.color}`).join('; ')}`);
  assert.equal(moved.length, weightCount, 'every drawn weight was updated by training');
  assert.ok(flipped.length >= 1, 'some weight changed sign during training (its edge must change colour)');
  for (const e of flipped) assert.notEqual(colourSign(e.color), colourSign(before.get(`${e.param}[${e.row},${e.col}]`).color), `${e.param}[${e.row},${e.col}] changed colour with its sign`);
  // each hidden and output unit's activation over the plane (the engine's field of the model cut after its layer)
  const f = await viewData(page, 'network-diagram', (v) => v.unit_fields?.step === 150 && v.unit_fields.layers?.length === 2 && v.thumbnails === 10, { timeout: 30_000 });
  const params = await checkpointParameters(page);
  const W0 = params['layers.0.weight'].data;
  const b0 = params['layers.0.bias'].data;
  const W2 = params['layers.2.weight'].data;
  const b2 = params['layers.2.bias'].data;
  const { grid } = f.unit_fields;
  let worst = 0;
  for (const layer of f.unit_fields.layers) {
    for (const [iy, ix] of [[0, 0], [layer.ny - 1, layer.nx - 1], [7, 12]]) {
      const gx = ix * layer.stride;
      const gy = iy * layer.stride;
      const x = gx === layer.grid_nx - 1 ? grid.x_max : grid.x_min + ((grid.x_max - grid.x_min) * gx) / (layer.grid_nx - 1);
      const y = gy === layer.grid_ny - 1 ? grid.y_max : grid.y_min + ((grid.y_max - grid.y_min) * gy) / (layer.grid_ny - 1);
      const hidden = [...Array(8).keys()].map((j) => Math.tanh(W0[2 * j] * x + W0[2 * j + 1] * y + b0[j]));
      for (const u of layer.units) {
        const want = layer.layer === 0 ? hidden[u.index] : hidden.reduce((a, h, j) => a + W2[8 * u.index + j] * h, b2[u.index]);
        const got = u.values[iy * layer.nx + ix];
        worst = Math.max(worst, Math.abs(got - want));
        assert.ok(Math.abs(got - want) < 1e-4, `layer ${layer.layer} unit ${u.index} at (${x}, ${y}): ${got} vs ${want} computed from the checkpoint`);
      }
    }
  }
  t.diagnostic(`unit fields: ${f.thumbnails} thumbnails, layers ${f.unit_fields.layers.map((l) => `${l.layer}: ${l.units.length} units ${l.nx}x${l.ny}`).join(', ')}; largest difference from tanh(Wx+b) by hand ${worst.toExponential(2)}`);
  assert.equal(f.units.filter((u) => u.field).length, 10, 'the 8 hidden and 2 output units have fields, the inputs none');
  const widest = d1.edges.reduce((a, b) => (Math.abs(b.weight) > Math.abs(a.weight) ? b : a));
  const thinnest = d1.edges.reduce((a, b) => (Math.abs(b.weight) < Math.abs(a.weight) ? b : a));
  assert.ok(widest.width > thinnest.width, `width grows with |w| (${widest.width} for ${widest.weight}, ${thinnest.width} for ${thinnest.weight})`);

  // hover an edge: the read-out names the weight and its value
  const svg = card.locator('svg.gl-nd-svg');
  const hit = card.locator('.gl-nd-hit').nth(5);
  await hit.scrollIntoViewIfNeeded();
  const box = await hit.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const hovered = await poll(async () => {
    const v = await readView(page, 'network-diagram');
    return v?.selected?.key?.startsWith('e:0:') ? v : null;
  }, { message: 'an edge under the pointer' });
  const edge = d1.edges[Number(hovered.selected.key.split(':')[2])]; // edge 5, or one crossing it there
  assert.match(hovered.selected.text, new RegExp(`^${edge.param.replace(/\./g, '\\.')}\\[${edge.row}, ${edge.col}\\] = `), 'hover reads the edge out');
  assert.ok(hovered.selected.text.includes(edge.weight < 0 ? 'negative: blue' : 'positive: red'), hovered.selected.text);
  assert.equal(await card.locator('.gl-readout').textContent(), hovered.selected.text, 'the read-out on the page says so');
  await page.mouse.move(2, 2);

  // keyboard: focus, move to the hidden column, second unit, then its incoming weights
  await svg.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  let k = (await readView(page, 'network-diagram')).selected;
  assert.equal(k.key, 'u:0:1:1', 'ArrowRight, ArrowDown: the hidden column’s second unit');
  assert.match(k.text, /^hidden 1, unit 2 of 8, then tanh: bias layers\.0\.bias\[1\] = /);
  await page.keyboard.press('PageDown');
  await page.keyboard.press('PageDown');
  k = (await readView(page, 'network-diagram')).selected;
  const w = d1.edges.find((e) => e.param === 'layers.0.weight' && e.row === 1 && e.col === 1).weight;
  assert.match(k.text, /^layers\.0\.weight\[1, 1\] = /, 'Page Down twice: the unit’s second incoming weight');
  assert.ok(k.text.includes(w < 0 ? 'negative: blue' : 'positive: red'), k.text);
  // a click pins the read-out and tells other views which parameter it is
  await page.keyboard.press('Escape');
  await svg.blur();
  await screenshot(page, 'network-diagram-xor', card);
  await page.evaluate(() => {
    window.__picked = [];
    document.addEventListener('gradlab-select-parameter', (e) => window.__picked.push(e.detail));
  });
  const unit = card.locator('[data-key="u:0:2:0"]').last(); // the thumbnail on top of the circle
  await unit.click();
  const picked = await page.evaluate(() => window.__picked);
  assert.deepEqual(picked, [{ name: 'layers.2.bias', index: [0] }], 'clicking an output unit selects its bias');
  assert.equal((await readView(page, 'network-diagram')).selected.pinned, true);
  // ... and the histograms view outlines that parameter's card
  const h = await viewData(page, 'histograms', (v) => v.selected === 'layers.2.bias');
  assert.equal(h.selected, 'layers.2.bias');
  assert.equal(await page.locator('[data-view="histograms"] .gl-card.gl-selected').getAttribute('data-param'), 'layers.2.bias', 'the histograms view outlines the picked parameter');
  assert.equal(await page.locator('[data-view="histograms"] .gl-card.gl-selected').count(), 1);
  await card.scrollIntoViewIfNeeded();
  await screenshot(page, 'network-diagram-xor-page');
  await page.assertClean();
});

test('network diagram: an RNN is a cell with its loop, unrolled on demand; a large layer is summarised', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: VIEWPORT });
  await openApp(page, env, 'lesson=rnn-gradients');
  const card = await openDiagram(page);
  const d = await viewData(page, 'network-diagram', (v) => v.blocks?.length > 0);
  t.diagnostic(`rows ${JSON.stringify(d.rows)}; columns ${JSON.stringify(d.columns)}`);
  assert.deepEqual(d.rows[0].stages, ['rnn', 'last_step', 'mlp'], 'the RNN cell, the last step, then the Linear layer');
  const rnn = d.blocks[0];
  assert.equal(rnn.recurrent, true);
  assert.equal(rnn.steps_drawn, 1, 'folded: one cell with its loop');
  assert.deepEqual(rnn.params.map((p) => p.name), ['layers.0.weight_ih_l0', 'layers.0.weight_hh_l0', 'layers.0.bias_ih_l0', 'layers.0.bias_hh_l0']);
  assert.ok(rnn.params.every((p) => Number.isFinite(p.norm) && p.norm > 0), 'the cell reads its parameters’ norms');
  assert.equal(await card.locator('.gl-nd-loop').count(), 1, 'the loop is drawn');
  // Linear(32, 1): the 32 inputs show their first 8 and "… 24 more"
  assert.deepEqual(d.columns.map((c) => [c.size, c.shown, c.more]), [[32, 8, 24], [1, 1, 0]]);
  assert.equal(d.weight_count, 32);
  assert.equal(d.edges_drawn, 8, 'an edge for each drawn unit pair');
  assert.ok(await card.getByText('… 24 more').isVisible(), 'the summary says how many units are not drawn');
  await screenshot(page, 'network-diagram-rnn', card);

  await card.getByLabel(/Unroll the recurrent layer/).check();
  const u = await viewData(page, 'network-diagram', (v) => v.unrolled === true);
  assert.equal(u.blocks[0].steps_drawn, 4, 'unrolled over 4 steps');
  assert.ok(await card.getByText('x_4').isVisible(), 'the fourth step’s input is drawn');
  assert.equal(await card.locator('.gl-nd-loop').count(), 0, 'the loop is replaced by the unrolled steps');
  await screenshot(page, 'network-diagram-rnn-unrolled', card);

  // keyboard on the block
  await card.locator('svg.gl-nd-svg').focus();
  const k = (await readView(page, 'network-diagram')).selected;
  assert.equal(k.key, 'b:0');
  assert.match(k.text, /^RNN cell: 2 → 32; h_t = tanh\(W_ih x_t \+ W_hh h_\{t−1\} \+ b\)\. Parameters: layers\.0\.weight_ih_l0 \[32×2\]/);

  // an LSTM (forget-gate lesson): its cell names the gates; in the dark theme
  await page.locator('select#lesson').selectOption('lstm-forget');
  await page.locator('select#theme').selectOption('dark');
  await poll(async () => (await page.locator('select#add-view option[value="network-diagram"]').count()) > 0, { message: 'the diagram on offer for lstm-forget' });
  const lstmCard = await openDiagram(page);
  const l = await viewData(page, 'network-diagram', (v) => v.blocks?.[0]?.type === 'lstm');
  assert.equal(l.blocks[0].title, 'LSTM cell');
  assert.deepEqual(l.blocks[0].params.map((p) => p.shape), [[128, 2], [128, 32], [128], [128]], 'four gates of 32: W_ih [4·32, 2], W_hh [4·32, 32]');
  await screenshot(page, 'network-diagram-lstm-dark', lstmCard);
  await page.assertClean();
});

test('network diagram: a 10-layer MLP fits the card, its 16-unit layers summarised', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: VIEWPORT });
  await openApp(page, env, 'lesson=deep-gradients');
  const card = await openDiagram(page);
  const d = await viewData(page, 'network-diagram', (v) => v.edges?.length > 0);
  assert.equal(d.columns.length, 11, 'input and 10 Linear layers');
  assert.deepEqual(d.columns.map((c) => c.shown), [2, ...Array(9).fill(8), 2]);
  assert.deepEqual(d.columns.map((c) => c.more), [0, ...Array(9).fill(8), 0]);
  assert.ok(d.columns.slice(1, 10).every((c) => c.activation === 'sigmoid'), 'the hidden columns say sigmoid');
  assert.equal(d.weight_count, 2 * 16 + 8 * 16 * 16 + 16 * 2);
  assert.equal(d.edges_drawn, 2 * 8 + 8 * 8 * 8 + 8 * 2);
  const fit = await card.locator('.gl-nd-frame').evaluate((f) => ({ scroll: f.scrollWidth, client: f.clientWidth }));
  t.diagnostic(`frame ${fit.client} px wide, content ${fit.scroll} px`);
  assert.ok(fit.scroll <= fit.client + 1, 'no horizontal scrolling');
  await screenshot(page, 'network-diagram-deep', card);
  await page.assertClean();
});

test('network diagram: a GAN is its generator and critic, seq2seq its blocks', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: VIEWPORT });
  await openApp(page, env, 'lesson=gan-ring');
  let card = await openDiagram(page);
  const g = await viewData(page, 'network-diagram', (v) => v.kind === 'gan' && v.edges?.length > 0);
  t.diagnostic(`gan rows ${JSON.stringify(g.rows)}, weights ${g.weight_count}, edges ${g.edges_drawn}`);
  assert.equal(g.rows.length, 2);
  assert.match(g.rows[0].title, /^Generator/);
  assert.match(g.rows[1].title, /^Critic/);
  // generator 8-64-64-64-2, critic 2-64-64-64-1
  assert.equal(g.weight_count, 8 * 64 + 64 * 64 * 2 + 64 * 2 + (2 * 64 + 64 * 64 * 2 + 64 * 1));
  assert.equal(g.edges_drawn, 8 * 8 + 8 * 8 * 2 + 8 * 2 + (2 * 8 + 8 * 8 * 2 + 8 * 1));
  assert.ok(g.edges.every((e) => colourSign(e.color) === e.sign && Math.sign(e.weight) === e.sign), 'colours follow signs');
  await screenshot(page, 'network-diagram-gan', card);

  await page.locator('select#lesson').selectOption('attention');
  await poll(async () => (await page.locator('select#add-view option[value="network-diagram"]').count()) > 0, { message: 'the diagram on offer for attention' });
  card = await openDiagram(page);
  const a = await viewData(page, 'network-diagram', (v) => v.kind === 'seq2seq');
  t.diagnostic(`seq2seq rows ${JSON.stringify(a.rows)}`);
  assert.deepEqual(a.rows.map((r) => r.stages), [['embedding', 'gru'], ['embedding', 'gru', 'attention', 'linear', 'linear']]);
  assert.equal(a.blocks.filter((b) => b.recurrent).length, 2, 'encoder and decoder cells');
  const names = a.blocks.flatMap((b) => b.params.map((p) => p.name));
  assert.ok(names.includes('attention.proj.weight') && names.includes('decoder.out.weight') && names.includes('encoder.rnn.weight_hh_l0_reverse'), 'every module’s parameters are in a block');
  await screenshot(page, 'network-diagram-attention', card);
  await page.assertClean();
});

for (const lesson of ['xor', 'gan-ring']) {
  test(`network diagram: live while ${lesson} plays, no main-thread task over ${TASK_CPU_BUDGET_MS} ms of CPU`, { timeout: 90_000 }, async (t) => {
    const page = await openPage(t, env, { viewport: VIEWPORT });
    await openApp(page, env, `lesson=${lesson}`);
    const card = await openDiagram(page);
    await card.scrollIntoViewIfNeeded();
    const first = await viewData(page, 'network-diagram', (v) => v.edges?.length > 0);
    const play = page.locator('#play');
    const m = await traceMainThread(env.browser, page, async () => {
      await play.click();
      // 30 steps and 10 redraws of the diagram (conditions, not a fixed time)
      await poll(async () => {
        const v = await readView(page, 'network-diagram');
        return v.step >= 30 && v.updates >= first.updates + 10;
      }, { timeout: 60_000, message: 'the diagram redrawn 10 times over 30 steps' });
      await play.click();
    });
    const last = await readView(page, 'network-diagram');
    report(`${lesson} with the network diagram`, m, last.step);
    t.diagnostic(`diagram redrawn ${last.updates - first.updates} times from step ${first.step} to ${last.step}`);
    const changed = last.edges.filter((e, i) => e.weight !== first.edges[i].weight).length;
    assert.ok(changed > 0, `the edges follow training (${changed} of ${last.edges.length} changed)`);
    assert.ok(m.hasCpu, 'the trace has CPU times per task');
    assert.ok(m.longestCpu < TASK_CPU_BUDGET_MS, describeLongest(m));
    await page.assertClean();
  });
}

test('network diagram: draws under the strict Content-Security-Policy (thumbnails are data: images)', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: VIEWPORT });
  await openApp(page, env, 'lesson=xor', { base: env.cspUrl });
  await openDiagram(page);
  await trainSteps(page, 5);
  const d = await viewData(page, 'network-diagram', (v) => v.unit_fields?.step === 5 && v.thumbnails === 10);
  assert.equal(d.edges.length, 32);
  await page.assertClean('the diagram under the strict CSP');
});
