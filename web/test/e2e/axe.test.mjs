// Accessibility: axe-core (the npm package, injected into the page) finds no serious or
// critical violation on the course page, on every lesson of lessons/index.json and in the
// <gradlab-lesson> element (a course page, embed.html), in the light and the dark theme. Each lesson is opened at its first step (its views as the
// lesson sets them up) and checked once its views have drawn, without training. Every
// violation found is printed with its rule, impact, element and lesson before the assertion,
// so one run lists all of them.
import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { assert, useBrowser, openPage, poll, waitReady, DIST } from './helpers.mjs';

const env = useBrowser();
const VIEWPORT = { width: 1366, height: 768 };
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const lessons = JSON.parse(fs.readFileSync(path.join(DIST, 'lessons', 'index.json'), 'utf8')).lessons.map((l) => l.id);
const SERIOUS = new Set(['serious', 'critical']);

/** Runs axe on the page (injected once per document); returns its violations, compacted. */
async function axe(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.flat().join(' >> '), summary: (n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 240) })),
    }));
  });
}

/** Prints every violation (`where`: page, lesson and theme) and returns the serious/critical ones. */
function report(t, where, violations) {
  const bad = [];
  for (const v of violations) {
    for (const n of v.nodes) {
      const line = `${where}: [${v.impact}] ${v.id} at ${n.target}: ${n.summary}`;
      console.log(`# ${line}`);
      if (SERIOUS.has(v.impact)) bad.push(line);
    }
  }
  t.diagnostic(`${where}: ${violations.length} rules violated, ${bad.length} serious or critical elements`);
  return bad;
}

/**
 * Waits (briefly) until every view that draws (a canvas or svg in it) holds what it drew;
 * names the ones that did not. Views filled only on request (the editor, gradcheck) are not waited for.
 */
async function viewsDrawn(page) {
  const pending = () =>
    page.evaluate(() => {
      const out = [];
      const visit = (root) => {
        for (const el of root.querySelectorAll('[data-view]')) {
          if (!el.querySelector('canvas, svg')) continue;
          if (el.gradlabData === undefined || el.gradlabData === null) out.push(el.getAttribute('data-view'));
        }
        for (const el of root.querySelectorAll('*')) if (el.shadowRoot) visit(el.shadowRoot);
      };
      visit(document);
      return out;
    });
  try {
    await poll(async () => (await pending()).length === 0, { timeout: 5_000, interval: 100, message: 'every view drew' });
  } catch {
    /* a view waiting for training data is checked as it is */
  }
  // two animation frames: the queued canvases have drawn
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return pending();
}

test('axe: the course page, light and dark', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: VIEWPORT, contextOptions: { bypassCSP: true } });
  const bad = [];
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(new URL('course.html', env.url).href, { waitUntil: 'load' });
    await page.locator('#course[aria-busy="false"]').waitFor({ state: 'attached', timeout: 30_000 });
    assert.equal(await page.locator('html').getAttribute('data-theme'), scheme);
    bad.push(...report(t, `course page (${scheme})`, await axe(page)));
  }
  assert.deepEqual(bad, [], 'no serious or critical axe violation on the course page');
  await page.assertClean();
});

test('axe: <gradlab-lesson> on a course page and embed.html, light and dark', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: VIEWPORT, contextOptions: { bypassCSP: true } });
  const bad = [];
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const file of ['course-page.html', 'embed.html#lesson=xor']) {
      await page.goto('about:blank');
      await page.goto(new URL(file, env.url).href, { waitUntil: 'load' });
      const play = page.locator('gradlab-lesson #play');
      await poll(async () => (await play.count()) > 0 && !(await play.isDisabled()), { timeout: 30_000, message: 'the element ready' });
      await viewsDrawn(page);
      bad.push(...report(t, `${file} (${scheme})`, await axe(page)));
    }
  }
  assert.deepEqual(bad, [], 'no serious or critical axe violation in the element');
  await page.assertClean();
});

test('axe: every lesson, light and dark', { timeout: 900_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: VIEWPORT, contextOptions: { bypassCSP: true } });
  const bad = [];
  let checked = 0;
  for (const id of lessons) {
    await page.goto('about:blank');
    await page.goto(`${env.url}#lesson=${id}`, { waitUntil: 'load' });
    await waitReady(page);
    await page.locator(`#lesson-panel[data-lesson="${id}"]`).waitFor({ state: 'attached', timeout: 30_000 });
    // the first step (its prediction, Run button and checks; the views it shows)
    const start = page.locator('#lesson-next');
    if ((await start.count()) > 0 && (await start.isEnabled())) {
      await start.click();
      await page.locator('[data-lesson-step="0"]').waitFor({ state: 'visible', timeout: 10_000 });
    }
    const missing = await viewsDrawn(page);
    if (missing.length) t.diagnostic(`${id}: views without data before training: ${missing.join(', ')}`);
    for (const theme of ['light', 'dark']) {
      await page.locator('#theme').selectOption(theme);
      await poll(async () => (await page.locator('html').getAttribute('data-theme')) === theme, { timeout: 5_000, message: `theme ${theme}` });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      bad.push(...report(t, `${id} (${theme})`, await axe(page)));
      checked++;
    }
  }
  assert.equal(checked, 2 * lessons.length, 'every lesson checked in both themes');
  assert.deepEqual(bad, [], 'no serious or critical axe violation on any lesson');
  await page.assertClean();
});
