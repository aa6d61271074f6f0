// The default page (the XOR lesson) trains to >= 95% test accuracy when #play is pressed.
import { test } from 'node:test';
import { assert, useBrowser, openPage, openApp, viewData, lastTestAccuracy, stepCount, screenshot, poll } from './helpers.mjs';

const env = useBrowser();

test('default page: XOR trains to >= 95% test accuracy with #play', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env);
  await openApp(page, env);
  const lesson = await page.locator('select#lesson').inputValue();
  assert.equal(lesson, 'xor', 'the default lesson is xor');
  assert.equal(await stepCount(page), 0, 'a fresh page starts at step 0');
  // The curves view exists before training.
  await viewData(page, 'curves', (d) => Array.isArray(d.train) && Array.isArray(d.test));

  const play = page.locator('#play');
  await play.click();
  await poll(async () => (await play.getAttribute('aria-pressed')) === 'true', { timeout: 5_000, message: '#play aria-pressed=true while training' });
  const started = Date.now();
  const curves = await viewData(page, 'curves', (d) => (lastTestAccuracy(d)?.accuracy ?? 0) >= 0.95, { timeout: 60_000 });
  const seconds = (Date.now() - started) / 1000;
  const reached = lastTestAccuracy(curves);
  const steps = await stepCount(page);
  console.log(`# XOR: test accuracy ${reached.accuracy} at step ${reached.step ?? '?'} (counter ${steps}) after ${seconds.toFixed(1)} s`);
  await play.click();
  await poll(async () => (await play.getAttribute('aria-pressed')) === 'false', { timeout: 5_000, message: '#play toggles back to aria-pressed=false' });
  assert.ok(reached.accuracy >= 0.95 && reached.accuracy <= 1, `test accuracy ${reached.accuracy} in [0.95, 1]`);
  assert.ok(steps > 0, 'the step counter moved');
  const losses = curves.train.map((m) => m.loss).filter((l) => typeof l === 'number');
  assert.ok(losses.length >= 2, 'the curves view holds train losses');
  assert.ok(losses.every(Number.isFinite), 'every train loss is finite');
  console.log(`# XOR: train loss ${losses[0]} -> ${losses.at(-1)} over ${losses.length} points`);
  assert.ok(losses.at(-1) < losses[0], 'the train loss went down');

  // The field view (decision boundary) is drawn for a 2-D dataset.
  await page.locator('[data-view="field"]').first().waitFor({ state: 'visible', timeout: 10_000 });
  await screenshot(page, 'default-page');
  await page.assertClean('the default page');
});
