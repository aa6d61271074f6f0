// The loss and accuracy curves stay right across lessons: after the GAN lesson (whose two
// losses replace the single one) the next lesson's Loss chart draws its loss again, and the
// GAN view's own chart draws both players' losses.
import { test } from 'node:test';
import { assert, useBrowser, openPage, openApp, viewData, trainSteps, poll, screenshot } from './helpers.mjs';

const env = useBrowser();

/** The curves view once its chart `chart` ('loss' or 'accuracy') draws `name` with >= n points. */
function drawn(page, chart, name, n) {
  return viewData(page, 'curves', (d) => (d.drawn?.[chart] ?? []).some((s) => s.name === name && s.points >= n), { timeout: 20_000 });
}

test('after the GAN lesson, the next lesson draws its loss again', { timeout: 120_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=gan-ring');
  await trainSteps(page, 20);
  const gan = await drawn(page, 'loss', 'train d loss (smoothed)', 20);
  t.diagnostic(`gan-ring loss chart: ${JSON.stringify(gan.drawn.loss)}`);

  for (const lesson of ['xor', 'rnn-gradients']) {
    await page.locator('select#lesson').selectOption(lesson);
    await poll(async () => new URL(page.url()).hash.includes(`lesson=${lesson}`) && (await page.locator('#step-counter').getAttribute('data-step')) === '0', {
      timeout: 20_000,
      message: `lesson ${lesson} loaded at step 0`,
    });
    await trainSteps(page, 60);
    const d = await drawn(page, 'loss', 'train loss (smoothed)', 60);
    t.diagnostic(`${lesson} loss chart: ${JSON.stringify(d.drawn.loss)}; accuracy chart: ${JSON.stringify(d.drawn.accuracy)}`);
    assert.ok(d.drawn.loss.every((s) => !/d loss|g loss/.test(s.name)), 'no GAN series left in the loss chart');
    await drawn(page, 'loss', 'test loss', 1);
    if (lesson === 'xor') await screenshot(page, 'curves-after-gan', page.locator('#curves-card'));
  }
  await page.assertClean();
});

test("the GAN view's chart draws both players' losses over training steps", { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=gan-ring');
  await trainSteps(page, 30);
  const gan = await viewData(page, 'gan', (d) => (d.losses?.step ?? []).includes(30), { timeout: 20_000 });
  const { step, d, g } = gan.losses;
  t.diagnostic(`${step.length} loss points, steps ${step[0]}..${step[step.length - 1]}; last d ${d[d.length - 1]}, g ${g[g.length - 1]}`);
  assert.ok(step.length >= 30, `a point per step (found ${step.length})`);
  assert.ok(step.every((s, i) => i === 0 || s > step[i - 1]), 'steps ascending');
  assert.ok(d.every(Number.isFinite) && g.every(Number.isFinite), 'both losses finite at every step');
  await screenshot(page, 'gan-losses', page.locator('[data-card="gan"]'));
  await page.assertClean();
});

/** Points a line chart shows: with dots every finite point, else those with a finite neighbour. */
function visiblePoints({ loss, dots }) {
  let n = 0;
  loss.forEach((v, i) => {
    if (!Number.isFinite(v)) return;
    if (dots || Number.isFinite(loss[i - 1]) || Number.isFinite(loss[i + 1])) n++;
  });
  return n;
}

test('stepping the critic and the generator by hand draws both losses', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=gan-ring');
  const presses = ['#gan-step-d', '#gan-step-g', '#gan-step-d', '#gan-step-g'];
  for (const [i, button] of presses.entries()) {
    await page.locator(button).click();
    await viewData(page, 'gan', (d) => (d.losses?.step ?? []).length >= i + 1, { timeout: 15_000 });
  }
  const gan = await viewData(page, 'gan', (d) => d.drawn !== undefined && (d.losses?.step ?? []).length === presses.length);
  t.diagnostic(`losses ${JSON.stringify(gan.losses)}; drawn ${JSON.stringify(gan.drawn)}`);
  for (const player of ['d', 'g']) {
    const line = gan.drawn[player];
    assert.equal(visiblePoints(line), 2, `the ${player} line shows both of its hand steps`);
    assert.ok(line.loss.every(Number.isFinite), `the ${player} line has no gaps`);
  }
  await page.locator('[data-card="gan"]').scrollIntoViewIfNeeded();
  await screenshot(page, 'gan-losses-by-hand', page.locator('[data-card="gan"]'));
  await page.assertClean();
});
