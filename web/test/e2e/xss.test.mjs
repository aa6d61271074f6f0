// Text is text: names, descriptions, lesson titles and spec keys holding
// `<img src=x onerror=alert(1)>` render as text and run nothing; a damaged URL hash shows a
// plain message (#message) and falls back to the defaults.
import { test } from 'node:test';
import {
  assert,
  useBrowser,
  openPage,
  openApp,
  deepCount,
  deepText,
  stepCount,
  trainSteps,
  poll,
  XSS,
} from './helpers.mjs';

// No CSP here on purpose: a strict policy would block an injected onerror handler, and
// these tests must see whether the page itself keeps text as text.
const env = useBrowser();

/** base64url of JSON, as src/state/url.ts encodes the `spec` of the hash. */
function encodeSpec(spec) {
  return Buffer.from(JSON.stringify(spec), 'utf8').toString('base64url');
}

function xorSpec(extra = {}) {
  return {
    version: 1,
    name: XSS,
    description: XSS,
    seed: 1,
    data: { dataset: 'xor', options: { n_samples: 200, noise: 0.05 } },
    model: { layers: [{ type: 'linear', in: 2, out: 8 }, { type: 'tanh' }, { type: 'linear', in: 8, out: 2 }] },
    loss: { type: 'cross_entropy' },
    optimizer: { type: 'sgd', lr: 0.3, momentum: 0.9 },
    training: { steps: 200, batch_size: 32 },
    ...extra,
  };
}

/** A spec the engine rejects with errors that quote the hostile names (unknown keys). */
function hostileInvalidSpec() {
  const spec = xorSpec();
  spec.model.layers[0][XSS] = 1;
  spec.data.options[XSS] = 2;
  spec.model.layers.push({ type: XSS });
  return spec;
}

async function assertNoScriptRan(page, what) {
  // Give an onerror handler time to fire if an <img> was ever created.
  await page.waitForTimeout(600);
  const imgs = await deepCount(page, 'img[src="x"]');
  assert.equal(imgs, 0, `${what}: no <img src=x> element exists`);
  assert.deepEqual(page.problems.dialogs, [], `${what}: no dialog opened`);
}

async function messageText(page, selector = '#message') {
  const box = page.locator(selector).first();
  await box.waitFor({ state: 'visible', timeout: 20_000 });
  assert.equal(await box.getAttribute('role'), 'alert', '#message has role=alert');
  const text = (await box.textContent())?.trim() ?? '';
  assert.ok(text.length > 0, '#message says something');
  return text;
}

test('a lesson title and text holding HTML render as text in <gradlab-lesson>', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env);
  await page.goto(`${env.url}course-page-xss.html`);
  const title = page.locator('gradlab-lesson').locator('h2');
  await poll(async () => (await title.textContent()) === XSS, { timeout: 20_000, message: 'the hostile title shown as text' });
  const text = await deepText(page);
  assert.ok(text.includes('<script>alert(2)</script>'), 'the explanation shows the script tag as text');
  await assertNoScriptRan(page, 'the hostile lesson');
  console.log(`# lesson title rendered as text: ${JSON.stringify(await title.textContent())}`);
  await page.assertClean('the hostile lesson');
});

test('a hash whose spec has hostile names: the page runs no script', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env, { allowErrors: /SpecError|not a valid spec|unknown/i });
  // A valid spec (hostile name and description), then a rejected one (hostile keys and a
  // hostile layer type, which the engine's errors quote), then a hostile lesson name.
  await openApp(page, env, `lesson=xor&spec=${encodeSpec(xorSpec())}`, { base: env.url });
  await trainSteps(page, 3);
  await assertNoScriptRan(page, 'a valid spec with a hostile name');

  const page2 = await openPage(t, env, { allowErrors: /SpecError|not a valid spec|unknown|unexpected/i });
  await page2.goto(`${env.url}#lesson=xor&spec=${encodeSpec(hostileInvalidSpec())}`);
  const msg = await messageText(page2);
  console.log(`# rejected hostile spec: #message = ${JSON.stringify(msg.slice(0, 300))}`);
  await assertNoScriptRan(page2, 'a rejected spec with hostile keys');
  await page2.assertClean('a rejected spec with hostile keys');

  const page3 = await openPage(t, env);
  await page3.goto(`${env.url}#lesson=${encodeURIComponent(XSS)}`);
  const msg3 = await messageText(page3);
  console.log(`# hostile lesson name: #message = ${JSON.stringify(msg3.slice(0, 300))}`);
  await assertNoScriptRan(page3, 'a hostile lesson name');
  await page3.assertClean('a hostile lesson name');
  await page.assertClean('a valid spec with a hostile name');
});

test('hostile names pasted into the JSON editor render as text', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env, { allowErrors: /SpecError|not a valid spec|unknown/i });
  await openApp(page, env, '', { base: env.url });
  // The JSON pane of the network editor is a tab next to the form.
  await page.getByRole('tab', { name: /json/i }).first().click();
  const editor = page.locator('.cm-content').first();
  await editor.waitFor({ state: 'visible', timeout: 20_000 });
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(JSON.stringify(hostileInvalidSpec(), null, 2));
  await page.waitForTimeout(1500); // the editor validates as you type
  const lintCount = await page.locator('.cm-lint-marker, .cm-lintRange, .cm-diagnostic, [data-pointer]').count();
  console.log(`# editor: ${lintCount} diagnostic element(s) after pasting the hostile spec`);
  await assertNoScriptRan(page, 'the JSON editor');
  // Valid but hostile name/description: apply it the way the editor allows (Ctrl+Enter or an apply button).
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(JSON.stringify(xorSpec(), null, 2));
  await page.waitForTimeout(1000);
  await assertNoScriptRan(page, 'the JSON editor (valid hostile spec)');
  await page.assertClean('the JSON editor');
});

test('embed.html with a hostile spec in the hash runs no script', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env);
  await page.goto(`${env.url}embed.html#lesson=xor&spec=${encodeSpec(xorSpec())}`);
  await page.locator('gradlab-lesson').locator('#step-counter').waitFor({ state: 'attached', timeout: 20_000 });
  await assertNoScriptRan(page, 'embed.html');
  const page2 = await openPage(t, env);
  await page2.goto(`${env.url}embed.html#lesson=xor&spec=${encodeSpec(hostileInvalidSpec())}`);
  const msg = page2.locator('gradlab-lesson').locator('#message');
  await msg.waitFor({ state: 'visible', timeout: 20_000 });
  console.log(`# embed.html rejected hostile spec: ${JSON.stringify((await msg.textContent()).slice(0, 300))}`);
  await assertNoScriptRan(page2, 'embed.html (rejected spec)');
  await page.assertClean('embed.html');
});

for (const [label, hash] of [
  ['broken percent-encoding', 'lesson=xor&lr=%E0%A4%A'],
  ['a spec that is not base64 JSON', 'lesson=xor&spec=!!!not-base64!!!'],
  ['an unknown setting and a bad number', 'lesson=xor&nonsense=1&lr=fast'],
]) {
  test(`a malformed hash (${label}) shows #message and falls back to the defaults`, { timeout: 60_000 }, async (t) => {
    const page = await openPage(t, env);
    await page.goto(`${env.url}#${hash}`);
    const msg = await messageText(page);
    console.log(`# #${hash}: ${JSON.stringify(msg)}`);
    await page.locator('#step-counter[data-step]').waitFor({ state: 'attached', timeout: 20_000 });
    assert.equal(await page.locator('select#lesson').inputValue(), 'xor', 'the default lesson');
    assert.equal(await stepCount(page), 0, 'a fresh session');
    await trainSteps(page, 5);
    await page.assertClean(`#${hash}`);
  });
}

test('embed.html with a malformed hash shows a message and the default lesson', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env);
  await page.goto(`${env.url}embed.html#lesson=xor&spec=%%%&title_hide=maybe`);
  const text = await messageText(page, 'body > #message');
  console.log(`# embed.html malformed hash: ${JSON.stringify(text)}`);
  await page.locator('gradlab-lesson').locator('h2').filter({ hasText: /xor/i }).waitFor({ timeout: 20_000 });
  await page.assertClean('embed.html malformed hash');
});
