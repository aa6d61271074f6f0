// Embedding under a strict Content-Security-Policy (scripts/serve.mjs --csp): the
// <gradlab-lesson> element on a course page (one script tag), the iframe page and the main
// page all render and train, with no CSP violation and no console error.
import { test } from 'node:test';
import { assert, useBrowser, openPage, viewData, waitForStep, stepCount, screenshot, lastLoss, STRICT_CSP_TEXT, poll } from './helpers.mjs';

const env = useBrowser({ csp: true });

async function expectStrictCsp(response) {
  const header = (await response.allHeaders())['content-security-policy'];
  assert.equal(header, STRICT_CSP_TEXT, 'the page was served with the strict CSP');
  const headers = await response.allHeaders();
  assert.equal(headers['cross-origin-opener-policy'], undefined, 'no COOP header');
  assert.equal(headers['cross-origin-embedder-policy'], undefined, 'no COEP header');
}

test('the CSP listeners catch a violation (control)', { timeout: 30_000 }, async (t) => {
  const page = await openPage(t, env);
  const response = await page.goto(`${env.cspUrl}course-page.html`);
  await expectStrictCsp(response);
  // An inline script and an inline style attribute: both must be reported.
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.body.append(s);
    const d = document.createElement('div');
    d.setAttribute('style', 'color: red');
    document.body.append(d);
  });
  // securitypolicyviolation events are dispatched asynchronously: wait for the report
  // rather than a fixed 300 ms (the assertions below still say what is wrong when none comes)
  const violations = await poll(async () => {
    const v = await page.evaluate(() => window.__gradlabCsp);
    return v.length >= 1 ? v : null;
  }, { timeout: 10_000, message: 'a CSP violation reported' }).catch(() => page.evaluate(() => window.__gradlabCsp));
  console.log(`# control: ${violations.length} violation(s) reported: ${violations.join('; ')}`);
  assert.equal(await page.evaluate(() => window.__inlineRan), undefined, 'the inline script did not run');
  assert.ok(violations.length >= 1, 'the listener reports violations');
  assert.ok(page.problems.csp.length + violations.length >= 1);
});

test('<gradlab-lesson> on a course page trains under the strict CSP', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env);
  const response = await page.goto(`${env.cspUrl}course-page.html`);
  await expectStrictCsp(response);
  const scripts = await page.locator('script').count();
  assert.equal(scripts, 1, 'the course page has one script tag');
  const lesson = page.locator('gradlab-lesson');
  const title = lesson.locator('h2');
  await title.filter({ hasText: /xor/i }).waitFor({ timeout: 20_000 });
  console.log(`# element title: ${await title.textContent()}`);
  const play = lesson.locator('#play');
  await play.waitFor({ state: 'visible' });
  await page.waitForFunction(() => !document.querySelector('gradlab-lesson').shadowRoot.querySelector('#play').disabled, null, { timeout: 30_000 });
  await play.click();
  await waitForStep(page, 150, { root: lesson, timeout: 40_000 });
  await play.click();
  const curves = await viewData(page, 'curves', (d) => (d.train?.length ?? 0) > 10);
  const losses = curves.train.map((m) => m.loss).filter((v) => typeof v === 'number');
  console.log(`# element: ${await stepCount(lesson)} steps; train loss ${losses[0]} -> ${lastLoss(curves).loss}`);
  assert.ok(losses.every(Number.isFinite), 'finite losses');
  assert.ok(lastLoss(curves).loss < losses[0], 'the loss went down');
  const field = await viewData(page, 'field', (d) => d.nx > 0);
  console.log(`# element field view: ${field.nx} x ${field.ny} grid, ${field.points} points`);
  // Its styles come from a constructable stylesheet, so nothing is unstyled or blocked.
  const adopted = await page.evaluate(() => document.querySelector('gradlab-lesson').shadowRoot.adoptedStyleSheets.length);
  assert.ok(adopted >= 1, 'the shadow root adopts its stylesheet');
  await screenshot(page, 'embed-element');
  await page.assertClean('the course page');
});

test('embed.html (the iframe page) trains under the strict CSP, with panels hidden by the hash', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env);
  const response = await page.goto(`${env.cspUrl}embed.html#lesson=attention&explanation_hide=true&editor_hide=true&data_hide=true`);
  await expectStrictCsp(response);
  const lesson = page.locator('gradlab-lesson');
  await lesson.locator('h2').filter({ hasText: /attention/i }).waitFor({ timeout: 30_000 });
  assert.equal(await lesson.locator('.explanation').isVisible(), false, 'explanation_hide=true hides the explanation');
  assert.equal(await page.locator('body > #message').isVisible(), false, 'no message for a good hash');
  await page.waitForFunction(() => !document.querySelector('gradlab-lesson')?.shadowRoot?.querySelector('#play')?.disabled, null, { timeout: 30_000 });
  await lesson.locator('#play').click();
  await waitForStep(page, 30, { root: lesson, timeout: 45_000 });
  await lesson.locator('#play').click();
  const att = await viewData(page, 'attention', (d) => (d.weights?.length ?? 0) > 0);
  console.log(`# iframe page: ${await stepCount(lesson)} steps; attention ${att.weights.length} x ${att.weights[0].length}`);
  const curves = await viewData(page, 'curves', (d) => (d.train?.length ?? 0) > 0);
  assert.ok(curves.train.every((m) => m.loss === undefined || Number.isFinite(m.loss)), 'finite losses');
  await screenshot(page, 'embed-iframe-attention');
  await page.assertClean('embed.html');
});

test('embed.html inside an iframe of a course page trains under the strict CSP', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env);
  await page.goto(`${env.cspUrl}course-page-iframe.html`);
  const frame = page.frameLocator('#frame');
  const lesson = frame.locator('gradlab-lesson');
  await lesson.locator('h2').filter({ hasText: /xor/i }).waitFor({ timeout: 30_000 });
  const play = lesson.locator('#play');
  await poll(async () => !(await play.isDisabled()), { timeout: 30_000, message: 'the iframe lesson ready' });
  await play.click();
  await waitForStep(page, 100, { root: lesson, timeout: 40_000 });
  await play.click();
  const f = page.frames().find((fr) => fr.url().includes('embed.html'));
  const curves = await viewData(page, 'curves', (d) => (d.train?.length ?? 0) > 0, { frame: f });
  console.log(`# iframe: ${await stepCount(lesson)} steps, last loss ${lastLoss(curves)?.loss}`);
  await screenshot(page, 'embed-iframe-course-page');
  await page.assertClean('the iframe course page');
});

test('the main page trains under the strict CSP too', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env);
  const response = await page.goto(env.cspUrl);
  await expectStrictCsp(response);
  await page.locator('#play').waitFor({ timeout: 30_000 });
  await page.locator('#step-counter[data-step]').waitFor({ state: 'attached', timeout: 30_000 });
  await page.locator('#play').click();
  await waitForStep(page, 50, { timeout: 40_000 });
  await page.locator('#play').click();
  console.log(`# main page under CSP: ${await stepCount(page)} steps`);
  await page.assertClean('the main page under CSP');
});

