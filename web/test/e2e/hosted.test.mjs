// The hosted page (issue 13): the built site as GitHub Pages serves it, under a sub-path
// (https://OWNER.github.io/gradlab/), here http://127.0.0.1:PORT/gradlab/ with the strict
// CSP; offline after the first load (the service worker, public/sw.js); and the
// <gradlab-lesson> element loaded by a course page of another origin under the CSP that
// web/src/embed/README.md documents.
import { test, before, after } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assert, useBrowser, openPage, poll, waitReady, stepCount, screenshot, STRICT_CSP_TEXT, WEB } from './helpers.mjs';
import { startServer } from '../../scripts/serve.mjs';
import { writePrecache } from '../../scripts/precache.mjs';

const env = useBrowser();
const VIEWPORT = { width: 1366, height: 768 };
const PREFIX = '/gradlab/';
const STEP_TIMEOUT = 120_000;

/** Start a server on env.root under /gradlab/ (closed by the test). */
async function hostedServer(t, options = {}) {
  const server = await startServer({ root: env.root, prefix: PREFIX, ...options });
  t.after(() => server.close());
  return server;
}

/**
 * Steps 1 and 2 of the xor lesson in `root` (a page, or the <gradlab-lesson> element): the
 * count of parameters, then "Train" (300 steps, a prediction first) until the panel marks
 * it passed, every expectation ticked. Returns the check texts of step 2.
 */
async function runXorSteps(root, label) {
  const next = root.locator('#lesson-next');
  for (const i of [0, 1]) {
    await next.first().click();
    const section = root.locator(`[data-lesson-step="${i}"]`);
    await section.waitFor({ state: 'visible', timeout: 15_000 });
    const predict = section.locator(`input[name="predict-${i}"]`);
    if ((await predict.count()) > 0) await predict.first().check();
    await section.locator('#lesson-run').click();
    await poll(async () => ['passed', 'failed'].includes(await section.getAttribute('data-state')), {
      timeout: STEP_TIMEOUT,
      interval: 100,
      message: `${label}: xor step ${i + 1} finished`,
    });
    const checks = await section.locator('.lesson-check').evaluateAll((els) => els.map((e) => ({ pass: e.getAttribute('data-pass'), text: e.textContent.replace(/\s+/g, ' ').trim() })));
    console.log(`# ${label}: xor step ${i + 1} ${await section.getAttribute('data-state')}: ${checks.map((c) => c.text).join(' | ')}`);
    assert.equal(await section.getAttribute('data-state'), 'passed', `${label}: xor step ${i + 1} passed`);
    assert.ok(checks.length > 0 && checks.every((c) => c.pass === 'true'), `${label}: every check of step ${i + 1} is a tick`);
    if (i === 1) return checks;
  }
  return [];
}

/** Open the course page at `base` and the lesson `id` from it; wait for the playground. */
async function openLessonFromCourse(page, base, id) {
  await page.goto(new URL('course.html', base).href, { waitUntil: 'load' });
  await page.locator('#course[aria-busy="false"]').waitFor({ state: 'attached', timeout: 30_000 });
  const count = await page.locator('li.course-lesson').count();
  await page.locator(`li.course-lesson[data-lesson="${id}"] a`).click();
  // 'commit': the address the link led to, before the playground's own start-up may write
  // its settings into the hash (it persists the workspace as soon as the session exists,
  // which on a busy machine can come before the page's load event).
  await page.waitForURL(new RegExp(`${PREFIX}index\\.html#lesson=${id}$`), { waitUntil: 'commit', timeout: 15_000 });
  await waitReady(page);
  assert.equal(await page.locator('select#lesson').inputValue(), id, `the playground opened ${id} from the course page`);
  await page.locator(`#lesson-panel[data-lesson="${id}"]`).waitFor({ state: 'visible', timeout: 15_000 });
  return count;
}

test('under a sub-path (/gradlab/, strict CSP): index, course, a lesson, embed.html, the engine and its worker', { timeout: 60_000 + 2 * STEP_TIMEOUT }, async (t) => {
  const server = await hostedServer(t, { csp: true });
  assert.match(server.url, /\/gradlab\/$/);
  // Nothing of the site answers outside the sub-path: an absolute '/...' URL would 404.
  assert.equal((await fetch(new URL('/index.html', server.url))).status, 404, 'the root is not served');
  const page = await openPage(t, env, { viewport: VIEWPORT });
  const paths = new Set();
  page.on('request', (r) => paths.add(new URL(r.url()).pathname));
  page.on('worker', (w) => paths.add(new URL(w.url()).pathname));
  const response = await page.goto(server.url, { waitUntil: 'load' });
  assert.equal((await response.allHeaders())['content-security-policy'], STRICT_CSP_TEXT);
  await waitReady(page);
  assert.equal(await page.locator('select#lesson').inputValue(), 'xor');
  await runXorSteps(page, 'sub-path');
  const outside = [...paths].filter((p) => !p.startsWith(PREFIX));
  assert.deepEqual(outside, [], 'every request of the page and its workers stays under /gradlab/');
  // The flavour the worker picked: relaxed in a Chromium with relaxed SIMD (114 and later).
  const flavour = await page.locator('html').getAttribute('data-engine');
  const major = Number(page.context().browser().version().split('.')[0]);
  assert.equal(flavour, major >= 114 ? 'relaxed' : 'simd', `the engine flavour in Chromium ${major}`);
  for (const part of [`/gradlab/engine/gradlab-${flavour}.wasm`, `/gradlab/engine/gradlab-${flavour}.mjs`, '/gradlab/lessons/xor.json']) {
    assert.ok(paths.has(part), `${part} was loaded`);
  }
  assert.ok([...paths].some((p) => /^\/gradlab\/assets\/worker-[\w-]+\.js$/.test(p)), 'the engine worker started from /gradlab/assets/');
  const otherEngines = [...paths].filter((p) => /\/engine\/gradlab-/.test(p) && !p.includes(`gradlab-${flavour}.`));
  assert.deepEqual(otherEngines, [], `only the ${flavour} engine is fetched`);
  console.log(`# sub-path: ${paths.size} paths requested, all under ${PREFIX}; engine ${flavour}`);
  await screenshot(page, 'hosted-subpath-xor');
  const lessons = await openLessonFromCourse(page, server.url, 'rnn-gradients');
  console.log(`# sub-path: the course page listed ${lessons} lessons; rnn-gradients opened`);
  await page.goto(new URL('embed.html#lesson=xor', server.url).href, { waitUntil: 'load' });
  const lesson = page.locator('gradlab-lesson');
  await lesson.locator('h2').filter({ hasText: /xor/i }).waitFor({ timeout: 30_000 });
  await poll(async () => !(await lesson.locator('#play').isDisabled()), { timeout: 30_000, message: 'embed.html ready' });
  await page.assertClean('the site under /gradlab/');
});

test('offline: after the first load the service worker serves the site; with the network cut the page loads, trains and opens a lesson from the course page', { timeout: 60_000 + 2 * STEP_TIMEOUT }, async (t) => {
  const server = await hostedServer(t, { csp: true });
  const page = await openPage(t, env, { viewport: VIEWPORT });
  const context = page.context();
  await page.goto(server.url, { waitUntil: 'load' });
  await waitReady(page);
  // The service worker precached every file of the build (its list is in dist/sw.js).
  await page.locator('html[data-offline="ready"]').waitFor({ state: 'attached', timeout: 60_000 });
  const status = await page.evaluate(async () => {
    const names = await caches.keys();
    const cache = await caches.open(names.find((n) => n.startsWith('gradlab:')));
    const keys = (await cache.keys()).map((r) => new URL(r.url).pathname);
    return { names, keys, controlled: navigator.serviceWorker.controller !== null, scope: (await navigator.serviceWorker.ready).scope };
  });
  const sw = fs.readFileSync(path.join(env.root, 'sw.js'), 'utf8');
  const manifest = JSON.parse(/\/\* precache \*\/ (.*) \/\* \/precache \*\//.exec(sw)[1]);
  const version = await page.locator('html').getAttribute('data-offline-version');
  console.log(`# offline: cache ${status.names.join(', ')} holds ${status.keys.length} files (manifest: ${manifest.files.length - 1} + './'), scope ${status.scope}`);
  assert.equal(version, manifest.version, 'the active service worker is this build\'s');
  assert.deepEqual(status.names, [`gradlab:${PREFIX}:${manifest.version}`], 'one cache, named after the scope and the build\'s version');
  assert.equal(status.scope, server.url, 'the worker\'s scope is the sub-path');
  assert.equal(status.controlled, true, 'the page is controlled after the first load');
  const lessonFiles = fs.readdirSync(path.join(env.root, 'lessons')).filter((f) => f.endsWith('.json'));
  const flavour = await page.locator('html').getAttribute('data-engine');
  for (const f of ['index.html', 'course.html', 'embed.html', 'gradlab-lesson.js', `engine/gradlab-${flavour}.mjs`, `engine/gradlab-${flavour}.wasm`, ...lessonFiles.map((f) => `lessons/${f}`)]) {
    assert.ok(status.keys.includes(`${PREFIX}${f}`), `${f} is cached`);
  }
  // Of the engine, only the flavour this browser runs (public/sw.js): the others stay on the server.
  const engines = manifest.files.filter((f) => f.startsWith('engine/gradlab-'));
  assert.ok(engines.length > 2, `the site has more than one engine flavour: ${engines.join(', ')}`);
  assert.deepEqual(status.keys.filter((k) => k.includes('/engine/gradlab-')).sort(), [`${PREFIX}engine/gradlab-${flavour}.mjs`, `${PREFIX}engine/gradlab-${flavour}.wasm`], `only the ${flavour} engine is precached`);
  assert.ok(lessonFiles.length > 30 && lessonFiles.includes('index.json'), `every lesson file and index.json (${lessonFiles.length})`);
  assert.ok(status.keys.some((k) => /\/assets\/worker-[\w-]+\.js$/.test(k)), 'the engine worker script is cached');

  // Cut the network: the browser is offline and the server is gone.
  await context.setOffline(true);
  await server.close();
  const fromNetwork = [];
  page.on('requestfinished', (r) => {
    const res = r.response();
    void res?.then((x) => x && !x.fromServiceWorker() && x.url().startsWith('http') && fromNetwork.push(x.url()));
  });
  await page.reload({ waitUntil: 'load' });
  await waitReady(page);
  assert.equal(await stepCount(page), 0);
  const checks = await runXorSteps(page, 'offline');
  assert.ok(checks.some((c) => /test accuracy/.test(c.text)), 'the offline run measured its test accuracy');
  await screenshot(page, 'hosted-offline-xor');
  await openLessonFromCourse(page, server.url, 'lstm-forget');
  await screenshot(page, 'hosted-offline-course-lesson');
  assert.deepEqual(fromNetwork, [], 'nothing came from the network');
  await page.assertClean('the offline site');
});

test('offline control: with service workers blocked, the same cut makes the reload fail (so the test above means something)', { timeout: 60_000 }, async (t) => {
  const server = await hostedServer(t);
  const context = await env.browser.newContext({ serviceWorkers: 'block', viewport: VIEWPORT });
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(server.url, { waitUntil: 'load' });
  await waitReady(page);
  assert.equal(await page.evaluate(() => navigator.serviceWorker?.controller ?? null), null, 'no service worker');
  await context.setOffline(true);
  await server.close();
  const error = await page.reload({ waitUntil: 'load' }).then(() => null, (e) => e);
  console.log(`# without the service worker, offline: ${error?.message.split('\n')[0]}`);
  assert.ok(error && /ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED/.test(error.message), 'the reload failed');
});

test('new deploys replace the cache: the edited lesson shows, and the previous version\'s cache stays one deploy longer for pages opened from it', { timeout: 120_000 }, async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-deploy-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.cpSync(env.root, root, { recursive: true });
  // Version 1 has a chunk that later versions do not (as a rebuilt view gets a new hash).
  const oldChunk = 'assets/old-view-AbCd1234.js';
  fs.writeFileSync(path.join(root, oldChunk), 'export const version = 1;\n');
  const versions = [writePrecache(root).version];
  const server = await startServer({ root, prefix: PREFIX });
  t.after(() => server.close());
  const page = await openPage(t, env, { viewport: VIEWPORT, allowErrors: /Failed to load resource.*404/ });
  await page.goto(`${server.url}#lesson=xor`, { waitUntil: 'load' });
  await page.locator('html[data-offline="ready"]').waitFor({ state: 'attached', timeout: 60_000 });
  assert.equal(await page.locator('html').getAttribute('data-offline-version'), versions[0]);
  const cacheNames = () => page.evaluate(() => caches.keys());
  const oldChunkStatus = () => page.evaluate((u) => fetch(u).then((r) => r.status), new URL(oldChunk, server.url).href);
  /** Deploy: the lesson's title changes, `drop` leaves the server, sw.js gets the new list. */
  const deploy = async (title, drop) => {
    const file = path.join(root, 'lessons/xor.json');
    const lesson = JSON.parse(fs.readFileSync(file, 'utf8'));
    lesson.lesson.title = title;
    fs.writeFileSync(file, JSON.stringify(lesson));
    if (drop) fs.rmSync(path.join(root, drop));
    versions.push(writePrecache(root).version);
    await page.reload({ waitUntil: 'load' }); // the browser checks sw.js on navigation
    const want = versions.slice(-2).map((v) => `gradlab:${PREFIX}:${v}`);
    return poll(async () => ((await cacheNames()).join() === want.join() ? want : null), { timeout: 60_000, message: `the caches ${want.join(', ')}` });
  };
  const after2 = await deploy('XOR, deployed again', oldChunk);
  assert.equal((await fetch(new URL(oldChunk, server.url))).status, 404, 'the server no longer has the old chunk');
  assert.equal(await oldChunkStatus(), 200, 'a page of version 1 still loads its chunk, from the kept cache');
  const after3 = await deploy('XOR, a third time');
  console.log(`# deploys: ${versions.join(' -> ')}; caches after the 2nd: ${after2.join(', ')}; after the 3rd: ${after3.join(', ')}`);
  assert.equal(await oldChunkStatus(), 404, 'two deploys later the old chunk is gone with version 1\'s cache');
  await page.reload({ waitUntil: 'load' });
  await waitReady(page);
  await poll(async () => /a third time/.test(await page.locator('#lesson-text').innerText()), { timeout: 20_000, message: 'the newest lesson title shown' });
  await page.assertClean('the page after two deploys');
});

/**
 * The CSP a course page needs to embed <gradlab-lesson> from `hosted`: read from the code
 * block of web/src/embed/README.md (HOSTED replaced by the origin), so the documented
 * policy is the tested one; default-src 'self' for everything it does not name.
 */
function embeddingCsp(hosted) {
  const readme = fs.readFileSync(path.join(WEB, 'src/embed/README.md'), 'utf8');
  const block = /must allow, with\n`HOSTED`[\s\S]*?```\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'web/src/embed/README.md documents the course page\'s CSP in a code block');
  const directives = block[1]
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .join(' ')
    .split(';')
    .map((d) => d.trim())
    .filter(Boolean);
  assert.deepEqual(directives.map((d) => d.split(/\s+/)[0]), ['script-src', 'worker-src', 'connect-src', 'style-src', 'img-src']);
  return ["default-src 'self'", ...directives].join('; ').replaceAll('HOSTED', new URL(hosted).origin);
}

/** A course page on another origin: one script tag from the hosted site, one element. */
function coursePage(hosted) {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>A course on another origin</title>
<script type="module" src="${new URL('gradlab-lesson.js', hosted).href}"></script></head>
<body><h1>Week 3: why a hidden layer</h1>
<gradlab-lesson src="${new URL('lessons/xor.json', hosted).href}"></gradlab-lesson>
</body></html>
`;
}

const other = { dir: '' };
before(() => {
  other.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-course-site-'));
});
after(() => fs.rmSync(other.dir, { recursive: true, force: true }));

test('cross-origin: a course page on localhost:B loads <gradlab-lesson> from 127.0.0.1:A/gradlab/ and a lesson step trains and checks out under the documented CSP', { timeout: 60_000 + 2 * STEP_TIMEOUT }, async (t) => {
  const hosted = await hostedServer(t, { cors: true });
  fs.writeFileSync(path.join(other.dir, 'index.html'), coursePage(hosted.url));
  const policy = embeddingCsp(hosted.url);
  const site = await startServer({ root: other.dir, csp: policy });
  t.after(() => site.close());
  const courseUrl = site.url.replace('127.0.0.1', 'localhost');
  assert.notEqual(new URL(courseUrl).origin, new URL(hosted.url).origin, 'two origins');
  const page = await openPage(t, env, { viewport: VIEWPORT });
  const workers = [];
  page.on('worker', (w) => workers.push(w.url()));
  const response = await page.goto(courseUrl, { waitUntil: 'load' });
  assert.equal((await response.allHeaders())['content-security-policy'], policy, 'the course page is served with the documented CSP');
  console.log(`# course page ${courseUrl} (CSP: ${policy}) embeds ${hosted.url}gradlab-lesson.js`);
  const lesson = page.locator('gradlab-lesson');
  await lesson.locator('h2').filter({ hasText: /xor/i }).waitFor({ timeout: 30_000 });
  try {
    await poll(async () => !(await lesson.locator('#play').isDisabled()), { timeout: 30_000, message: 'the element\'s engine ready' });
  } catch (err) {
    throw new Error(`${err.message}; the element says "${await lesson.locator('#message').textContent()}"; problems: ${JSON.stringify(page.problems)}`);
  }
  const checks = await runXorSteps(lesson, 'cross-origin');
  assert.ok(checks.some((c) => /test accuracy/.test(c.text)));
  assert.ok(workers.some((u) => u.startsWith('blob:')), `the engine worker started from a blob: URL (${workers.join(', ')})`);
  assert.equal(await page.evaluate(() => navigator.serviceWorker.controller), null, 'the element registers no service worker on the course site');
  await screenshot(page, 'hosted-cross-origin-embed');
  await page.assertClean('the course page on another origin');
});

test('cross-origin control: without CORS headers on the hosted site the element cannot load (so the test above means something)', { timeout: 60_000 }, async (t) => {
  const hosted = await hostedServer(t, { cors: false });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-course-site-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'index.html'), coursePage(hosted.url));
  const site = await startServer({ root: dir, csp: embeddingCsp(hosted.url) });
  t.after(() => site.close());
  const page = await openPage(t, env, { allowErrors: /CORS|Access-Control-Allow-Origin|Failed to load|net::ERR_FAILED/ });
  const failed = page.waitForEvent('requestfailed', { predicate: (r) => r.url().endsWith('/gradlab-lesson.js'), timeout: 15_000 });
  await page.goto(site.url.replace('127.0.0.1', 'localhost'), { waitUntil: 'load' });
  console.log(`# without CORS: ${(await failed).failure()?.errorText} for gradlab-lesson.js`);
  assert.equal(await page.evaluate(() => customElements.get('gradlab-lesson') === undefined), true, 'the element was not defined');
  await page.assertClean('the control page');
});
