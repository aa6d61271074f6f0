// Shared helpers for the browser end-to-end tests (node --test, playwright-core, Debian's
// Chromium). Every test file calls `useBrowser()` once at top level: it serves the
// production build (dist/, plus the fixtures of test/e2e/fixtures/) on a free localhost
// port with scripts/serve.mjs, launches Chromium once for the file, and closes both after.
// Each test opens a fresh browser context with `openPage(t)`, which collects console
// errors, page errors and CSP violations and fails the test on any of them at the end.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer, STRICT_CSP } from '../../scripts/serve.mjs';

/** The policy serve.mjs --csp sends. */
export const STRICT_CSP_TEXT = STRICT_CSP;

export const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = process.env.GRADLAB_DIST ? path.resolve(process.env.GRADLAB_DIST) : path.join(WEB, 'dist');
export const FIXTURES = path.join(WEB, 'test/e2e/fixtures');
export const RESULTS = path.join(WEB, 'test-results');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** The payload every "text is text" check uses. */
export const XSS = '<img src=x onerror=alert(1)>';

/** Default per-test timeout (ms); long training tests pass their own. */
export const TEST_TIMEOUT = 60_000;

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Keep timers and rAF running at full speed in a headless, never-focused window.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

function findFile(dir, name) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return full;
    if (entry.isDirectory()) {
      const found = findFile(full, name);
      if (found) return found;
    }
  }
  return null;
}

/**
 * The directory the tests serve: a copy of dist/ with the fixtures copied to its top level
 * (fixtures/foo.html -> /foo.html). A fixture's `src="gradlab-lesson.js"` is rewritten to
 * wherever the build put the element's script, so the page keeps its one script tag.
 */
function prepareRoot() {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    throw new Error(`${DIST}/index.html is missing: build the app first (cd web && npm run build)`);
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-e2e-'));
  fs.cpSync(DIST, root, { recursive: true });
  const lessonScript = findFile(DIST, 'gradlab-lesson.js');
  const lessonScriptRel = lessonScript ? path.relative(DIST, lessonScript).split(path.sep).join('/') : null;
  if (fs.existsSync(FIXTURES)) {
    for (const name of fs.readdirSync(FIXTURES)) {
      let text = fs.readFileSync(path.join(FIXTURES, name), 'utf8');
      if (name.endsWith('.html') && lessonScriptRel) {
        text = text.replaceAll('src="gradlab-lesson.js"', `src="${lessonScriptRel}"`);
      }
      fs.writeFileSync(path.join(root, name), text);
    }
  }
  return { root, lessonScript: lessonScriptRel };
}

/**
 * Start the server(s) and Chromium for this test file.
 * @param {{csp?: boolean}} [options] csp: serve every HTML page with the strict policy.
 * @returns {{url: string, cspUrl: string|null, browser: import('playwright-core').Browser, lessonScript: string|null}}
 *   an object filled in before the first test runs.
 */
export function useBrowser({ csp = false } = {}) {
  const ctx = { url: '', cspUrl: null, browser: null, lessonScript: null, root: '' };
  const closers = [];
  before(async () => {
    const { root, lessonScript } = prepareRoot();
    ctx.root = root;
    ctx.lessonScript = lessonScript;
    const plain = await startServer({ root });
    closers.push(plain.close);
    ctx.url = plain.url;
    if (csp) {
      const strict = await startServer({ root, csp: true });
      closers.push(strict.close);
      ctx.cspUrl = strict.url;
    }
    // One browser per file. playwright gives every launch a fresh temporary profile
    // (--user-data-dir) of its own, and adds --headless itself.
    ctx.browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS.filter((a) => a !== '--headless'),
    });
    console.log(`# serving ${root} at ${ctx.url}${ctx.cspUrl ? ` and with a strict CSP at ${ctx.cspUrl}` : ''}`);
  });
  after(async () => {
    await ctx.browser?.close().catch(() => {});
    for (const close of closers) await close();
    if (ctx.root) fs.rmSync(ctx.root, { recursive: true, force: true });
  });
  return ctx;
}

/**
 * A fresh context and page for one test. Console errors, uncaught page errors, CSP
 * violations (securitypolicyviolation events in the page and "Refused to..." console
 * messages from workers) and dialogs are recorded in `problems`; at the end of the test
 * the context closes and the test fails if any were recorded (unless `allowErrors`
 * matches them).
 * @param {import('node:test').TestContext} t
 * @param {ReturnType<typeof useBrowser>} env
 * @param {{allowErrors?: RegExp, viewport?: {width: number, height: number}, contextOptions?: object}} [options]
 *   contextOptions: more playwright context options (e.g. `{bypassCSP: true}` to inject a test library)
 */
export async function openPage(t, env, { allowErrors, viewport = { width: 1280, height: 900 }, contextOptions = {} } = {}) {
  const context = await env.browser.newContext({ ...contextOptions, viewport });
  const page = await context.newPage();
  const problems = { console: [], page: [], csp: [], dialogs: [], requests: [] };
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      let text = msg.text();
      const where = msg.location()?.url ?? '';
      if (/^Failed to load resource/.test(text)) {
        // Chromium asks for /favicon.ico by itself; any other missing file is a failure.
        if (/\/favicon\.ico$/.test(where)) return;
        text = `${text}: ${where}`;
      }
      if (allowErrors && allowErrors.test(text)) return;
      (/Content Security Policy|Refused to/i.test(text) ? problems.csp : problems.console).push(text);
    }
  });
  page.on('pageerror', (err) => {
    const text = `${err.name}: ${err.message}`;
    if (allowErrors && allowErrors.test(text)) return;
    problems.page.push(text);
  });
  page.on('dialog', (dialog) => {
    problems.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  page.on('requestfailed', (req) => {
    problems.requests.push(`${req.failure()?.errorText ?? 'failed'} ${req.url()}`);
  });
  page.on('worker', (worker) => {
    // Errors thrown inside a worker surface as console errors too; keep a note of workers
    // so failures can say which script was running.
    worker.on('close', () => {});
  });
  await context.addInitScript(() => {
    // Record CSP violations from the document and from inside shadow roots (the event
    // is composed and bubbles to the document).
    window.__gradlabCsp = [];
    document.addEventListener(
      'securitypolicyviolation',
      (e) => window.__gradlabCsp.push(`${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`),
      true,
    );
    // Long tasks on the main thread, from the very start.
    window.__gradlabLongTasks = [];
    try {
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          window.__gradlabLongTasks.push({ start: entry.startTime, duration: entry.duration, name: entry.name });
        }
      }).observe({ type: 'longtask', buffered: true });
    } catch {
      /* no longtask support: the long-task test checks for it */
    }
    window.__gradlabLongTaskSupported = PerformanceObserver.supportedEntryTypes?.includes('longtask') ?? false;
    // Long animation frames name the scripts that ran (to say who caused a long task).
    window.__gradlabLoaf = [];
    try {
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          window.__gradlabLoaf.push({
            start: entry.startTime,
            duration: entry.duration,
            blocking: entry.blockingDuration,
            render: entry.renderStart ? entry.startTime + entry.duration - entry.renderStart : 0,
            scripts: (entry.scripts ?? []).map((sc) => ({
              invoker: sc.invoker,
              source: `${(sc.sourceURL || '').split('/').pop()}:${sc.sourceFunctionName || '?'}@${sc.sourceCharPosition}`,
              duration: Math.round(sc.duration),
            })),
          });
        }
      }).observe({ type: 'long-animation-frame', buffered: true });
    } catch {
      /* not supported */
    }
  });
  t.after(async () => {
    try {
      if (!page.isClosed()) {
        const inPage = await page.evaluate(() => window.__gradlabCsp ?? []).catch(() => []);
        problems.csp.push(...inPage);
      }
    } finally {
      await context.close().catch(() => {});
    }
  });
  /** Assert nothing went wrong so far (call at the end of a test; t.after cannot fail it). */
  page.assertClean = async (what = 'the page') => {
    const inPage = page.isClosed() ? [] : await page.evaluate(() => window.__gradlabCsp ?? []).catch(() => []);
    const csp = [...problems.csp, ...inPage.filter((v) => !problems.csp.includes(v))];
    assert.deepEqual(problems.page, [], `${what}: uncaught errors`);
    assert.deepEqual(problems.console, [], `${what}: console errors`);
    assert.deepEqual(csp, [], `${what}: Content-Security-Policy violations`);
    assert.deepEqual(problems.dialogs, [], `${what}: dialogs opened (a script ran?)`);
  };
  page.problems = problems;
  return page;
}

/** Save a screenshot to web/test-results/<name>.png and return the path. */
export async function screenshot(page, name, target = page) {
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `${name}.png`);
  await target.screenshot({ path: file, ...(target === page ? { fullPage: true } : {}) });
  console.log(`# screenshot ${path.relative(WEB, file)}`);
  return file;
}

/** Load the main page (optionally with a hash) and wait for the app to be ready. */
export async function openApp(page, env, hash = '', { base } = {}) {
  const url = `${base ?? env.url}${hash ? `#${hash.replace(/^#/, '')}` : ''}`;
  await page.goto(url, { waitUntil: 'load' });
  await waitReady(page);
  return url;
}

/** The app is ready when its play button and step counter exist and the counter has a data-step. */
export async function waitReady(page, { timeout = 30_000, root = page } = {}) {
  await root.locator('#play').first().waitFor({ state: 'visible', timeout });
  await root.locator('#step-counter[data-step]').first().waitFor({ state: 'attached', timeout });
  if (root === page) await settled(page, { timeout });
}

/**
 * Wait until the workspace has applied every change asked of it (lesson, settings, data,
 * network): the playground sets `data-busy` on <html> while changes are pending.
 */
export async function settled(page, { timeout = 30_000 } = {}) {
  await page.locator('html:not([data-busy])').waitFor({ state: 'attached', timeout });
}

/** The step count shown by #step-counter (data-step). */
export async function stepCount(root) {
  const value = await root.locator('#step-counter').first().getAttribute('data-step');
  const n = Number(value);
  assert.ok(value !== null && Number.isInteger(n), `#step-counter data-step is an integer (found ${value})`);
  return n;
}

/** Wait until #step-counter's data-step (in `root`, a page, frame or locator) reaches at least `n`. */
export async function waitForStep(page, n, { timeout = 30_000, root = page } = {}) {
  let last = null;
  try {
    await poll(
      async () => {
        last = await root.locator('#step-counter').first().getAttribute('data-step', { timeout: 5_000 });
        return Number(last) >= n;
      },
      { timeout, interval: 50, message: `#step-counter data-step >= ${n}` },
    );
  } catch (err) {
    throw new Error(`${err.message} (last data-step: ${last})`);
  }
}

/** Run exactly `n` steps with #train-steps + #train-n, and wait until the counter shows them. */
export async function trainSteps(page, n, { timeout = 45_000 } = {}) {
  const start = await stepCount(page);
  await page.locator('#train-steps').fill(String(n));
  await page.locator('#train-n').click();
  await waitForStep(page, start + n, { timeout });
  const end = await stepCount(page);
  assert.equal(end, start + n, `#train-n ran exactly ${n} steps (from ${start})`);
  return end;
}

/**
 * Choose lesson `id` in select#lesson and wait until the playground has loaded it: the
 * switch sets `html[data-busy]` as the menu changes, so `settled` cannot pass before it. (A
 * step count of 0 alone does not say so: a fresh page shows step 0 of its first lesson.)
 */
export async function chooseLesson(page, id, { timeout = 30_000 } = {}) {
  await page.locator('select#lesson').selectOption(id);
  await settled(page, { timeout });
  assert.equal(await page.locator('select#lesson').inputValue(), id, `lesson ${id} chosen`);
  assert.equal(await stepCount(page), 0, `lesson ${id} loaded at step 0`);
}

/** Press #reset and wait for the counter to return to 0. */
export async function resetTraining(page, root = page) {
  await root.locator('#reset').first().click();
  await poll(async () => (await root.locator('#step-counter').first().getAttribute('data-step')) === '0', {
    timeout: 15_000,
    interval: 50,
    message: '#step-counter data-step = 0 after #reset',
  });
}

/** Poll `fn` (async, node side) every `interval` ms until it returns a truthy value. */
export async function poll(fn, { timeout = 30_000, interval = 100, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${message}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * The gradlabData of the first view named `name` (in the document or any open shadow
 * root), or undefined. The predicate runs in node, so nothing is eval'd in a page that has
 * a strict CSP.
 */
export async function readView(page, name, { frame } = {}) {
  return (await readViewAt(page, name, { frame })).data;
}

/**
 * The gradlabData of the first view named `name` and the training step its card says the view
 * was last updated to (`data-drawn-step` of the enclosing `[data-card]`, src/ui/views.ts; null
 * for a view outside a card), read together.
 */
async function readViewAt(page, name, { frame } = {}) {
  const target = frame ?? page;
  return target.evaluate((name) => {
    const find = (root) => {
      const direct = root.querySelector(`[data-view="${name}"]`);
      if (direct) return direct;
      for (const el of root.querySelectorAll('*')) {
        if (el.shadowRoot) {
          const inner = find(el.shadowRoot);
          if (inner) return inner;
        }
      }
      return null;
    };
    const el = find(document);
    if (!el || el.gradlabData === undefined || el.gradlabData === null) return { data: undefined, step: null };
    const card = el.closest('[data-card]');
    const step = card?.getAttribute('data-drawn-step');
    return { data: JSON.parse(JSON.stringify(el.gradlabData)), step: step === null || step === undefined ? null : Number(step) };
  }, name);
}

/**
 * Wait until the view `name` has gradlabData for which `ready(data)` holds; return it.
 * `step`: also wait until the view's card was updated to that training step or later (its
 * `data-drawn-step`). Views update on animation frames, a card out of view at most every
 * 500 ms, so after the step counter shows a step a view can still hold the previous step's
 * data: pass `step` whenever the data must be the new step's and `ready` cannot tell.
 */
export async function viewData(page, name, ready = () => true, { timeout = 30_000, frame, step } = {}) {
  let seen;
  let seenStep = null;
  try {
    return await poll(
      async () => {
        ({ data: seen, step: seenStep } = await readViewAt(page, name, { frame }));
        if (step !== undefined && !(seenStep !== null && seenStep >= step)) return null;
        return seen !== undefined && ready(seen) ? seen : null;
      },
      { timeout, message: `[data-view="${name}"] gradlabData${step !== undefined ? ` drawn at step >= ${step}` : ''}` },
    );
  } catch (err) {
    const shown = seen === undefined ? 'no such view or no gradlabData' : JSON.stringify(seen).slice(0, 400);
    throw new Error(`${err.message}; last seen${step !== undefined ? ` (drawn at step ${seenStep})` : ''}: ${shown}`);
  }
}

/**
 * Wait until every view card on the page (`[data-card]`, at least one) has drawn once: its
 * view was updated from the session's snapshots (`data-drawn-step`, src/ui/views.ts).
 */
export async function cardsDrawn(page, { timeout = 30_000 } = {}) {
  await poll(
    () =>
      page.evaluate(() => {
        const cards = [...document.querySelectorAll('[data-card]')];
        return cards.length > 0 && cards.every((c) => c.hasAttribute('data-drawn-step'));
      }),
    { timeout, message: 'every view card drawn once' },
  );
}

/** The last train metrics entry of the curves view that has a finite loss. */
export function lastLoss(curves) {
  const train = curves?.train ?? [];
  for (let i = train.length - 1; i >= 0; i--) {
    const loss = train[i]?.loss;
    if (typeof loss === 'number' && Number.isFinite(loss)) return { step: train[i].step, loss };
  }
  return null;
}

/** The last test metrics entry with a numeric accuracy. */
export function lastTestAccuracy(curves) {
  const test = curves?.test ?? [];
  for (let i = test.length - 1; i >= 0; i--) {
    const acc = test[i]?.accuracy;
    if (typeof acc === 'number' && Number.isFinite(acc)) return { step: test[i].step, accuracy: acc };
  }
  return null;
}

/** Every element matching `selector` in the document and all open shadow roots (count). */
export async function deepCount(page, selector) {
  return page.evaluate((selector) => {
    let n = 0;
    const visit = (root) => {
      n += root.querySelectorAll(selector).length;
      for (const el of root.querySelectorAll('*')) if (el.shadowRoot) visit(el.shadowRoot);
    };
    visit(document);
    for (const frame of document.querySelectorAll('iframe')) {
      try {
        if (frame.contentDocument) visit(frame.contentDocument);
      } catch {
        /* cross-origin frame */
      }
    }
    return n;
  }, selector);
}

/** All visible text of the document including open shadow roots. */
export async function deepText(page) {
  return page.evaluate(() => {
    const parts = [];
    const visit = (root) => {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) parts.push(n.nodeValue);
      for (const el of root.querySelectorAll('*')) {
        if (el.shadowRoot) visit(el.shadowRoot);
        if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) parts.push(el.value);
      }
    };
    visit(document);
    return parts.join('\n');
  });
}

export { assert };

/**
 * The spec the engine runs, from the checkpoint that "Save checkpoint" downloads (the engine
 * writes its own spec into it).
 */
export async function engineSpec(page) {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.locator('#checkpoint-export').click()]);
  const file = await download.path();
  return JSON.parse(fs.readFileSync(file, 'utf8')).spec;
}

/** The spec the JSON editor shows (its "Spec JSON" tab is opened for it), parsed. */
export async function editorSpec(page) {
  await page.getByRole('tab', { name: 'Spec JSON' }).first().click();
  const editor = page.locator('.cm-content').first();
  await editor.waitFor({ state: 'visible', timeout: 15_000 });
  return JSON.parse(await editor.innerText());
}

/** The settings in the page's address (its hash), as strings by name. */
export function hashSettings(page) {
  const out = {};
  for (const part of new URL(page.url()).hash.slice(1).split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    out[eq < 0 ? part : part.slice(0, eq)] = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
  }
  return out;
}
