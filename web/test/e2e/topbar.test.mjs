// The top bar stays one row at 1366x768 (issue 13) while idle, while playing (the steps/s
// rate appears) and with the Share link box open.
import { test } from 'node:test';
import { assert, useBrowser, openPage, openApp, poll, screenshot, stepCount } from './helpers.mjs';

const env = useBrowser();

/** The top bar's direct children as boxes; one row when every child's vertical centre is within the first child's box. */
async function rows(page) {
  const boxes = await page.evaluate(() =>
    [...document.querySelectorAll('header.topbar > *')]
      .filter((e) => e.getClientRects().length > 0)
      .map((e) => {
        const r = e.getBoundingClientRect();
        return { name: e.className || e.tagName, top: r.top, bottom: r.bottom, mid: (r.top + r.bottom) / 2 };
      }),
  );
  const first = boxes[0];
  const off = boxes.filter((b) => b.mid < first.top || b.mid > first.bottom);
  return { boxes, off };
}

test('top bar: one row at 1366x768 idle, playing and with the share link', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=xor');
  for (const state of ['idle', 'playing', 'share']) {
    if (state === 'playing') {
      const before = await stepCount(page);
      await page.locator('#play').click();
      // the rate shows once the worker has reported a speed
      await poll(async () => (await stepCount(page)) > before + 5 && /steps\/s/.test((await page.locator('.counter').textContent()) ?? ''), { timeout: 30_000, message: 'the steps/s rate shown' });
    }
    if (state === 'share') {
      await page.locator('#play').click();
      await page.locator('#share').click();
      await poll(async () => page.locator('.share-url').isVisible(), { timeout: 10_000, message: 'the share link box' });
    }
    const { boxes, off } = await rows(page);
    const height = (await page.locator('header.topbar').boundingBox()).height;
    console.log(`# ${state}: top bar ${height.toFixed(0)} px high, ${boxes.length} items`);
    assert.deepEqual(off.map((b) => b.name), [], `${state}: every top-bar item in one row`);
    assert.ok(height < 70, `${state}: the bar is one row high (${height} px)`);
  }
  await screenshot(page, 'topbar-1366', page.locator('header.topbar'));
  await page.assertClean('top bar');
});
