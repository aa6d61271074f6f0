// Recurrent lessons: the grad-through-time plot of a tanh RNN (finite, decaying back in
// time) and the LSTM forget-gate clamp (it changes the loss, from the same reset).
import { test } from 'node:test';
import {
  assert,
  useBrowser,
  openPage,
  openApp,
  viewData,
  lastLoss,
  stepCount,
  trainSteps,
  resetTraining,
  screenshot,
  poll,
  chooseLesson,
} from './helpers.mjs';

const env = useBrowser();

test('rnn-gradients: dL/dh_t is finite and decays back through time', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env);
  await openApp(page, env);
  await chooseLesson(page, 'rnn-gradients');
  // A few steps so the plot is drawn from a real backward pass.
  const step = await trainSteps(page, 5);
  const data = await viewData(
    page,
    'grad-through-time',
    (d) => Array.isArray(d.norms) && d.norms.length > 0 && d.norms[0].length >= 2,
    { timeout: 20_000, step },
  );
  const row = data.norms[0];
  const T = row.length;
  console.log(`# rnn-gradients: ${data.norms.length} row(s), T = ${T}`);
  console.log(`# ||dL/dh_t||, t = 1..T: ${row.map((v) => Number(v).toExponential(2)).join(' ')}`);
  for (const [i, r] of data.norms.entries()) {
    assert.ok(r.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0), `row ${i}: every norm finite and >= 0`);
  }
  assert.ok(T >= 5, `the sequence is long enough to show decay (T = ${T})`);
  const first = row[0];
  const last = row[T - 1];
  const ratio = first / last;
  console.log(`# dL/dh_1 / dL/dh_T = ${ratio.toExponential(3)}`);
  assert.ok(last > 0, 'dL/dh_T is non-zero');
  assert.ok(ratio < 0.1, `dL/dh_1 (${first}) is much smaller than dL/dh_T (${last}): ratio ${ratio} < 0.1`);
  // Decay over t, not just at the ends: the earlier half carries less gradient than the later half.
  const half = Math.floor(T / 2);
  const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
  const early = mean(row.slice(0, half));
  const late = mean(row.slice(T - half));
  assert.ok(early < late, `mean norm over the first half (${early}) < over the last half (${late})`);
  await page.locator('[data-view="grad-through-time"]').first().scrollIntoViewIfNeeded();
  await screenshot(page, 'rnn-gradients');
  await page.assertClean('rnn-gradients');
});

test('lstm-forget: clamping the forget gate to 0 changes the loss', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env);
  await openApp(page, env);
  await chooseLesson(page, 'lstm-forget');
  const N = 40;
  // The enabled clamp control (see the duplicate-id check at the end).
  const gate = page.locator('select#clamp-gate').first();
  const value = page.locator('input#clamp-value:not([disabled])').first();
  const options = await poll(
    async () => {
      const values = await gate.locator('option').evaluateAll((els) => els.map((e) => e.value));
      return values.includes('f') ? values : null;
    },
    { timeout: 10_000, message: 'select#clamp-gate to offer the LSTM gates' },
  ).catch(async () => gate.locator('option').evaluateAll((els) => els.map((e) => e.value)));
  console.log(`# clamp options: ${options.join(' ')}`);
  assert.ok(options.includes('none') && options.includes('f'), 'the clamp select offers none and f');

  const run = async (label) => {
    await resetTraining(page);
    await trainSteps(page, N);
    // The metrics row of step N (steps are counted from 1, as the engine does).
    const curves = await viewData(page, 'curves', (d) => lastLoss(d)?.step === N, { timeout: 15_000 });
    const { loss, step } = lastLoss(curves);
    console.log(`# lstm-forget ${label}: loss ${loss} at step ${step ?? '?'} (counter ${await stepCount(page)})`);
    return loss;
  };

  const free = await run('no clamp');
  // Choose the gate first (the value box may be disabled while the gate is "none").
  await gate.selectOption('f');
  await value.fill('0');
  await value.dispatchEvent('change');
  console.log(`# clamp set: gate ${await gate.inputValue()}, value ${await value.inputValue()}`);
  const clamped = await run('forget gate clamped to 0');
  await gate.selectOption('none');
  const again = await run('clamp removed');

  assert.ok(Math.abs(again - free) <= 1e-6 * Math.max(1, Math.abs(free)), `same reset, same steps, same loss without the clamp (${free} vs ${again})`);
  const diff = Math.abs(clamped - free);
  console.log(`# |loss(clamped) - loss(free)| = ${diff}`);
  assert.ok(diff > 1e-4 * Math.max(1, Math.abs(free)), `the clamp changes the loss after ${N} steps (${free} vs ${clamped})`);
  const gates = page.locator('[data-view="gates"]').first();
  if ((await gates.count()) > 0) await gates.scrollIntoViewIfNeeded();
  await screenshot(page, 'lstm-forget');
  const ids = await page.evaluate(() => ['clamp-gate', 'clamp-value'].map((id) => document.querySelectorAll(`#${id}`).length));
  assert.deepEqual(ids, [1, 1], 'one #clamp-gate and one #clamp-value on the page (ids are unique)');
  await page.assertClean('lstm-forget');
});
