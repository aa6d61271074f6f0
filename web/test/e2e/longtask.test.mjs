// While training, the main thread stays responsive: no task longer than 50 ms.
import { test } from 'node:test';
import { assert, useBrowser, openPage, openApp, stepCount, poll } from './helpers.mjs';


const env = useBrowser();

/** Say who caused the long tasks: the long animation frames of the period and their scripts. */
async function printLongFrames(page, t0, t1, tasks) {
  if (tasks.length === 0) return;
  const frames = (await page.evaluate(() => window.__gradlabLoaf ?? [])).filter((e) => e.start + e.duration >= t0 && e.start <= t1 && e.duration > 50);
  for (const f of frames.slice(0, 8)) {
    const scripts = f.scripts.map((sc) => `${sc.invoker} ${sc.source} ${sc.duration} ms`).join('; ');
    console.log(`#   long frame ${f.duration.toFixed(0)} ms (blocking ${f.blocking.toFixed(0)}, render ${f.render.toFixed(0)}): ${scripts || 'no script attributed (layout/paint)'}`);
  }
  if (frames.length === 0) console.log('#   no long animation frame overlaps them (tasks outside frames: messages, GC)');
}

for (const lesson of ['xor', 'rnn-gradients']) {
  test(`${lesson}: no main-thread task over 50 ms during 4 s of play`, { timeout: 60_000 }, async (t) => {
    const page = await openPage(t, env);
    await openApp(page, env);
    if (lesson !== 'xor') {
      await page.locator('select#lesson').selectOption(lesson);
      await poll(async () => (await page.locator('#step-counter').getAttribute('data-step')) === '0', { timeout: 20_000, message: `${lesson} loaded` });
    }
    assert.equal(await page.locator('select#lesson').inputValue(), lesson);
    assert.ok(await page.evaluate(() => window.__gradlabLongTaskSupported), 'this Chromium reports long tasks');
    // Let loading settle, then only count what happens while playing.
    await page.waitForTimeout(500);
    const t0 = await page.evaluate(() => performance.now());
    const before = await stepCount(page);
    await page.locator('#play').click();
    await page.waitForTimeout(4000);
    await page.locator('#play').click();
    const t1 = await page.evaluate(() => performance.now());
    const after = await stepCount(page);
    const tasks = (await page.evaluate(() => window.__gradlabLongTasks)).filter((e) => e.start >= t0 && e.start <= t1);
    const longest = tasks.reduce((m, e) => Math.max(m, e.duration), 0);
    console.log(
      `# ${lesson}: ${after - before} steps in ${((t1 - t0) / 1000).toFixed(1)} s of play; ${tasks.length} long task(s)` +
        (tasks.length ? `: ${tasks.map((e) => `${e.duration.toFixed(0)} ms at ${(e.start - t0).toFixed(0)} ms`).join(', ')}` : ''),
    );
    await printLongFrames(page, t0, t1, tasks);
    assert.ok(after - before >= 10, `training ran while we watched (${after - before} steps)`);
    assert.equal(tasks.length, 0, `no long tasks while training (longest ${longest.toFixed(0)} ms)`);
    await page.assertClean(lesson);
  });
}

test('<gradlab-lesson>: no main-thread task over 50 ms during 4 s of play', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env);
  await page.goto(`${env.url}course-page.html`);
  const lesson = page.locator('gradlab-lesson');
  const play = lesson.locator('#play');
  await poll(async () => (await play.count()) > 0 && !(await play.isDisabled()), { timeout: 30_000, message: 'the element ready' });
  await page.waitForTimeout(500);
  const t0 = await page.evaluate(() => performance.now());
  const before = await stepCount(lesson);
  await play.click();
  await page.waitForTimeout(4000);
  await play.click();
  const t1 = await page.evaluate(() => performance.now());
  const after = await stepCount(lesson);
  const tasks = (await page.evaluate(() => window.__gradlabLongTasks)).filter((e) => e.start >= t0 && e.start <= t1);
  console.log(
    `# element: ${after - before} steps in ${((t1 - t0) / 1000).toFixed(1)} s of play; ${tasks.length} long task(s)` +
      (tasks.length ? `: ${tasks.map((e) => `${e.duration.toFixed(0)} ms`).join(', ')}` : ''),
  );
  await printLongFrames(page, t0, t1, tasks);
  assert.ok(after - before >= 10, `training ran while we watched (${after - before} steps)`);
  assert.equal(tasks.length, 0, 'no long tasks while the element trains');
  await page.assertClean('the element');
});
