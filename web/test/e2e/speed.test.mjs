// The speed control says what it does (the target steps per second) and the rate shown
// under the step count is the measured one (issue 13): the page's own step counter,
// sampled in the page over a second, agrees with the rate it shows.
import { test } from 'node:test';
import { assert, useBrowser, openPage, openApp, poll, stepCount } from './helpers.mjs';

const env = useBrowser();

/** Sample #step-counter's data-step and the shown rate every animation frame for `ms`. */
async function sample(page, ms) {
  return page.evaluate(
    (ms) =>
      new Promise((resolve) => {
        const out = [];
        const t0 = performance.now();
        const tick = () => {
          const t = performance.now();
          const rate = document.querySelector('.controls .rate');
          out.push({ t, step: Number(document.querySelector('#step-counter')?.getAttribute('data-step')), shown: rate?.textContent ?? '', rate: Number(rate?.getAttribute('data-rate') ?? 'NaN') });
          if (t - t0 < ms) requestAnimationFrame(tick);
          else resolve(out);
        };
        requestAnimationFrame(tick);
      }),
    ms,
  );
}

/** Steps per second between the first sample at or after `from` and the last one. */
function measured(samples, from) {
  const a = samples.find((s) => s.t >= from);
  const b = samples[samples.length - 1];
  return ((b.step - a.step) * 1000) / (b.t - a.t);
}

test('speed: the slider names its target rate, the shown rate is the measured one', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=xor');
  const speed = page.locator('#speed');
  assert.match((await speed.getAttribute('title')) ?? '', /steps per second/, 'the slider says what it sets');
  const names = [];
  for (const level of [1, 2, 3, 4, 5]) {
    await speed.fill(String(level));
    names.push((await page.locator('output[for=speed]').textContent()) ?? '');
  }
  assert.deepEqual(names, ['2 steps/s', '8 steps/s', '30 steps/s', '120 steps/s', 'no limit']);

  for (const [level, target] of [[3, 30], [5, Infinity]]) {
    await speed.fill(String(level));
    await page.locator('#play').click();
    const start = await stepCount(page);
    await poll(async () => (await stepCount(page)) > start + 10 && /steps\/s/.test((await page.locator('.controls .rate').textContent()) ?? ''), { timeout: 30_000, message: 'the rate shown' });
    const samples = await sample(page, 2500);
    await page.locator('#play').click();
    // the shown rate at the end, against the counter's own steps over the last second
    const last = samples[samples.length - 1];
    const actual = measured(samples, last.t - 1000);
    t.diagnostic(`speed ${level}: shown "${last.shown}" (${last.rate.toFixed(1)}), counted ${actual.toFixed(1)} steps/s over the last second`);
    assert.match(last.shown, /^\d[\d.e]* steps\/s$/, 'the rate reads as steps per second');
    assert.ok(last.rate > 0 && actual > 0, 'training ran');
    assert.ok(Math.abs(last.rate - actual) <= 0.25 * actual + 3, `shown ${last.rate} vs counted ${actual} steps/s`);
    if (Number.isFinite(target)) assert.ok(last.rate <= target * 1.25, `at most the target (${target} steps/s)`);
    await poll(async () => (await page.locator('#play').getAttribute('aria-pressed')) === 'false', { message: 'paused' });
  }
  await page.assertClean('speed');
});
