// Space toggles play from anywhere on the page, as the Play button's tooltip says, except
// where Space already means something: typing in a field or the JSON editor, a select, a
// focused button. The page's requests to the engine worker are recorded (an init script
// wraps Worker.postMessage), so "Space did not start training" is read, not waited for.
import { test } from 'node:test';
import { assert, useBrowser, openPage, openApp, poll, waitForStep, stepCount } from './helpers.mjs';

const env = useBrowser();

/** The commands the page has sent to the worker so far (names). */
const commands = (page) => page.evaluate(() => window.__gradlabCommands.slice());
const playCommands = async (page) => (await commands(page)).filter((c) => c === 'play' || c === 'pause');

/** Records the commands the page sends to its engine workers (window.__gradlabCommands), from the first script on. */
async function recordCommands(page) {
  await page.context().addInitScript(() => {
    window.__gradlabCommands = [];
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (message, ...rest) {
      if (message && typeof message.cmd === 'string') window.__gradlabCommands.push(message.cmd);
      return post.call(this, message, ...rest);
    };
  });
}

async function pressed(page, value) {
  await poll(async () => (await page.locator('#play').getAttribute('aria-pressed')) === String(value), {
    timeout: 15_000,
    message: `#play aria-pressed=${value}`,
  });
}

test('Space toggles play outside text fields, editors, selects and buttons', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await recordCommands(page);
  await openApp(page, env, 'lesson=xor');
  assert.match((await page.locator('#play').getAttribute('title')) ?? '', /space/i, 'the tooltip promises Space');

  // nothing focused (a click on the lesson text): Space plays, Space again pauses
  await page.locator('#lesson-text h2').click();
  const start = await stepCount(page);
  await page.keyboard.press('Space');
  await pressed(page, true);
  await waitForStep(page, start + 5);
  await page.keyboard.press('Space');
  await pressed(page, false);
  // on a chart too (a canvas is not a control)
  await page.locator('#curves canvas').first().click();
  await spacePlaysAndPauses(page, page.locator('#play'));
  assert.deepEqual(await playCommands(page), ['play', 'pause', 'play', 'pause']);

  // where Space is taken, it does what it does there and does not touch play
  const lr = page.getByLabel('Learning rate', { exact: true });
  await lr.focus();
  await page.keyboard.press('Space');
  const seed = page.getByLabel('Seed', { exact: true });
  await seed.focus();
  await page.keyboard.press('Space');
  await page.locator('select#lesson').focus();
  await page.keyboard.press('Space');
  await page.keyboard.press('Escape');
  await page.locator('#step').focus();
  await page.keyboard.press('Space'); // a focused button is pressed: one step
  await page.getByRole('tab', { name: 'Spec JSON' }).first().click();
  const editor = page.locator('.cm-content').first();
  await editor.click();
  await page.keyboard.press('End');
  const before = await editor.innerText();
  await page.keyboard.press('Space');
  await poll(async () => (await editor.innerText()).length === before.length + 1, { timeout: 10_000, message: 'Space typed a space in the editor' });
  assert.deepEqual(await playCommands(page), ['play', 'pause', 'play', 'pause'], 'no play/pause from Space in a field, a select, a button or the editor');
  assert.ok((await commands(page)).includes('step'), 'Space on the focused Step button stepped');
  assert.equal(await page.locator('#play').getAttribute('aria-pressed'), 'false');
  t.diagnostic(`commands: ${(await commands(page)).join(' ')}`);
  await page.assertClean();
});

/** aria-pressed of a play button, polled until it is `value`. */
async function pressedOn(play, value) {
  await poll(async () => (await play.getAttribute('aria-pressed')) === String(value), { timeout: 15_000, message: `#play aria-pressed=${value}` });
}

/** Space, then Space again: `play` goes pressed, then not. */
async function spacePlaysAndPauses(page, play) {
  await page.keyboard.press('Space');
  await pressedOn(play, true);
  await page.keyboard.press('Space');
  await pressedOn(play, false);
}

test("<gradlab-lesson> on a course page: Space plays the lesson in use, elsewhere it stays the page's", { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await recordCommands(page);
  await page.goto(`${env.url}course-page.html`);
  const lesson = page.locator('gradlab-lesson');
  const play = lesson.locator('#play');
  await poll(async () => (await play.count()) > 0 && !(await play.isDisabled()), { timeout: 30_000, message: 'the element ready' });
  assert.match((await play.getAttribute('title')) ?? '', /space/i, "the element's Play tooltip promises Space");

  // a click on the lesson's text (not a control), then Space: play; Space again: pause
  await lesson.locator('.title').click();
  const start = await stepCount(lesson);
  await page.keyboard.press('Space');
  await pressedOn(play, true);
  await waitForStep(page, start + 5, { root: lesson });
  await page.keyboard.press('Space');
  await pressedOn(play, false);
  // on its chart too
  await lesson.locator('canvas').first().click();
  await spacePlaysAndPauses(page, play);
  // the element's play/pause reach its worker as they are pressed (so the check below can read them)
  assert.deepEqual(await playCommands(page), ['play', 'pause', 'play', 'pause']);

  // after a click on the course's own text, Space is the page's again (no play): read from
  // the commands sent, which a Space that played would have sent before press() returned
  // (a pause of 500 ms and aria-pressed still false could have read the state before a
  // late frame)
  await page.locator('h1').click();
  const steps = await stepCount(lesson);
  await page.keyboard.press('Space');
  assert.deepEqual(await playCommands(page), ['play', 'pause', 'play', 'pause'], 'Space outside the lesson sends it no play');
  assert.equal(await play.getAttribute('aria-pressed'), 'false', 'Space outside the lesson does not play it');
  assert.equal(await stepCount(lesson), steps, 'no steps ran');
  await page.assertClean();
});

test('embed.html: Space plays and pauses', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await page.goto(`${env.url}embed.html#lesson=xor`);
  const lesson = page.locator('gradlab-lesson');
  const play = lesson.locator('#play');
  await poll(async () => (await play.count()) > 0 && !(await play.isDisabled()), { timeout: 30_000, message: 'the element ready' });
  await lesson.locator('.title').click();
  await spacePlaysAndPauses(page, play);
  await page.assertClean();
});
