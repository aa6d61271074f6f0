// The per-layer gradient chart (view "layer-gradients") on the deep-gradients lesson's
// 10-layer sigmoid MLP, and the gradient histograms of the "Weights and gradients" view
// once the params snapshot carries real gradients.
import { test } from 'node:test';
import { assert, useBrowser, openPage, openApp, viewData, stepCount, trainSteps, screenshot } from './helpers.mjs';

const env = useBrowser();

test('layer-gradients: one point per layer, the sigmoid net vanishes by > 1e6 at step 0', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=deep-gradients'); // the lesson shows layer-gradients first
  assert.equal(await stepCount(page), 0, 'the lesson opens at step 0');
  const d = await viewData(page, 'layer-gradients', (v) => v.layers?.length > 0 && v.step === 0);
  const n = d.layers.length;
  t.diagnostic(`layers: ${d.labels.join(', ')}`);
  assert.equal(n, 19, '10 linear layers and 9 sigmoids');
  assert.deepEqual(
    d.labels,
    d.layers.map((l) => `${l.index} ${l.type}`),
    'each layer labelled with its index and type, input layer first',
  );
  assert.deepEqual(d.layers.map((l) => l.index), [...Array(n).keys()], 'layers in order from the input');

  const series = Object.fromEntries(d.drawn.map((s) => [s.key, s.points]));
  // ||dL/da||: a point for every layer
  assert.equal(series.output_grad.length, n, 'one ‖dL/da‖ point per layer');
  assert.deepEqual(series.output_grad.map(([p]) => p), [...Array(n).keys()], '‖dL/da‖ points at every position, in order');
  // ||dL/dW||: a point for every layer that has weights (the linears), none for the sigmoids
  const weighted = d.layers.filter((l) => l.weight_grad_norm !== null);
  assert.equal(weighted.length, 10);
  assert.ok(weighted.every((l) => l.type === 'linear'), 'only the linear layers have weights');
  assert.deepEqual(series.weight_grad.map(([p]) => p), weighted.map((l) => l.index), 'one ‖dL/dW‖ point per layer with weights');
  for (const [p, v] of series.weight_grad) assert.equal(v, d.layers[p].weight_grad_norm, `the drawn ‖dL/dW‖ of layer ${p} is the engine's`);
  for (const [p, v] of series.output_grad) assert.ok(Number.isFinite(v) && v > 0, `‖dL/da‖ of layer ${p} is positive (${v})`);
  assert.deepEqual(d.skipped, [], 'nothing left off the log axis');

  const first = series.weight_grad[0];
  const last = series.weight_grad[series.weight_grad.length - 1];
  assert.equal(first[0], 0, 'the first ‖dL/dW‖ point is the input layer');
  assert.equal(last[0], n - 1, 'the last ‖dL/dW‖ point is the output layer');
  const ratio = last[1] / first[1];
  t.diagnostic(`‖dL/dW‖ first ${first[1].toExponential(3)}, last ${last[1].toExponential(3)}, last/first ${ratio.toExponential(3)}`);
  assert.ok(ratio >= 1e6, `the first layer's ‖dL/dW‖ is at least 1e6 times smaller than the last's (ratio ${ratio})`);
  assert.ok(Math.abs(d.ratio.weight_grad.ratio / ratio - 1) < 1e-12, 'the view reports the same ratio');
  // the log axis spans every drawn value
  assert.ok(d.domain[0] <= first[1] && d.domain[1] >= last[1], `the log axis ${JSON.stringify(d.domain)} spans the values`);

  // values by keyboard: focus the chart, End / Home / arrows read the layers out
  const card = page.locator('[data-card="layer-gradients"]');
  const canvas = card.locator('canvas').first();
  const readout = card.locator('.gl-readout');
  await canvas.focus();
  await page.keyboard.press('End');
  await readout.filter({ hasText: `Layer ${n - 1} linear` }).waitFor({ timeout: 5_000 });
  assert.match(await readout.textContent(), /‖∂L\/∂W‖ 0\.\d+|‖∂L\/∂W‖ \d/);
  await page.keyboard.press('ArrowLeft');
  await readout.filter({ hasText: `Layer ${n - 2} sigmoid` }).waitFor({ timeout: 5_000 });
  assert.match(await readout.textContent(), /no weights/, 'a sigmoid has no ‖dL/dW‖ and says so');
  await page.keyboard.press('Home');
  await readout.filter({ hasText: 'Layer 0 linear' }).waitFor({ timeout: 5_000 });
  assert.ok(await card.locator('.gl-tooltip').isVisible(), 'the tooltip shows the focused layer');

  // the text alternative: a table with a row per layer, on demand
  await card.locator('summary').click();
  const rows = card.locator('table tbody tr');
  await rows.first().waitFor({ timeout: 5_000 });
  assert.equal(await rows.count(), n, 'a table row per layer');
  await card.scrollIntoViewIfNeeded();
  await screenshot(page, 'layer-gradients', card);
  await page.assertClean();
});

test('histograms: the gradient histograms draw bars after training on xor', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=xor'); // the lesson shows the histograms view
  await viewData(page, 'histograms', (d) => d.parameters?.length > 0);
  await trainSteps(page, 25);
  const d = await viewData(page, 'histograms', (v) => v.history?.x?.includes(25), { timeout: 15_000 });
  assert.equal(d.parameters.length, 4, 'xor has 4 parameters');
  for (const p of d.parameters) {
    const size = p.shape.reduce((a, b) => a * b, 1);
    assert.ok(Number.isFinite(p.grad_norm) && p.grad_norm > 0, `${p.name}: a non-zero gradient norm (${p.grad_norm})`);
    assert.ok(Array.isArray(p.grad_counts), `${p.name}: a gradient histogram is drawn`);
    const bars = p.grad_counts.filter((c) => c > 0).length;
    const total = p.grad_counts.reduce((a, b) => a + b, 0);
    t.diagnostic(`${p.name}: ‖dL/dW‖ ${p.grad_norm.toExponential(3)}, ${bars} bars, ${total} of ${size} values`);
    assert.ok(bars >= 1, `${p.name}: at least one gradient bar`);
    assert.equal(total, size, `${p.name}: the bars count every element`);
  }
  const history = d.history.grad.map((row) => row[row.length - 1]);
  assert.ok(history.every((v) => Number.isFinite(v) && v > 0), 'the over-time chart has a gradient norm for every parameter');
  const card = page.locator('[data-card="histograms"]');
  const text = await card.innerText();
  assert.doesNotMatch(text, /none yet/, 'no "gradient: none yet"');
  assert.equal((text.match(/gradient: ‖∂L\/∂W‖/g) ?? []).length, 4, 'each parameter states its gradient');
  await card.scrollIntoViewIfNeeded();
  await screenshot(page, 'histograms-gradients', card);
  await page.assertClean();
});
