// Every optimizer switch from the Training panel works: on the XOR lesson (SGD with
// momentum) the panel's select goes through every ordered pair of optimizer types, and
// after each switch the select, the Spec JSON, the URL and the engine (the spec in its
// checkpoint) name the new type, the optimizer block holds only fields that type has, and
// the new session trains.
import { test } from 'node:test';
import {
  assert,
  useBrowser,
  openPage,
  openApp,
  trainSteps,
  poll,
  engineSpec,
  editorSpec,
  hashSettings,
  viewData,
  lastLoss,
  screenshot,
} from './helpers.mjs';

const env = useBrowser();

const TYPES = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'];
/** docs/spec.md, "optimizer": the fields of each type */
const FIELDS = {
  sgd: ['type', 'lr', 'momentum', 'dampening', 'nesterov', 'weight_decay'],
  adam: ['type', 'lr', 'betas', 'eps', 'weight_decay'],
  adamw: ['type', 'lr', 'betas', 'eps', 'weight_decay'],
  rmsprop: ['type', 'lr', 'alpha', 'eps', 'momentum', 'centered', 'weight_decay'],
  adagrad: ['type', 'lr', 'lr_decay', 'initial_accumulator_value', 'eps', 'weight_decay'],
};

/** A walk from sgd back to sgd that takes every ordered pair (a, b), a != b, once. */
function everyPair() {
  const walk = [];
  for (let k = 1; k < TYPES.length; k++) for (let i = 1; i <= TYPES.length; i++) walk.push(TYPES[(i * k) % TYPES.length]);
  return walk;
}

test('every optimizer switch from the Training panel works and everything agrees', { timeout: 240_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=xor');
  const select = page.getByLabel('Optimizer', { exact: true });
  assert.equal(await select.inputValue(), 'sgd', 'the XOR lesson starts with SGD');
  const walk = everyPair();
  const pairs = new Set();
  let from = 'sgd';
  for (const type of walk) {
    pairs.add(`${from}->${type}`);
    await trainSteps(page, 2); // so that a fresh session shows as step 0
    await select.selectOption(type);
    await poll(
      async () => {
        const msg = (await page.locator('#message').textContent()) ?? '';
        if (/unknown field|could not|stopped/i.test(msg)) throw new Error(`${from} -> ${type}: ${msg}`);
        return hashSettings(page).optimizer === type && (await page.locator('#step-counter').getAttribute('data-step')) === '0';
      },
      { timeout: 20_000, message: `${from} -> ${type}: a fresh session with optimizer=${type} in the URL` },
    );
    assert.equal(await select.inputValue(), type, `${from} -> ${type}: the select`);
    const json = await editorSpec(page);
    const engine = await engineSpec(page);
    assert.equal(json.optimizer.type, type, `${from} -> ${type}: the Spec JSON`);
    assert.equal(engine.optimizer.type, type, `${from} -> ${type}: the engine`);
    assert.deepEqual(json.optimizer, engine.optimizer, `${from} -> ${type}: the Spec JSON and the engine agree`);
    for (const key of Object.keys(engine.optimizer)) assert.ok(FIELDS[type].includes(key), `${from} -> ${type}: ${key} is a field of ${type}`);
    const momentumShown = await page.getByLabel('Momentum', { exact: true }).count();
    assert.equal(momentumShown, FIELDS[type].includes('momentum') ? 1 : 0, `${from} -> ${type}: the Momentum field shows only where the type has it`);
    if ('momentum' in hashSettings(page)) assert.ok(FIELDS[type].includes('momentum'), `${from} -> ${type}: no momentum in the URL`);
    const end = await trainSteps(page, 3);
    const curves = await viewData(page, 'curves', (d) => lastLoss(d)?.step === end, { timeout: 15_000 });
    assert.ok(Number.isFinite(lastLoss(curves).loss), `${from} -> ${type}: trains (finite loss)`);
    if (type === 'adam' && from === 'sgd') await screenshot(page, 'optimizer-adam', page.locator('#settings'));
    from = type;
  }
  t.diagnostic(`${pairs.size} ordered pairs switched: ${[...pairs].join(', ')}`);
  assert.equal(pairs.size, TYPES.length * (TYPES.length - 1), 'every ordered pair');
  // back at SGD: the lesson's momentum comes back
  assert.equal((await editorSpec(page)).optimizer.momentum, 0.9, "SGD again has the lesson's momentum");
  await page.assertClean();
});
