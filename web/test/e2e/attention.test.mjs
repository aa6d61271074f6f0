// The attention lesson's heatmap: every row of the attention map is a distribution.
import { test } from 'node:test';
import { assert, useBrowser, openPage, openApp, viewData, trainSteps, screenshot, chooseLesson } from './helpers.mjs';

const env = useBrowser();

test('attention: every heatmap row sums to 1 within 1e-4', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env);
  await openApp(page, env);
  await chooseLesson(page, 'attention');
  const step = await trainSteps(page, 20);
  const data = await viewData(page, 'attention', (d) => Array.isArray(d.weights) && d.weights.length > 0, { timeout: 20_000, step });
  const { weights, source_tokens: src, target_tokens: tgt, row_sums: sums } = data;
  console.log(`# attention map ${weights.length} x ${weights[0].length}; source ${JSON.stringify(src)}; target ${JSON.stringify(tgt)}`);
  assert.ok(weights[0].length > 1, 'more than one source position');
  const computed = weights.map((row) => row.reduce((s, v) => s + v, 0));
  const worst = Math.max(...computed.map((s) => Math.abs(s - 1)));
  console.log(`# row sums (computed from weights): ${computed.map((s) => s.toFixed(6)).join(' ')}; worst |sum - 1| = ${worst.toExponential(2)}`);
  for (const [i, row] of weights.entries()) {
    assert.equal(row.length, weights[0].length, `row ${i} has as many columns as row 0`);
    assert.ok(row.every((v) => Number.isFinite(v) && v >= 0 && v <= 1), `row ${i}: weights in [0, 1]`);
    assert.ok(Math.abs(computed[i] - 1) <= 1e-4, `row ${i} sums to ${computed[i]}`);
  }
  assert.ok(Array.isArray(sums) && sums.length === weights.length, 'row_sums has one entry per row');
  for (const [i, s] of sums.entries()) assert.ok(Math.abs(s - 1) <= 1e-4, `row_sums[${i}] = ${s}`);
  assert.ok(Array.isArray(src) && src.length === weights[0].length, 'one source token per column');
  assert.ok(Array.isArray(tgt) && tgt.length === weights.length, 'one target token per row');
  await page.locator('[data-view="attention"]').first().scrollIntoViewIfNeeded();
  await screenshot(page, 'attention');
  await page.assertClean('attention');
});

test('gan-ring: the GAN view draws finite points while training', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env);
  await openApp(page, env);
  await chooseLesson(page, 'gan-ring');
  const step = await trainSteps(page, 50);
  const data = await viewData(page, 'gan', (d) => d && typeof d === 'object' && Object.keys(d).length > 0, { timeout: 20_000, step });
  const numbers = [];
  const walk = (v) => {
    if (typeof v === 'number') numbers.push(v);
    else if (v === null) numbers.push(NaN);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(data);
  console.log(`# gan view keys: ${Object.keys(data).join(', ')}; ${numbers.length} numbers`);
  assert.ok(numbers.length > 10, 'the GAN view holds points');
  assert.ok(numbers.every(Number.isFinite), 'every number the GAN view drew is finite');
  await page.locator('[data-view="gan"]').first().scrollIntoViewIfNeeded();
  await screenshot(page, 'gan-ring');
  await page.assertClean('gan-ring');
});
