// The course: the course page lists every lesson of lessons/index.json by chapter; each
// lesson opens from it in the playground at 1366x768, and a format-2 lesson's steps run to
// the end there with every expectation ticked by the page's own measurement (the engine's
// Session.measureStep, as `gradlab lesson`), the step's view on screen, no console errors.
// A screenshot of each lesson's last step goes to web/test-results/course-<id>.png. The
// embed page shows (and runs) a format-2 lesson's steps too.
import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { assert, useBrowser, openPage, poll, waitReady, DIST, RESULTS, WEB } from './helpers.mjs';

const env = useBrowser();
const VIEWPORT = { width: 1366, height: 768 };
const lessonsDir = path.join(DIST, 'lessons');
const index = JSON.parse(fs.readFileSync(path.join(lessonsDir, 'index.json'), 'utf8')).lessons;
const fileOf = (id) => JSON.parse(fs.readFileSync(path.join(lessonsDir, `${id}.json`), 'utf8'));
/** A step may train a few thousand steps (and variants): generous, but the test waits on conditions. */
const STEP_TIMEOUT = 180_000;

async function viewportShot(page, name) {
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `${name}.png`);
  await page.screenshot({ path: file });
  console.log(`# screenshot ${path.relative(WEB, file)}`);
}

async function openCourse(page) {
  await page.goto(new URL('course.html', env.url).href, { waitUntil: 'load' });
  await page.locator('#course[aria-busy="false"]').waitFor({ state: 'attached', timeout: 30_000 });
}

/** Whether the element's top (240 px of it, or all of a smaller one) is on screen below the sticky top bar. */
async function onScreen(page, locator) {
  const bar = (await page.locator('.topbar').boundingBox())?.height ?? 0;
  const box = await locator.boundingBox();
  return box !== null && box.y >= bar - 1 && box.y + Math.min(box.height, 240) <= VIEWPORT.height + 1 && box.x >= 0 && box.x + box.width <= VIEWPORT.width + 1;
}

/** Runs step i of the panel in `root` (a page or a frame) and waits until it is checked. */
async function runStep(root, i, step, label) {
  const section = root.locator(`[data-lesson-step="${i}"]`);
  await section.waitFor({ state: 'visible', timeout: 10_000 });
  const run = section.locator('#lesson-run');
  if (step.predict) {
    assert.equal(await run.isDisabled(), true, `${label}: Run waits for a prediction`);
    await section.locator(`input[name="predict-${i}"]`).first().check();
  }
  await run.click();
  await poll(async () => ['passed', 'failed'].includes(await section.getAttribute('data-state')), {
    timeout: STEP_TIMEOUT,
    interval: 100,
    message: `${label}: the step finished`,
  });
  const checks = section.locator('.lesson-check');
  const rows = [];
  for (let k = 0; k < (await checks.count()); k++) rows.push({ pass: await checks.nth(k).getAttribute('data-pass'), text: (await checks.nth(k).innerText()).replace(/\s+/g, ' ') });
  const error = await section.locator('.inline-error').allInnerTexts();
  // what the student would see, kept when the step did not check out
  if ((await section.getAttribute('data-state')) !== 'passed') await viewportShot(root, `course-failed-${label.replace(/\W+/g, '-')}`);
  console.log(`# ${label}: ${(await section.getAttribute('data-state'))}; ${rows.map((r) => r.text).join(' | ') || 'no expectations'}${error.length ? ` | ${error.join(' ')}` : ''}`);
  assert.deepEqual(error, [], `${label}: the step ran without an error`);
  assert.equal(rows.length, (step.expect ?? []).length, `${label}: one check per expectation`);
  for (const r of rows) assert.equal(r.pass, 'true', `${label}: ${r.text}`);
  assert.equal(await section.getAttribute('data-state'), 'passed', `${label}: every check mark is a tick`);
  if (step.predict) await section.locator('.predict-answer').waitFor({ state: 'visible', timeout: 5_000 });
}

test('the course page lists every lesson by chapter', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: VIEWPORT });
  await openCourse(page);
  const items = page.locator('li.course-lesson');
  assert.equal(await items.count(), index.length, 'one entry per lesson in index.json');
  for (const { id } of index) {
    const l = fileOf(id).lesson ?? {};
    const item = page.locator(`li.course-lesson[data-lesson="${id}"]`);
    const chapter = await item.locator('xpath=ancestor::section[@data-chapter]').getAttribute('data-chapter');
    assert.equal(Number(chapter), Number.isInteger(l.chapter) ? l.chapter : 0, `${id} is listed in its chapter`);
    assert.equal(await item.locator('a').getAttribute('href'), `index.html#lesson=${id}`);
  }
  assert.equal(await page.locator('section[data-chapter]').count() >= 10, true, 'chapters 1..10 are shown');
  await viewportShot(page, 'course-page');
  await page.assertClean('the course page');
});

for (const { id } of index) {
  const file = fileOf(id);
  const steps = Array.isArray(file.lesson?.steps) ? file.lesson.steps : [];
  test(`${id}: opens from the course page${steps.length ? `, its ${steps.length} steps run and check out` : ''}`, { timeout: 60_000 + steps.length * STEP_TIMEOUT }, async (t) => {
    const page = await openPage(t, env, { viewport: VIEWPORT });
    await openCourse(page);
    await page.locator(`li.course-lesson[data-lesson="${id}"] a`).click();
    await page.waitForURL(/index\.html#lesson=/, { timeout: 10_000 });
    await waitReady(page);
    assert.equal(await page.locator('select#lesson').inputValue(), id, 'the playground opened the lesson');
    if (steps.length === 0) {
      const title = await page.locator('#lesson-text h2').innerText();
      assert.ok(title.length > 3, `${id}: the lesson's title is shown`);
      await viewportShot(page, `course-${id}`);
      await page.assertClean(id);
      return;
    }
    const panel = page.locator(`#lesson-panel[data-lesson="${id}"]`);
    await panel.waitFor({ state: 'visible', timeout: 10_000 });
    assert.ok((await panel.locator('.lesson-intro p').count()) > 0, `${id}: the intro is shown first`);
    const started = Date.now();
    for (let i = 0; i < steps.length; i++) {
      await page.locator('#lesson-next').click();
      await runStep(page, i, steps[i], `${id} step ${i + 1}`);
      const view = steps[i].view;
      if (view) {
        const focus = page.locator('[data-lesson-focus]');
        if ((await focus.count()) > 0) {
          // the cards above it may still be settling (a chart appears with the first data)
          await poll(() => onScreen(page, focus.first()), { timeout: 10_000, message: `${id} step ${i + 1}: the "${view}" view is on screen at 1366x768` });
        } else {
          console.log(`# ${id} step ${i + 1}: this experiment offers no "${view}" view`);
        }
      }
    }
    console.log(`# ${id}: ${steps.length} steps in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await panel.locator('.lesson-done').waitFor({ state: 'visible', timeout: 5_000 });
    await viewportShot(page, `course-${id}`);
    // No error in the message bar either (a view's snapshot that a restarted experiment no
    // longer offers once stopped training with "no snapshot named ...").
    const bar = page.locator('#message');
    const shown = (await bar.isVisible()) ? ((await bar.textContent()) ?? '') : '';
    assert.ok(!/stopped|no snapshot named|error/i.test(shown), `${id}: the message bar says "${shown}"`);
    // The course page now counts the lesson as completed (localStorage).
    await openCourse(page);
    assert.equal(await page.locator(`li.course-lesson[data-lesson="${id}"]`).getAttribute('data-complete'), 'true', `${id} is marked completed`);
    await page.assertClean(id);
  });
}

const stepped = index.map(({ id }) => ({ id, file: fileOf(id) })).find((l) => Array.isArray(l.file.lesson?.steps));

test('embed.html shows a format-2 lesson\'s steps and ticks the first', { timeout: 60_000 + STEP_TIMEOUT }, async (t) => {
  assert.ok(stepped, 'index.json lists a lesson with steps');
  const page = await openPage(t, env, { viewport: VIEWPORT });
  await page.goto(new URL(`embed.html#lesson=${stepped.id}`, env.url).href, { waitUntil: 'load' });
  await waitReady(page);
  const panel = page.locator(`#lesson-panel[data-lesson="${stepped.id}"]`);
  await panel.waitFor({ state: 'visible', timeout: 30_000 });
  await page.locator('#lesson-next').click();
  await runStep(page, 0, stepped.file.lesson.steps[0], `embed ${stepped.id} step 1`);
  await viewportShot(page, `course-embed-${stepped.id}`);
  await page.assertClean('embed.html with steps');
});
