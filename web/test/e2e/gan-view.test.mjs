// The GAN view reads right (issue 13): the background says what it is at step 0 and keeps a
// fixed colour scale, Step D moves a counter, real points are drawn above the mode markers,
// each player has one colour in the plane and in the losses chart, and the generator's arrows
// are drawn in the theme's text colour (visible in the dark theme).
import { test } from 'node:test';
import { assert, useBrowser, openPage, openApp, viewData, readView, stepCount, trainSteps, screenshot, poll } from './helpers.mjs';

const env = useBrowser();

function rgb(css) {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(css);
  assert.ok(m, `an rgb() colour (${css})`);
  return m.slice(1, 4).map(Number);
}
/** WCAG contrast ratio of two rgb() colours. */
function contrast(a, b) {
  const lum = (c) => {
    const [r, g, bl] = rgb(c).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/** The computed background colour of the legend entry of `card` whose text includes `text`. */
async function legendColour(page, text) {
  return page.locator('[data-view="gan"] .gl-legend-item', { hasText: text }).first().evaluate((el) => getComputedStyle(el.querySelector('.gl-dot, .gl-swatch')).backgroundColor);
}

test('gan view: fixed, named colour scale; Step D counter; order and colours; arrows in the dark theme', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=gan-ring');
  // step 0: the background already says what it is (the lesson's loss is wgan_gp: a critic score)
  const v0 = await viewData(page, 'gan', (v) => v.field && v.scale, { message: 'the critic field at step 0' });
  assert.equal(await stepCount(page), 0);
  assert.equal(v0.scale.kind, 'score');
  assert.match(await page.locator('[data-view="gan"] .gl-stats', { hasText: 'Background' }).textContent(), /critic’s score f\(x\).*scale from -?\d.* to \d/, 'the sentence names the scale and its ends');
  assert.ok(v0.scale.lo <= v0.field.value_range[0] && v0.field.value_range[1] <= v0.scale.hi, `the field's values ${v0.field.value_range} inside the scale [${v0.scale.lo}, ${v0.scale.hi}]`);
  assert.match(await page.locator('[data-view="gan"] .gl-legend').first().textContent(), /background: critic score f\(x\)/);
  assert.deepEqual(v0.order, ['modes (targets)', 'real', 'generated'], 'real points drawn above the mode markers, generated on top');

  // Step D moves the critic's counter (the step count is the generator's)
  const counter = page.locator('#gan-counter');
  assert.equal(await counter.textContent(), 'Critic updates: 0 · generator steps: 0');
  for (const [button, want] of [['#gan-step-d', 'Critic updates: 1 · generator steps: 0'], ['#gan-step-d', 'Critic updates: 2 · generator steps: 0'], ['#gan-step-g', 'Critic updates: 2 · generator steps: 1']]) {
    await page.locator(button).click();
    await poll(async () => (await counter.textContent()) === want, { timeout: 10_000, message: want });
  }
  // the step counter follows its own report from the worker, maybe a frame after the view's counter
  await poll(async () => (await stepCount(page)) === 1, { timeout: 10_000, message: 'two critic updates and one generator step: step 1' });
  assert.deepEqual((await readView(page, 'gan')).counter, { critic_updates: 2, generator_steps: 1 });

  // the scale only widens while the critic's values move
  let previous = v0.scale;
  for (let i = 0; i < 3; i++) {
    const step = await trainSteps(page, 20);
    const v = await viewData(page, 'gan', (d) => d.counter?.generator_steps === step && d.field, { message: `the field at step ${step}` });
    assert.ok(v.scale.lo <= previous.lo && v.scale.hi >= previous.hi, `step ${step}: [${v.scale.lo}, ${v.scale.hi}] contains [${previous.lo}, ${previous.hi}]`);
    assert.ok(v.scale.lo <= v.field.value_range[0] + 1e-9 && v.field.value_range[1] <= v.scale.hi + 1e-9, `step ${step}: values inside the scale`);
    previous = v.scale;
    t.diagnostic(`step ${step}: critic values ${v.field.value_range.map((x) => x.toFixed(2)).join('..')}, scale ${v.scale.lo}..${v.scale.hi}, ${v.counter.critic_updates} critic updates`);
  }

  // one colour per player: the generator's samples and its loss line, the critic's field and its loss line
  const v = await readView(page, 'gan');
  assert.equal(v.drawn.g.color, v.colors.generated, 'generator: its samples’ colour = its loss line’s');
  assert.equal(v.drawn.d.color, v.colors.critic, 'critic: its colour in the chart');
  assert.notEqual(v.colors.critic, v.colors.real, 'the critic’s loss is not drawn in the real data’s blue');
  assert.equal(await legendColour(page, 'generated'), await legendColour(page, 'generator loss'), 'the two legends show the generator in one colour');
  assert.notEqual(await legendColour(page, 'real'), await legendColour(page, 'critic / discriminator loss'));
  await screenshot(page, 'gan-view-light', page.locator('[data-card="gan"]'));

  // the dark theme: arrows in the theme's text colour, legible on its background
  await page.locator('select#theme').selectOption('dark');
  await poll(async () => (await page.evaluate(() => document.documentElement.dataset.theme)) === 'dark', { message: 'dark theme' });
  assert.equal(v.colors.arrows, 'fg');
  const arrow = await legendColour(page, 'generator’s push');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const ratio = contrast(arrow, bg);
  t.diagnostic(`dark theme: arrows ${arrow} on ${bg}, contrast ${ratio.toFixed(1)}:1`);
  assert.ok(ratio >= 4.5, `the arrows stand out on the dark background (${ratio.toFixed(2)}:1)`);
  await screenshot(page, 'gan-view-dark', page.locator('[data-card="gan"]'));
  await page.assertClean('gan view');
});
