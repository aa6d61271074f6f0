// Variants side by side in the page (issue 9, "compare mode"): on the XOR lesson the
// Compare card trains three learning rates, each in its own engine worker, overlays their
// losses, and fills the table; the figures are the engine's (a variant equals a fresh run of
// the same spec), a bad value is an error naming the field, and a diverging learning rate
// ends alone. Then the same three one after another, to report the parallel speed-up the
// page measured (a diagnostic: the machine may be busy, so it is not asserted).
import { test } from 'node:test';
import { assert, useBrowser, openPage, openApp, viewData, screenshot, trainSteps } from './helpers.mjs';

const env = useBrowser();

async function runCompare(page, values, { steps = 150, parallel = true } = {}) {
  const card = page.locator('#compare-card');
  await card.scrollIntoViewIfNeeded();
  await page.locator('#compare-field').selectOption('/optimizer/lr');
  await page.locator('#compare-values').fill(values);
  await page.locator('#compare-steps').fill(String(steps));
  await page.locator('#compare-parallel').setChecked(parallel);
  return clickRun(page, values.split(',').length);
}

/**
 * Clicks Run and waits for that run to end: the panel counts its runs, so the last run's
 * finished state (still shown until the next frame draws) is not taken for this one's.
 */
async function clickRun(page, n) {
  const before = (await viewData(page, 'compare')).run;
  await page.locator('#compare-run').click();
  return viewData(page, 'compare', (d) => d.run === before + 1 && d.state && !d.state.running && d.state.variants.length === n, { timeout: 90_000 });
}

test('compare: three learning rates in three workers, overlaid, with their final figures', { timeout: 240_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=xor');
  await page.locator('#compare-card').waitFor();

  // A bad value names what was wrong, and nothing starts.
  await page.locator('#compare-field').selectOption('/optimizer/lr');
  await page.locator('#compare-values').fill('0.1, 0.1');
  await page.locator('#compare-run').click();
  await page.getByText('the value 0.1 is given twice').waitFor();

  const d = await runCompare(page, '0.03, 0.3, 60');
  const byLabel = Object.fromEntries(d.state.variants.map((v) => [v.label, v]));
  assert.deepEqual(d.state.variants.map((v) => v.label), ['0.03', '0.3', '60']);
  for (const label of ['0.03', '0.3']) {
    assert.equal(byLabel[label].status, 'done', `${label}: ${byLabel[label].message}`);
    assert.equal(byLabel[label].steps, 150);
    assert.equal(byLabel[label].rows.length, 150);
    assert.ok(byLabel[label].test && Number.isFinite(byLabel[label].test.accuracy), `${label}: a test evaluation`);
  }
  const last = (v) => v.rows[v.rows.length - 1].loss;
  assert.ok(last(byLabel['0.3']) < last(byLabel['0.03']), `lr 0.3 ends lower than 0.03 after 150 steps (${last(byLabel['0.3'])} vs ${last(byLabel['0.03'])})`);
  assert.ok(byLabel['0.3'].test.accuracy > 0.9, `lr 0.3 solves XOR (test accuracy ${byLabel['0.3'].test.accuracy})`);
  // lr 60 with momentum 0.9 either diverges (and says at which step) or ends far worse.
  const wild = byLabel['60'];
  assert.ok(wild.status === 'diverged' ? wild.divergedAt > 0 : last(wild) > last(byLabel['0.3']), `lr 60: ${wild.status} ${wild.message}`);
  // The table has one row per variant with its status; the chart one series per variant.
  assert.equal(await page.locator('.compare-table tbody tr').count(), 3);
  assert.equal(await page.locator('.compare-table tbody tr[data-variant="0.3"]').getAttribute('data-status'), 'done');
  assert.equal(await page.locator('#compare-card .gl-legend').getByText('0.03', { exact: true }).count(), 1);
  await screenshot(page, 'compare-lr', page.locator('#compare-card'));

  // The variant is the engine's own run: the page's session (lr 0.3, the lesson's) trained
  // 150 steps on the same seed gives the same losses.
  await trainSteps(page, 150);
  const curves = await viewData(page, 'curves', (c) => c.train.length >= 150);
  assert.deepEqual(
    curves.train.slice(0, 150).map((r) => r.loss),
    byLabel['0.3'].rows.map((r) => r.loss),
    'the lr 0.3 variant equals the main session at lr 0.3',
  );

  // One after another gives the same numbers; then in parallel again (both with the module
  // compiled and cached by now) for the speed-up the page measured. A diagnostic only: the
  // machine may be busy, and CI's has 2 cores.
  const sequential = await runCompare(page, '0.03, 0.3, 60', { parallel: false });
  assert.deepEqual(
    sequential.state.variants.map((v) => v.rows.map((r) => r.loss)),
    d.state.variants.map((v) => v.rows.map((r) => r.loss)),
    'one after another gives the same numbers as in parallel',
  );
  const again = await runCompare(page, '0.03, 0.3, 60');
  assert.equal(again.run, sequential.run + 1);

  // Stop in the middle of a long run: every variant stops where it is, the card is not left
  // running, and the next Run starts a fresh run.
  const before = (await viewData(page, 'compare')).run;
  await page.locator('#compare-steps').fill('100000');
  await page.locator('#compare-run').click();
  await viewData(page, 'compare', (c) => c.run === before + 1 && c.state.variants.some((v) => v.steps > 0));
  await page.locator('#compare-run').click(); // now "Stop"
  const stopped = await viewData(page, 'compare', (c) => c.run === before + 1 && !c.state.running);
  assert.ok(stopped.state.variants.every((v) => v.status === 'stopped' || v.status === 'diverged'), JSON.stringify(stopped.state.variants.map((v) => v.status)));
  assert.ok(stopped.state.variants.every((v) => v.steps < 100000));
  assert.equal(await page.locator('#compare-run').textContent(), 'Run side by side');
  const rerun = await runCompare(page, '0.03, 0.3', { steps: 20 });
  assert.deepEqual(rerun.state.variants.map((v) => [v.status, v.steps]), [['done', 20], ['done', 20]], 'a run after a stop starts and finishes');
  t.diagnostic(`3 variants x 150 steps: ${again.state.seconds.toFixed(2)} s in parallel, ${sequential.state.seconds.toFixed(2)} s one after another (speed-up ${(sequential.state.seconds / again.state.seconds).toFixed(2)}x on this machine)`);
});

/** Runs the Compare card on any field (a JSON pointer typed in) and waits for every variant to end. */
async function runComparePointer(page, pointer, values, steps) {
  await page.locator('#compare-card').scrollIntoViewIfNeeded();
  await page.locator('#compare-field').selectOption('__other__');
  await page.locator('#compare-pointer').fill(pointer);
  await page.locator('#compare-pointer').dispatchEvent('change');
  await page.locator('#compare-values').fill(values);
  await page.locator('#compare-steps').fill(String(steps));
  return clickRun(page, values.split(',').length);
}

test('compare: two inits of the deep sigmoid MLP overlay their per-layer gradients, and two RNN learning rates their ‖dL/dh_t‖', { timeout: 240_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=deep-gradients');
  await page.locator('#compare-card').waitFor();
  const d = await runComparePointer(page, '/model/init', 'default, kaiming_normal', 20);
  assert.deepEqual(d.state.variants.map((v) => [v.label, v.status, v.steps, v.snapshotStep]), [['default', 'done', 20, 20], ['kaiming_normal', 'done', 20, 20]]);
  assert.equal(d.layers.labels.length, 19, 'the 19 layers on the x axis');
  assert.deepEqual(d.layers.series.map((s) => [s.variant, s.dashed]), [[0, false], [0, true], [1, false], [1, true]], 'two series per variant: ‖dL/dW‖ and ‖dL/da‖');
  d.state.variants.forEach((v, i) => {
    assert.equal(v.layers.layers.length, 19);
    const [w, a] = d.layers.series.filter((s) => s.variant === i);
    // the drawn values are the variant's own `layers` snapshot, taken by its worker after its last step
    const weighted = v.layers.layers.filter((l) => l.weight_grad_norm !== null);
    assert.equal(weighted.length, 10, 'the ten linear layers have weights');
    assert.deepEqual(w.x, weighted.map((l) => l.index), `${v.label}: ‖dL/dW‖ at the linear layers`);
    assert.deepEqual(w.y, weighted.map((l) => l.weight_grad_norm), `${v.label}: ‖dL/dW‖ drawn = its snapshot`);
    assert.deepEqual(a.y, v.layers.layers.map((l) => (l.output_grad_norm > 0 ? l.output_grad_norm : null)), `${v.label}: ‖dL/da‖ drawn = its snapshot`);
  });
  const ratio = (v) => v.layers.layers[18].weight_grad_norm / v.layers.layers[0].weight_grad_norm;
  t.diagnostic(`‖dL/dW‖ last/first after 20 steps: default ${ratio(d.state.variants[0]).toExponential(2)}, kaiming_normal ${ratio(d.state.variants[1]).toExponential(2)}`);
  assert.notDeepEqual(d.layers.series[0].y, d.layers.series[2].y, 'the two inits give different gradients');
  const chart = page.locator('#compare-card [data-overlay="layer-gradients"]');
  assert.ok(await chart.isVisible(), 'the overlaid per-layer chart is shown');
  assert.equal(await chart.locator('.gl-legend').getByText('kaiming_normal · ‖∂L/∂W‖', { exact: true }).count(), 1, 'its legend names each variant');
  assert.equal(await page.locator('#compare-card [data-overlay="grad-through-time"]').count(), 0, 'an MLP has no gradient through time');
  await screenshot(page, 'compare-layer-gradients', page.locator('#compare-card'));

  const rnn = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(rnn, env, 'lesson=rnn-gradients');
  await rnn.locator('#compare-card').waitFor();
  const r = await runComparePointer(rnn, '/optimizer/lr', '0.005, 0.05', 20);
  assert.deepEqual(r.state.variants.map((v) => v.status), ['done', 'done']);
  assert.equal(r.gradTime.length, 2, 'one ‖dL/dh_t‖ line per variant');
  r.state.variants.forEach((v, i) => {
    assert.equal(v.recurrent.T, 50);
    assert.deepEqual(r.gradTime[i].y, v.recurrent.streams[0].grad_norm.map((x) => (x > 0 ? x : null)), `${v.label}: the drawn ‖dL/dh_t‖ = its recurrent snapshot`);
  });
  const time = rnn.locator('#compare-card [data-overlay="grad-through-time"]');
  assert.ok(await time.isVisible(), 'the overlaid gradient-through-time chart is shown');
  await screenshot(rnn, 'compare-grad-through-time', rnn.locator('#compare-card'));
});

test('compare: plain SGD against momentum on a two-parameter loss surface, both paths over one set of contours', { timeout: 180_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=loss-surface');
  await page.locator('#compare-card').waitFor();
  const d = await runComparePointer(page, '/optimizer/momentum', '0, 0.6', 30);
  assert.deepEqual(d.state.variants.map((v) => [v.label, v.status, v.steps]), [['0', 'done', 30], ['0.6', 'done', 30]]);
  // each path is the variant's own loss_surface snapshot, taken by its worker after its last step
  const [plain, momentum] = d.state.variants;
  assert.equal(d.surface.main.label, '0');
  assert.deepEqual(d.surface.snapshot.path, plain.lossSurface.path, 'the contours and the first path: the first variant’s snapshot');
  assert.equal(d.surface.others.length, 1);
  assert.deepEqual(d.surface.others[0].path, momentum.lossSurface.path, 'the second path: the momentum variant’s own');
  assert.equal(plain.lossSurface.path.x.length, 31, 'a point per step and the start');
  assert.notDeepEqual(plain.lossSurface.path.x, momentum.lossSurface.path.x, 'momentum takes another path');
  const [zx, zy] = plain.lossSurface.direction_changes;
  const [mx, my] = momentum.lossSurface.direction_changes;
  t.diagnostic(`direction changes (zig-zag) over 30 steps: plain SGD ${zx}, ${zy}; momentum 0.6 ${mx}, ${my}`);
  // the view draws both, in the variants' colours, and names them
  const view = page.locator('#compare-card [data-overlay="loss-surface"]');
  assert.ok(await view.isVisible(), 'the overlaid loss surface is shown');
  const drawn = await view.evaluate((el) => el.gradlabData);
  assert.equal(drawn.main_label, '0');
  assert.deepEqual(drawn.variants.map((v) => [v.label, v.points]), [['0.6', 31]]);
  assert.equal(drawn.drawn_path_points, 31);
  await screenshot(page, 'compare-loss-surface', page.locator('#compare-card'));
});
