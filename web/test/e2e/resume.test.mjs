// Work is never lost (issues 12, 13): a reload continues the run where it was (the last
// checkpoint kept in the browser, with the curves), switching lessons keeps each lesson's
// run, a kept run trained with other settings gives way to a fresh one with a note, a
// checkpoint too large to keep says so, and a trap of the wasm engine is survived: the
// worker restarts the engine from its last good state and the page says what happened.
import fs from 'node:fs';
import { test } from 'node:test';
import { assert, useBrowser, openPage, openApp, viewData, trainSteps, stepCount, poll, waitReady, waitForStep, screenshot, resetTraining, settled, editorSpec } from './helpers.mjs';

const env = useBrowser();

/** Keeps hold of the page's engine workers (window.__gradlabWorkers), to send them the test-only testTrap command. */
async function captureWorkers(page) {
  await page.context().addInitScript(() => {
    const Base = window.Worker;
    window.__gradlabWorkers = [];
    window.Worker = class extends Base {
      constructor(...args) {
        super(...args);
        window.__gradlabWorkers.push(this);
      }
    };
  });
}

/** The checkpoint "Save checkpoint" downloads: the engine's own state, as text. */
async function engineCheckpoint(page) {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.locator('#checkpoint-export').click()]);
  return fs.readFileSync(await download.path(), 'utf8');
}

/** The curves view's train row at step `n` (the engine's metrics of that step). */
async function trainRow(page, n) {
  const curves = await viewData(page, 'curves', (d) => (d?.train ?? []).some((r) => r.step === n), { timeout: 20_000 });
  return curves.train.find((r) => r.step === n);
}

/** Wait until the page has kept the run at the step it shows (html[data-saved-step]). */
async function waitSaved(page) {
  const step = await stepCount(page);
  await poll(async () => Number(await page.locator('html').getAttribute('data-saved-step')) === step, {
    timeout: 15_000,
    message: `the run kept in the browser at step ${step}`,
  });
  return step;
}

/** Reload and wait until the kept run is back (html[data-restored-step]). */
async function reloadRestored(page, step) {
  await page.reload({ waitUntil: 'load' });
  await waitReady(page);
  await poll(async () => Number(await page.locator('html').getAttribute('data-restored-step')) === step, {
    timeout: 20_000,
    message: `the page restored step ${step} after the reload`,
  });
}

async function messageText(page) {
  return (await page.locator('#message').textContent()) ?? '';
}

/**
 * Train part way, reload, compare: the same step, the same engine state (the downloaded
 * checkpoints are identical text), the same losses in the curves; then `more` steps give
 * the losses a run that never reloaded gives.
 */
async function reloadResumes(t, lesson, { play, steps, more, openView }) {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, `lesson=${lesson}`);
  if (openView) await page.locator('select#add-view').selectOption(openView);
  if (play) {
    await page.locator('#play').click();
    await waitForStep(page, steps, { timeout: 45_000 });
    await page.locator('#play').click();
    await poll(async () => (await page.locator('#play').getAttribute('aria-pressed')) === 'false', { message: 'paused' });
  } else {
    await trainSteps(page, steps);
  }
  const step = await waitSaved(page);
  const before = await trainRow(page, step);
  const curvesBefore = await viewData(page, 'curves');
  const checkpointBefore = await engineCheckpoint(page);

  await reloadRestored(page, step);
  assert.equal(await stepCount(page), step, 'the step counter shows the kept step');
  assert.match(await messageText(page), new RegExp(`continues at step ${step}\\b`), 'the page says the run continues');
  const after = await trainRow(page, step);
  const curvesAfter = await viewData(page, 'curves');
  t.diagnostic(`${lesson}: step ${step}, loss ${before.loss} before the reload, ${after.loss} after; ${curvesAfter.train.length} train rows, ${curvesAfter.test.length} test rows`);
  assert.equal(after.loss, before.loss, 'the same loss at that step, exactly');
  assert.equal(curvesAfter.train.length, curvesBefore.train.length, 'every train row of the curves came back');
  assert.deepEqual(
    curvesAfter.test.map((r) => [r.step, r.loss]),
    curvesBefore.test.filter((r) => r.step <= step).map((r) => [r.step, r.loss]),
    'the test evaluations came back',
  );
  const checkpointAfter = await engineCheckpoint(page);
  assert.equal(checkpointAfter.length, checkpointBefore.length, 'the engine state has the same size');
  assert.ok(checkpointAfter === checkpointBefore, 'the engine state after the reload is the one before (parameters, optimizer slots, batch order, RNG)');
  if (openView === 'network-diagram') {
    // the view opened before the reload is back, drawing the restored weights
    const params = JSON.parse(checkpointAfter).parameters;
    const diagram = await viewData(page, 'network-diagram', (d) => d.step === step && d.edges.length > 0);
    for (const e of diagram.edges) {
      const p = params[e.param];
      assert.equal(Math.fround(e.weight), Math.fround(p.data[e.row * p.shape[1] + e.col]), `${e.param}[${e.row}, ${e.col}] drawn with its restored value`);
    }
    t.diagnostic(`network-diagram back at step ${diagram.step} with ${diagram.edges.length} edges of the restored weights`);
  }
  await screenshot(page, `resume-${lesson}-restored`);

  await trainSteps(page, more);
  const continued = await trainRow(page, step + more);
  await page.assertClean(`${lesson} after the reload`);

  // the same lesson trained without a reload (a fresh context keeps nothing)
  const ref = await openPage(t, env);
  await openApp(ref, env, `lesson=${lesson}`);
  await trainSteps(ref, step + more);
  const reference = await trainRow(ref, step + more);
  assert.equal(await ref.locator('html').getAttribute('data-restored-step'), null, 'a fresh context restores nothing');
  t.diagnostic(`${lesson}: loss at step ${step + more}: ${continued.loss} after the reload, ${reference.loss} without one`);
  assert.ok(Number.isFinite(continued.loss), 'training goes on with a finite loss');
  assert.equal(continued.loss, reference.loss, 'continuing after the reload reproduces the run that never stopped, exactly');
  assert.equal((await trainRow(ref, step)).loss, before.loss, 'and the step before the reload matches it too');
  await ref.assertClean('reference run');
}

test('reload in the middle of training resumes XOR at the same step with the same loss', { timeout: 120_000 }, async (t) => {
  await reloadResumes(t, 'xor', { play: true, steps: 150, more: 20, openView: 'network-diagram' });
});

test('reload while playing resumes at the last kept step (kept every second of training) with its loss', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env);
  await openApp(page, env, 'lesson=xor');
  await page.locator('#play').click();
  await waitForStep(page, 200, { timeout: 45_000 });
  await poll(async () => Number(await page.locator('html').getAttribute('data-saved-step')) > 0, { message: 'a run kept while playing' });
  const savedBefore = Number(await page.locator('html').getAttribute('data-saved-step'));
  const curvesBefore = await viewData(page, 'curves');
  const shown = Math.max(...curvesBefore.train.map((r) => r.step));
  await page.reload({ waitUntil: 'load' });
  await waitReady(page);
  await poll(async () => Number(await page.locator('html').getAttribute('data-restored-step')) > 0, { timeout: 20_000, message: 'a restored step' });
  const restored = Number(await page.locator('html').getAttribute('data-restored-step'));
  t.diagnostic(`kept at ${savedBefore} when read, ${shown} steps done, restored at ${restored}`);
  assert.ok(restored >= savedBefore, `not older than the last kept step read before the reload (${restored} >= ${savedBefore})`);
  // (a later save may land during the reload; none can be past the steps done)
  assert.ok(restored <= shown + 200, `not past what was trained (${restored})`);
  assert.equal(await stepCount(page), restored, 'the step counter shows it');
  assert.equal(await page.locator('#play').getAttribute('aria-pressed'), 'false', 'the restored run waits for Play');
  const after = await trainRow(page, restored);
  const ref = await openPage(t, env);
  await openApp(ref, env, 'lesson=xor');
  await trainSteps(ref, restored);
  const reference = await trainRow(ref, restored);
  t.diagnostic(`loss at step ${restored}: ${after.loss} restored, ${reference.loss} in a run without a reload`);
  assert.equal(after.loss, reference.loss, 'the loss at that step is the run’s, exactly');
  await page.assertClean('reload while playing');
  await ref.assertClean('reference run');
});

test('reload resumes a recurrent lesson (rnn-gradients)', { timeout: 120_000 }, async (t) => {
  await reloadResumes(t, 'rnn-gradients', { play: false, steps: 25, more: 5 });
});

test('switching lessons keeps each run; a reset forgets it', { timeout: 120_000 }, async (t) => {
  const page = await openPage(t, env);
  await openApp(page, env, 'lesson=xor');
  // a live learning-rate change belongs to the run and comes back with it
  const lr = page.getByLabel('Learning rate', { exact: true });
  await lr.fill('0.2');
  await lr.press('Enter');
  await trainSteps(page, 40);
  const xor40 = await trainRow(page, 40);
  const xorCheckpoint = await engineCheckpoint(page);

  await page.locator('select#lesson').selectOption('rnn-gradients');
  await poll(async () => (await stepCount(page)) === 0 && (await page.locator('select#lesson').inputValue()) === 'rnn-gradients', { message: 'rnn-gradients at step 0' });
  await trainSteps(page, 10);
  const rnn10 = await trainRow(page, 10);

  await page.locator('select#lesson').selectOption('xor');
  await poll(async () => (await page.locator('html').getAttribute('data-restored-step')) === '40', { message: 'xor restored at step 40' });
  assert.equal(await stepCount(page), 40, 'xor comes back at step 40');
  assert.equal((await trainRow(page, 40)).loss, xor40.loss, 'with its loss');
  assert.equal(await lr.inputValue(), '0.2', 'and its learning rate');
  assert.match(page.url(), /lr=0\.2/, 'the address has the run’s learning rate');
  assert.ok((await engineCheckpoint(page)) === xorCheckpoint, 'the engine state is the one left');
  t.diagnostic(`xor back at step 40 (loss ${xor40.loss}), lr 0.2`);

  await page.locator('select#lesson').selectOption('rnn-gradients');
  await poll(async () => (await page.locator('html').getAttribute('data-restored-step')) === '10', { message: 'rnn-gradients restored at step 10' });
  assert.equal((await trainRow(page, 10)).loss, rnn10.loss, 'rnn-gradients comes back at step 10 with its loss');

  // Reset starts over, and a reload then starts at step 0 too
  await resetTraining(page);
  await page.reload({ waitUntil: 'load' });
  await waitReady(page);
  await page.waitForTimeout(500); // a restore would have happened by now (it is a reply away)
  assert.equal(await page.locator('html').getAttribute('data-restored-step'), null, 'nothing restored after a reset');
  assert.equal(await stepCount(page), 0, 'rnn-gradients starts at step 0 after a reset and a reload');
  await page.assertClean('switching lessons');
});

test('a kept run trained with other settings gives way to a fresh run, with a note', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env);
  await openApp(page, env, 'lesson=xor');
  await trainSteps(page, 30);
  await waitSaved(page);
  // a link to the same lesson with another learning rate
  await page.goto(`${env.url}#lesson=xor&lr=0.05`, { waitUntil: 'load' });
  await page.reload({ waitUntil: 'load' });
  await waitReady(page);
  await poll(async () => /other settings/.test(await messageText(page)), { timeout: 15_000, message: 'a note about the kept run' });
  const note = await messageText(page);
  t.diagnostic(`note: ${note}`);
  assert.match(note, /step 30/, 'the note says which run');
  assert.match(note, /starts at step 0/, 'the note says training starts over');
  assert.match(note, /it differs in \/optimizer\/lr\)/, 'the note names what differs');
  assert.equal(await stepCount(page), 0, 'a fresh run at step 0');
  await trainSteps(page, 5);
  assert.equal((await trainRow(page, 5)).lr, 0.05, 'with the link’s learning rate');
  await page.assertClean('a kept run with other settings');
});

test('a checkpoint too large to keep says so; the lesson still comes back within the page', { timeout: 120_000 }, async (t) => {
  const page = await openPage(t, env);
  await openApp(page, env, 'lesson=attention');
  await trainSteps(page, 3);
  await poll(async () => /larger than/.test(await messageText(page)), { timeout: 20_000, message: 'the too-large note' });
  const note = await messageText(page);
  t.diagnostic(`note: ${note}`);
  assert.match(note, /\(\d+\.\d MB\) is larger than the 4\.0 MB/, 'the note gives the size and the limit');
  assert.match(note, /reload will start it again at step 0/, 'and what it means');
  await screenshot(page, 'resume-too-large');
  // within the page the run is kept in memory
  await page.locator('select#lesson').selectOption('xor');
  await poll(async () => (await page.locator('select#lesson').inputValue()) === 'xor' && (await stepCount(page)) === 0, { message: 'xor' });
  await page.locator('select#lesson').selectOption('attention');
  await poll(async () => (await page.locator('html').getAttribute('data-restored-step')) === '3', { timeout: 30_000, message: 'attention back at step 3' });
  // across a reload it is not
  await page.reload({ waitUntil: 'load' });
  await waitReady(page);
  await page.waitForTimeout(1000);
  assert.equal(await stepCount(page), 0, 'after a reload the too-large run starts at step 0');
  await page.assertClean('a too-large checkpoint');
});

test('a trap of the engine: the worker restarts it from the last good state and says so', { timeout: 120_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await captureWorkers(page);
  await openApp(page, env, 'lesson=xor');
  await page.locator('#play').click();
  await waitForStep(page, 300, { timeout: 45_000 });
  // a real trap: the engine's stack pointer moved to 0, so its next call faults
  await page.evaluate(() => window.__gradlabWorkers[0].postMessage({ kind: 'request', id: 1e9, cmd: 'testTrap', params: {} }));
  await poll(async () => /internal error/.test(await messageText(page)), { timeout: 15_000, message: 'the page says what happened' });
  const text = await messageText(page);
  t.diagnostic(`message: ${text}`);
  const m = /The engine stopped with an internal error at step (\d+) \((.+)\); it was restarted from step (\d+)\./.exec(text);
  assert.ok(m, `the message says where it stopped and where it restarted: "${text}"`);
  const [failedAt, why, restoredTo] = [Number(m[1]), m[2], Number(m[3])];
  assert.match(why, /memory access out of bounds/, 'the cause is a real trap of the wasm instance');
  assert.ok(restoredTo > 0 && restoredTo <= failedAt, `restored to the last good step (${restoredTo} <= ${failedAt})`);
  await screenshot(page, 'resume-trap-message');

  // training goes on from the restored step, with the losses of a run that never trapped
  assert.equal(await page.locator('#play').getAttribute('aria-pressed'), 'true', 'still playing');
  await waitForStep(page, restoredTo + 100, { timeout: 45_000 });
  await page.locator('#play').click();
  const row = await trainRow(page, restoredTo + 50);
  const curves = await viewData(page, 'curves');
  const steps = curves.train.map((r) => r.step);
  assert.ok(steps.every((s, i) => i === 0 || s > steps[i - 1]), 'the curves have each step once (the lost steps were dropped)');

  const ref = await openPage(t, env);
  await openApp(ref, env, 'lesson=xor');
  await trainSteps(ref, restoredTo + 50);
  const reference = await trainRow(ref, restoredTo + 50);
  t.diagnostic(`loss at step ${restoredTo + 50}: ${row.loss} after the restart, ${reference.loss} in a run without a trap`);
  assert.equal(row.loss, reference.loss, 'the restored run is the run that never trapped, exactly');

  // a later session of the fresh instance trains cleanly (no NaN, the clean numbers)
  await page.locator('select#lesson').selectOption('rnn-gradients');
  await poll(async () => (await page.locator('select#lesson').inputValue()) === 'rnn-gradients' && (await stepCount(page)) === 0, { message: 'rnn-gradients' });
  await trainSteps(page, 10);
  const later = await viewData(page, 'curves', (d) => d.train.length >= 10);
  await ref.locator('select#lesson').selectOption('rnn-gradients');
  await poll(async () => (await ref.locator('select#lesson').inputValue()) === 'rnn-gradients' && (await stepCount(ref)) === 0, { message: 'reference rnn-gradients' });
  await trainSteps(ref, 10);
  const clean = await viewData(ref, 'curves', (d) => d.train.length >= 10);
  assert.ok(later.train.every((r) => Number.isFinite(r.loss)), 'finite losses');
  assert.deepEqual(later.train.map((r) => r.loss), clean.train.map((r) => r.loss), 'a new session after the restart gives the clean losses');
  await page.assertClean('after the trap');
  await ref.assertClean('reference');
});

test('a trap inside <gradlab-lesson>: the element restarts the engine and says so', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await captureWorkers(page);
  await page.goto(`${env.url}embed.html#lesson=xor`);
  const lesson = page.locator('gradlab-lesson');
  const play = lesson.locator('#play');
  await poll(async () => (await play.count()) > 0 && !(await play.isDisabled()), { timeout: 30_000, message: 'the element ready' });
  await play.click();
  await page.waitForTimeout(1500); // a few hundred steps, and a last good checkpoint of them
  await page.evaluate(() => window.__gradlabWorkers[0].postMessage({ kind: 'request', id: 1e9, cmd: 'testTrap', params: {} }));
  const message = lesson.locator('#message');
  await poll(async () => /internal error/.test((await message.textContent()) ?? ''), { timeout: 15_000, message: 'the element says what happened' });
  const text = (await message.textContent()) ?? '';
  t.diagnostic(`message: ${text}`);
  assert.match(text, /The engine stopped with an internal error at step \d+ \(.*memory access out of bounds.*\); it was restarted from step \d+\./);
  assert.equal(await message.isVisible(), true, 'the message is shown');
  await screenshot(page, 'resume-trap-element');
});

test('a gate clamp is part of the run: the Spec JSON, the URL, a reload and a fresh run from the link keep it', { timeout: 150_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=lstm-forget');
  const gate = page.locator('select#clamp-gate');
  const value = page.locator('input#clamp-value');
  await poll(async () => (await gate.locator('option[value="f"]').count()) === 1, { message: 'the clamp control offers f' });
  await gate.selectOption('f');
  await value.fill('0');
  await value.dispatchEvent('change');
  await settled(page);
  const want = { gate: 'f', value: 0 };
  const spec = JSON.parse(await engineCheckpoint(page)).spec;
  assert.deepEqual(spec.training?.clamp, want, "the engine's spec has /training/clamp");
  assert.deepEqual((await editorSpec(page)).training?.clamp, want, 'the Spec JSON shows it');
  await trainSteps(page, 12);
  const step = await waitSaved(page);
  const before = await trainRow(page, step);
  const link = page.url();

  await reloadRestored(page, step);
  assert.equal(await gate.inputValue(), 'f', 'the clamp control shows the restored clamp');
  assert.equal(await value.inputValue(), '0');
  assert.deepEqual(JSON.parse(await engineCheckpoint(page)).spec.training?.clamp, want, 'the restored session runs under the clamp');
  await trainSteps(page, 8);
  const continued = await trainRow(page, step + 8);

  // the address opened in a fresh context: the same clamped run from step 0
  const ref = await openPage(t, env);
  await ref.goto(link, { waitUntil: 'load' });
  await waitReady(ref);
  await trainSteps(ref, step + 8);
  assert.equal((await trainRow(ref, step)).loss, before.loss, 'the link reproduces the clamped run');
  assert.equal((await trainRow(ref, step + 8)).loss, continued.loss, 'and the run continued after the reload');
  t.diagnostic(`lstm-forget clamped f=0: loss ${before.loss} at step ${step}, ${continued.loss} at ${step + 8}, the same from the link`);

  // lifting it is a spec change too
  await gate.selectOption('none');
  await settled(page);
  assert.equal(JSON.parse(await engineCheckpoint(page)).spec.training?.clamp, undefined, 'no clamp after "none"');
  await page.assertClean('clamp');
  await ref.assertClean('clamp link');
});
