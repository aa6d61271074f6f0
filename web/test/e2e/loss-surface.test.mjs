// The loss-surface view on the loss-surface lesson (w1, w2 of Linear(2, 1) without bias on a
// narrow valley, plain SGD with lr 0.9): contours and the grid's minimum at step 0, the path
// growing by one point per step and zig-zagging across the valley after 30 steps; values by
// keyboard and the path as a table; screenshots in the light and dark themes.
import { test } from 'node:test';
import { assert, useBrowser, openPage, openApp, viewData, stepCount, trainSteps, screenshot, poll } from './helpers.mjs';

const env = useBrowser();

test('loss-surface: contours and the start at step 0, a zig-zag path after 30 steps of SGD', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=loss-surface');
  assert.equal(await stepCount(page), 0, 'the lesson opens at step 0');
  const card = page.locator('[data-card="loss-surface"]');
  await card.waitFor({ state: 'visible', timeout: 20_000 });

  const d0 = await viewData(page, 'loss-surface', (v) => v.step === 0 && v.path_points >= 1 && v.contours?.length > 0);
  assert.deepEqual(d0.parameters, ['layers.0.weight[0]', 'layers.0.weight[1]']);
  assert.deepEqual(d0.short, ['w1', 'w2']);
  assert.deepEqual(d0.resolution, [41, 41], 'the 41 x 41 grid the lesson asks for');
  assert.deepEqual([...d0.x_range, ...d0.y_range], [-1.5, 3.5, -1, 7], 'the lesson fixes the window');
  assert.ok(Math.abs(d0.grid_min.x - 1) < 0.11 && Math.abs(d0.grid_min.y - 5) < 0.21, `the grid's lowest point near (1, 5): ${JSON.stringify(d0.grid_min)}`);
  assert.ok(d0.contours.length >= 8, `contour levels drawn (${d0.contours.length})`);
  assert.ok(d0.contours.every((c) => c.segments > 0), 'every level has segments');
  const levels = d0.levels;
  for (let k = 1; k < levels.length; k++) assert.ok(levels[k] > levels[k - 1], 'levels ascend');
  const ratios = levels.slice(1).map((v, k) => v / levels[k]);
  assert.ok(Math.max(...ratios) / Math.min(...ratios) < 1.0001, 'levels are log-spaced (a constant ratio)');
  assert.equal(d0.path_points, 1, 'at step 0 the path is the starting point');
  assert.deepEqual(d0.start, [-1, 0], 'it starts at w = (-1, 0)');
  assert.deepEqual(d0.direction_changes, [0, 0]);
  assert.match(d0.direction_text, /No steps yet/);
  await screenshot(page, 'loss-surface-step0', card);

  await trainSteps(page, 30);
  const d = await viewData(page, 'loss-surface', (v) => v.step === 30 && v.path_points === 31);
  t.diagnostic(`after 30 steps: direction changes ${d.direction_changes}, ${d.direction_text}`);
  assert.equal(d.path.x.length, 31, 'one drawn point per step, and the start');
  assert.deepEqual(d.path.step, [...Array(31).keys()], 'the path is steps 0..30');
  assert.deepEqual(d.start, [-1, 0], 'the start stays');
  assert.deepEqual(d.current, [d.path.x[30], d.path.y[30]], 'the current point is the last one');
  assert.ok(d.direction_changes[0] >= 25, `w1 turned back at almost every step (${d.direction_changes[0]})`);
  assert.ok(d.direction_changes[1] === 0, 'w2 crawls down the valley in one direction');
  assert.equal(d.direction_text, `w1 changed direction ${d.direction_changes[0]} times in 30 steps; w2 0 times.`);
  assert.ok(d.path.loss[30] < d.path.loss[0], `the loss fell (${d.path.loss[0]} -> ${d.path.loss[30]})`);
  assert.ok(d.path.y[30] < 4.5, `w2 is still far from the minimum at 5 (${d.path.y[30]})`);
  assert.equal(await card.locator('.gl-ls-zigzag').textContent(), d.direction_text, 'the sentence is on the page');

  // by keyboard: Home / End / Page Down walk the path, arrows read the surface
  const canvas = card.locator('canvas').first();
  const readout = card.locator('.gl-readout');
  await canvas.focus();
  await page.keyboard.press('End');
  await readout.filter({ hasText: 'Step 30 (now)' }).waitFor({ timeout: 5_000 });
  await page.keyboard.press('Home');
  await readout.filter({ hasText: 'Step 0 (start): w1 = -1, w2 = 0, loss' }).waitFor({ timeout: 5_000 });
  await page.keyboard.press('PageDown');
  await readout.filter({ hasText: 'Step 1:' }).waitFor({ timeout: 5_000 });
  await page.keyboard.press('ArrowRight');
  await readout.filter({ hasText: /^w1 = .*, w2 = .*: loss \d/ }).waitFor({ timeout: 5_000 });
  // hover in the middle of the plot reads the loss there (the arrow key's read-out already
  // names a loss: wait for the hover's own)
  const box = await canvas.boundingBox();
  const keyed = await readout.textContent();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
  const hovered = await poll(async () => {
    const text = (await readout.textContent()) ?? '';
    return text !== keyed && /loss/.test(text) ? text : null;
  }, { timeout: 5_000, message: 'the hover read-out' });
  t.diagnostic(`arrow key: ${keyed} | hover: ${hovered}`);

  // the text alternative: the path as a table, a row per point
  await card.locator('summary', { hasText: 'Show the path as a table' }).click();
  const rows = card.locator('.gl-ls-details tbody tr');
  await rows.nth(30).waitFor({ state: 'attached', timeout: 5_000 });
  assert.equal(await rows.count(), 31);
  assert.equal(await rows.nth(0).locator('td').first().textContent(), '0');
  await card.locator('summary', { hasText: 'Show the path as a table' }).click();
  await page.mouse.move(0, 0);
  await canvas.blur();

  await card.scrollIntoViewIfNeeded();
  await screenshot(page, 'loss-surface-step30-light', page);
  await page.locator('#theme').selectOption('dark');
  await screenshot(page, 'loss-surface-step30-dark', page);
  await page.assertClean('loss-surface');
});
