// Training settings change without a reset where that makes sense: a new learning rate is
// taken by the running session (the step count goes on and the engine reports the new lr),
// while a new seed starts a fresh session at step 0 and says why.
import fs from 'node:fs';
import { test } from 'node:test';
import { assert, useBrowser, openPage, openApp, viewData, trainSteps, stepCount, poll, engineSpec, editorSpec, hashSettings, settled } from './helpers.mjs';

const env = useBrowser();

/** The last train metrics row of the curves view at step `n`. */
async function trainRow(page, n) {
  const curves = await viewData(page, 'curves', (d) => (d?.train ?? []).some((r) => r.step === n), { timeout: 15_000 });
  return curves.train.find((r) => r.step === n);
}

test('a new learning rate applies live; a new seed restarts with a note', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env);
  await openApp(page, env, 'lesson=xor');
  await trainSteps(page, 20);
  const before = await trainRow(page, 20);
  assert.ok(typeof before.lr === 'number' && before.lr !== 0.05, `the lesson's lr is not 0.05 already (found ${before.lr})`);

  const lr = page.getByLabel('Learning rate', { exact: true });
  await lr.fill('0.05');
  await lr.press('Enter');
  await poll(async () => /training goes on/.test((await page.locator('#message').textContent()) ?? ''), {
    timeout: 15_000,
    message: '#message says training goes on',
  });
  assert.equal(await stepCount(page), 20, 'the learning rate change kept the step count');
  await trainSteps(page, 5);
  const after = await trainRow(page, 25);
  t.diagnostic(`lr ${before.lr} at step 20, ${after.lr} at step 25`);
  assert.equal(after.lr, 0.05, 'the engine trained with the new learning rate');

  const seed = page.getByLabel('Seed', { exact: true });
  await seed.fill('5');
  await seed.press('Enter');
  await poll(async () => (await page.locator('#step-counter').getAttribute('data-step')) === '0', {
    timeout: 15_000,
    message: 'a new seed restarts at step 0',
  });
  const note = (await page.locator('#message').textContent()) ?? '';
  t.diagnostic(`note: ${note}`);
  assert.match(note, /restarted/, 'the page says why training restarted');
});

test('after live changes the panel, the Spec JSON, the URL and the engine agree', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env);
  await openApp(page, env, 'lesson=xor');
  await trainSteps(page, 10);
  const changes = [
    ['Learning rate', 'lr', '/optimizer/lr', '0.05'],
    ['Momentum', 'momentum', '/optimizer/momentum', '0.5'],
    ['Learning rate', 'lr', '/optimizer/lr', '0.125'],
    ['Clip gradient norm', 'clip', '/training/clip_grad_norm', '2'],
  ];
  const at = (spec, pointer) => pointer.split('/').slice(1).reduce((o, k) => o?.[k], spec);
  for (const [label, name, pointer, value] of changes) {
    const box = page.getByLabel(label, { exact: true });
    await box.fill(value);
    await box.press('Enter');
    await poll(async () => hashSettings(page)[name] === value, { timeout: 15_000, message: `${name}=${value} in the URL` });
    assert.match((await page.locator('#message').textContent()) ?? '', /training goes on/, `${label}: applied live`);
    const json = await editorSpec(page);
    const engine = await engineSpec(page);
    t.diagnostic(`${label} ${value}: panel ${await box.inputValue()}, JSON ${at(json, pointer)}, URL ${hashSettings(page)[name]}, engine ${at(engine, pointer)}`);
    assert.equal(await box.inputValue(), value, `${label}: the panel`);
    assert.equal(at(json, pointer), Number(value), `${label}: the Spec JSON`);
    assert.equal(at(engine, pointer), Number(value), `${label}: the engine`);
    assert.deepEqual(json.optimizer, engine.optimizer, `${label}: the JSON's optimizer block is the engine's`);
    assert.deepEqual(json.training, engine.training, `${label}: the JSON's training block is the engine's`);
  }
  assert.equal(await stepCount(page), 10, 'every change was live (no restart)');
  const row = (await trainSteps(page, 2), await viewData(page, 'curves', (d) => d.train.some((r) => r.step === 12))).train.find((r) => r.step === 12);
  assert.equal(row.lr, 0.125, 'the engine trains with the last learning rate');
  await page.assertClean();
});

test('a change the engine refuses leaves the panel, the JSON, the URL and the engine on the running values', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env);
  await openApp(page, env, 'lesson=xor');
  await trainSteps(page, 5);
  // truncated BPTT needs sequence inputs: the engine refuses it for XOR's points
  const box = page.getByLabel('Truncated BPTT length', { exact: true });
  assert.equal(await box.inputValue(), '', 'no truncation to start with');
  await box.fill('5');
  await box.press('Enter');
  const error = page.locator('.inline-error', { hasText: /tbptt/ });
  await error.waitFor({ state: 'visible', timeout: 15_000 });
  t.diagnostic(`error next to the field: ${await error.textContent()}`);
  assert.equal(await box.inputValue(), '', 'the panel shows the value that runs again');
  assert.ok(!('tbptt' in hashSettings(page)), 'the URL has no tbptt');
  assert.equal((await editorSpec(page)).training.tbptt, undefined, 'the Spec JSON has no tbptt');
  assert.equal((await engineSpec(page)).training.tbptt, undefined, 'the engine has no tbptt');
  assert.equal(await stepCount(page), 5, 'the running session goes on');
  await trainSteps(page, 2);
  await page.assertClean();
});

for (const enterAfter of [false, true]) {
  const how = enterAfter ? 'typed while another lesson loads and entered after it shows' : 'typed and entered while another lesson loads';
  test(`a learning rate ${how} applies to that lesson`, { timeout: 90_000 }, async (t) => {
    // no service worker: its cache would answer the lesson's fetch before the route can hold it
    const page = await openPage(t, env, { contextOptions: { serviceWorkers: 'block' } });
    await openApp(page, env, 'lesson=xor');
    // hold the next lesson's file back, so the typing lands while the switch is under way
    // (on a busy machine the load takes this long by itself)
    let release;
    const held = new Promise((r) => (release = r));
    let asked = false;
    await page.route('**/lessons/width.json', async (route) => {
      asked = true;
      await held;
      await route.continue();
    });
    const lesson = page.locator('select#lesson');
    assert.ok((await lesson.locator('option[value="width"]').count()) === 1, 'the width lesson is in the menu');
    await lesson.selectOption('width');
    const lr = page.getByLabel('Learning rate', { exact: true });
    await lr.fill('0.07');
    if (!enterAfter) await lr.press('Enter');
    await poll(async () => asked, { timeout: 15_000, message: 'the page asked for the lesson (and the route holds it)' });
    release();
    await settled(page);
    // the engine runs the new lesson's network (its spec's name) before anything is compared
    const name = JSON.parse(fs.readFileSync(new URL('../../public/lessons/width.json', import.meta.url), 'utf8')).name;
    let spec = null;
    await poll(async () => (spec = await engineSpec(page)).name === name, { timeout: 20_000, message: `the engine runs "${name}"` });
    if (enterAfter) {
      // the new lesson's panel kept the text being typed, and the focus
      assert.equal(await lr.inputValue(), '0.07', 'the field kept the typed text when the new panel was drawn');
      await lr.press('Enter');
      await settled(page);
      spec = await engineSpec(page);
    }
    const hash = hashSettings(page);
    t.diagnostic(`engine lr ${spec.optimizer?.lr}, hash lr ${hash.lr}, panel ${await lr.inputValue()}, lesson ${hash.lesson}`);
    assert.equal(hash.lesson, 'width', 'the new lesson is on screen');
    assert.equal(spec.optimizer?.lr, 0.07, 'the engine runs the new lesson with the typed learning rate');
    assert.equal(hash.lr, '0.07', 'the URL carries it');
    assert.equal(await lr.inputValue(), '0.07', 'the panel shows it');
    assert.equal((await editorSpec(page)).optimizer?.lr, 0.07, 'the Spec JSON shows it');
  });
}

test('a new session drawn while the student types in a setting keeps the field, its focus and the typed text', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env);
  await openApp(page, env, 'lesson=xor');
  const lr = page.getByLabel('Learning rate', { exact: true });
  await lr.click();
  await lr.selectText();
  await page.keyboard.type('0.0');
  // the lesson starts over (a new session, the panel drawn again) while the focus stays in the field
  await page.evaluate(() => {
    const select = document.querySelector('select#lesson');
    select.value = 'xor';
    select.dispatchEvent(new Event('change'));
  });
  await settled(page);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'setting-lr', 'the learning rate field still has the focus');
  await page.keyboard.type('7');
  await page.keyboard.press('Enter');
  await settled(page);
  const spec = await engineSpec(page);
  t.diagnostic(`field ${await lr.inputValue()}, engine lr ${spec.optimizer?.lr}, hash lr ${hashSettings(page).lr}`);
  assert.equal(await lr.inputValue(), '0.07', 'the field has what was typed, before and after the new session');
  assert.equal(spec.optimizer?.lr, 0.07, 'the engine runs it');
  assert.equal(hashSettings(page).lr, '0.07', 'the URL carries it');
});
