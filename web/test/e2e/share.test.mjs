// A shared URL restores the same settings and, after the same number of steps, the same loss.
import { test } from 'node:test';
import { assert, useBrowser, openPage, openApp, viewData, lastLoss, trainSteps, poll, screenshot, settled } from './helpers.mjs';

const env = useBrowser();
const N = 30;

/** Every labelled form control's value, by id (the state a student sees), minus the run-n box. */
async function controlValues(page) {
  return page.evaluate(() => {
    const out = {};
    for (const el of document.querySelectorAll('input[id], select[id], textarea[id]')) {
      // Skip the run-n box and generated ids (gl-ctl-3, gl-nf-<random>-1: they differ per page load).
      if (el.id === 'train-steps' || /^gl-/.test(el.id)) continue;
      if (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio')) out[el.id] = el.checked;
      else out[el.id] = el.value;
    }
    return out;
  });
}

async function lossAfter(page, n) {
  await trainSteps(page, n);
  const curves = await viewData(page, 'curves', (d) => lastLoss(d)?.step === n, { timeout: 15_000 });
  return lastLoss(curves).loss;
}

test('a shared URL restores the settings and reproduces the loss in a fresh context', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env);
  await openApp(page, env);
  // Change settings away from the defaults: another lesson, a learning rate and a seed.
  await page.locator('select#lesson').selectOption('xor');
  const lr = page.getByLabel('Learning rate', { exact: true });
  const seed = page.getByLabel('Seed', { exact: true });
  await lr.fill('0.07');
  await lr.press('Enter');
  await seed.fill('7');
  await seed.press('Enter');
  // the lesson's load, the live lr change and the new seed's session, in that order
  await settled(page);
  await poll(async () => (await page.locator('#step-counter').getAttribute('data-step')) === '0', {
    timeout: 15_000,
    message: 'a fresh session at step 0 after the settings changed',
  });
  const settings = await controlValues(page);
  assert.equal(await lr.inputValue(), '0.07', 'the learning rate typed while the lesson loaded is the one shown');
  const loss1 = await lossAfter(page, N);

  await page.locator('#share').click();
  const url = await poll(async () => {
    const href = page.url();
    return /[#&]?lr=0\.07/.test(new URL(href).hash) ? href : null;
  }, { timeout: 10_000, message: 'the URL hash to carry lr=0.07 after #share' });
  const hash = new URL(url).hash;
  console.log(`# shared URL hash: ${hash}`);
  assert.match(hash, /seed=7(&|$)/, 'the hash carries the seed');

  const context2 = await env.browser.newContext();
  t.after(() => context2.close());
  const page2 = await context2.newPage();
  const errors = [];
  page2.on('pageerror', (e) => errors.push(e.message));
  page2.on('console', (m) => m.type() === 'error' && !/favicon/.test(m.location()?.url ?? '') && errors.push(m.text()));
  await page2.goto(url);
  await page2.locator('#step-counter[data-step="0"]').waitFor({ timeout: 30_000 });
  const settings2 = await controlValues(page2);
  const differ = Object.keys({ ...settings, ...settings2 }).filter((k) => settings[k] !== settings2[k]);
  console.log(`# ${Object.keys(settings).length} controls compared; differing: ${differ.map((k) => `${k}: ${JSON.stringify(settings[k])} vs ${JSON.stringify(settings2[k])}`).join(', ') || 'none'}`);
  assert.deepEqual(settings2, settings, 'the same settings in the fresh context');
  assert.equal(await page2.getByLabel('Learning rate', { exact: true }).inputValue(), '0.07');
  assert.equal(await page2.getByLabel('Seed', { exact: true }).inputValue(), '7');
  const loss2 = await lossAfter(page2, N);
  console.log(`# loss after ${N} steps: original ${loss1}, from the shared URL ${loss2}, |diff| ${Math.abs(loss1 - loss2)}`);
  assert.ok(Math.abs(loss1 - loss2) <= 1e-6, `same loss to 1e-6 (${loss1} vs ${loss2})`);

  // And the settings matter: the default page's loss after N steps differs.
  // A third, fresh context (the app keeps the workspace in localStorage per context).
  const context3 = await env.browser.newContext();
  t.after(() => context3.close());
  const page3 = await context3.newPage();
  await openApp(page3, env);
  const loss3 = await lossAfter(page3, N);
  console.log(`# default settings: loss after ${N} steps ${loss3}`);
  assert.ok(Math.abs(loss3 - loss1) > 1e-6, 'the shared settings changed the run (else the test proves nothing)');
  assert.deepEqual(errors, [], 'no errors in the fresh context');
  await page.assertClean('the sharing page');
});

test('the Share link box follows the lesson on screen', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=xor');
  await page.locator('#share').click();
  const box = page.locator('.share-url');
  await poll(async () => /lesson=xor/.test(await box.inputValue()), { timeout: 10_000, message: 'the link box shows the xor link' });
  assert.ok(await box.isVisible(), 'the link box is shown after #share');
  for (const lesson of ['rnn-gradients', 'attention']) {
    await page.locator('select#lesson').selectOption(lesson);
    await poll(async () => new URL(page.url()).hash.includes(`lesson=${lesson}`), { timeout: 20_000, message: `the address names ${lesson}` });
    const shown = await box.inputValue();
    t.diagnostic(`after switching to ${lesson}: box ${shown}`);
    assert.equal(shown, page.url(), `the link box shows the address of ${lesson}, not an older lesson's`);
    assert.match(shown, new RegExp(`lesson=${lesson}`));
  }
  await screenshot(page, 'share-box', page.locator('header.topbar'));
  await page.assertClean();
});
