// The "over time" chart of the weights-and-gradients view puts its points at the training
// steps the snapshots were taken at (its axis says "training step"), not at snapshot counts.
import { test } from 'node:test';
import { assert, useBrowser, openPage, openApp, viewData, trainSteps, resetTraining, screenshot } from './helpers.mjs';

const env = useBrowser();

test('the norms-over-time chart is plotted against training steps', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=xor'); // the lesson shows the histograms view
  await viewData(page, 'histograms', (d) => d.history?.x?.length >= 1);
  await trainSteps(page, 30);
  // the card is below the fold at 1366x768, where views update at most every 500 ms: wait for
  // the step-30 snapshot to be drawn before the next 45 steps supersede it
  await viewData(page, 'histograms', (v) => v.history.x.includes(30), { timeout: 15_000 });
  await trainSteps(page, 45);
  const d = await viewData(page, 'histograms', (v) => v.history.x.includes(75), { timeout: 15_000 });
  const x = d.history.x;
  t.diagnostic(`history x: ${JSON.stringify(x)}`);
  assert.ok(x.includes(30), 'a point at step 30 (the snapshot after the first 30 steps)');
  assert.equal(x[x.length - 1], 75, 'the last point is at the step shown by the counter');
  assert.ok(x.every((v, i) => i === 0 || v > x[i - 1]), 'steps ascending');
  assert.ok(x.every((v) => v >= 0 && v <= 75), 'no x beyond the steps trained');
  await page.locator('[data-card="histograms"]').scrollIntoViewIfNeeded();
  await screenshot(page, 'histograms-over-steps', page.locator('[data-card="histograms"]'));

  // a reset goes back to step 0: the chart starts over rather than drawing back in time
  await resetTraining(page);
  const after = await viewData(page, 'histograms', (v) => v.history.x[v.history.x.length - 1] === 0, { timeout: 15_000 });
  assert.deepEqual(after.history.x, [0], 'after a reset the history starts over at step 0');
  await page.assertClean();
});
