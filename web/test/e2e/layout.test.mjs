// Layout that serves the lesson (issue 13), at 1366x768 and 1920x1080: the top bar is one
// row, the lesson's title is not cut, the network form has no fixed-height inner scroll box,
// and on a lesson's first step its text and the view it points to are both on screen without
// scrolling. Screenshots of each lesson's first step: layout-<lesson>-<width>.png.
import { test } from 'node:test';
import { assert, useBrowser, openPage, openApp, poll, screenshot, cardsDrawn } from './helpers.mjs';

const env = useBrowser();
const LESSONS = ['xor', 'rnn-gradients', 'gan-ring', 'attention'];
const SIZES = [{ width: 1366, height: 768 }, { width: 1920, height: 1080 }];

/** Elements of the network form that scroll inside a fixed height (overflow-y auto/scroll and a max-height or height). */
async function formScrollBoxes(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('#network, #network *')]
      .filter((e) => {
        const s = getComputedStyle(e);
        if (!/auto|scroll/.test(s.overflowY)) return false;
        if (e.closest('.cm-editor')) return false; // the JSON editor's own scroller
        return s.maxHeight !== 'none' || e.scrollHeight > e.clientHeight + 1;
      })
      .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`),
  );
}

for (const viewport of SIZES) {
  test(`layout at ${viewport.width}x${viewport.height}: one-row bar, whole titles, no form scroll box, step text and view on screen`, { timeout: 120_000 }, async (t) => {
    const page = await openPage(t, env, { viewport });
    for (const lesson of LESSONS) {
      await page.goto('about:blank'); // a new hash alone would not reload the page
      await openApp(page, env, `lesson=${lesson}`);
      await page.evaluate(() => window.scrollTo(0, 0));
      const bar = await page.locator('header.topbar').boundingBox();
      assert.ok(bar.height < 70, `${lesson}: the top bar is one row (${bar.height} px)`);
      // the lesson's title: whole in the panel, and in the lesson menu when it fits the bar
      const title = page.locator('#lesson-panel h2');
      await title.waitFor({ state: 'visible' });
      const cut = await title.evaluate((e) => e.scrollWidth > e.clientWidth + 1 || getComputedStyle(e).textOverflow === 'ellipsis');
      assert.equal(cut, false, `${lesson}: the panel's title is not cut`);
      const menu = await page.locator('select#lesson').evaluate((s) => {
        const c = document.createElement('canvas').getContext('2d');
        c.font = getComputedStyle(s).font;
        const text = c.measureText(s.selectedOptions[0]?.text ?? '').width;
        const cs = getComputedStyle(s);
        const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 16; // the arrow
        return { text: Math.round(text), room: Math.round(room), title: s.title };
      });
      assert.equal(menu.title, await title.textContent(), `${lesson}: the menu's tooltip is the whole title`);
      assert.ok(menu.text <= menu.room, `${lesson}: the whole title fits the menu (${menu.text} <= ${menu.room} px)`);
      assert.deepEqual(await formScrollBoxes(page), [], `${lesson}: no fixed-height scroll box in the network form`);

      await page.locator('#lesson-next').click();
      const focus = page.locator('[data-lesson-focus]');
      await poll(async () => (await focus.count()) > 0, { timeout: 15_000, message: `${lesson}: the first step's view` });
      // cards settle: every view card (the step's view may just have been opened, its class
      // loaded lazily) was updated once, then two frames for the canvases' layout to follow
      // (a fixed 300 ms was too short on a busy machine)
      await cardsDrawn(page);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const scrollY = await page.evaluate(() => window.scrollY);
      const view = await focus.first().boundingBox();
      const text = await page.locator('.lesson-page h3').boundingBox();
      const para = await page.locator('.lesson-page p').first().boundingBox();
      t.diagnostic(`${viewport.width}: ${lesson} menu text ${menu.text}/${menu.room} px, step title at ${Math.round(text.y)}, view ${await focus.first().getAttribute('data-card') ?? await focus.first().getAttribute('id')} at ${Math.round(view.y)}..${Math.round(view.y + view.height)}, page scrolled ${scrollY}`);
      assert.equal(scrollY, 0, `${lesson}: nothing had to scroll`);
      assert.ok(text.y >= bar.height && para.y + Math.min(para.height, 60) <= viewport.height, `${lesson}: the step's title and first lines on screen`);
      assert.ok(view.y >= bar.height - 1 && view.y + Math.min(view.height, 300) <= viewport.height, `${lesson}: the step's view (top 300 px) on screen (${view.y}..${view.y + view.height})`);
      await screenshot(page, `layout-${lesson}-${viewport.width}`, page);
    }
    await page.assertClean('layout');
  });
}

test('every lesson title fits the lesson menu at 1366x768, the bar still one row', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=xor');
  const r = await page.locator('select#lesson').evaluate((s) => {
    const c = document.createElement('canvas').getContext('2d');
    c.font = getComputedStyle(s).font;
    const widths = [...s.options].map((o) => ({ text: o.text, width: c.measureText(o.text).width }));
    const widest = widths.reduce((a, b) => (b.width > a.width ? b : a));
    // size the menu for the widest title as fitToSelected does on a lesson change (no change event: nothing reloads)
    const keep = { index: s.selectedIndex, width: s.style.width };
    s.selectedIndex = widths.indexOf(widest);
    const cs = getComputedStyle(s);
    const chrome = parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight) + parseFloat(cs.borderLeftWidth) + parseFloat(cs.borderRightWidth) + 24;
    s.style.width = `${Math.ceil(widest.width + chrome)}px`;
    const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 16; // the arrow
    const bar = document.querySelector('header.topbar').getBoundingClientRect().height;
    const overflow = document.documentElement.scrollWidth - document.documentElement.clientWidth;
    s.selectedIndex = keep.index;
    s.style.width = keep.width;
    return { count: widths.length, widest: widest.text, text: Math.round(widest.width), room: Math.round(room), bar, overflow };
  });
  t.diagnostic(`the widest of ${r.count} titles, "${r.widest}": ${r.text} px of ${r.room} px; bar ${r.bar} px`);
  assert.ok(r.count >= 36, 'every lesson is in the menu');
  assert.ok(r.text <= r.room, `the widest title fits the menu (${r.text} <= ${r.room} px)`);
  assert.ok(r.bar < 70, `the bar stays one row (${r.bar} px)`);
  assert.ok(r.overflow <= 0, `the page does not scroll sideways (${r.overflow} px)`);
});
