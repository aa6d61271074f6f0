// Panels a student can fold (issue 13): the Training card and a view card fold to their
// header with one click, stay folded after a reload and in another lesson, and unfold again.
import { test } from 'node:test';
import { assert, useBrowser, openPage, openApp, screenshot } from './helpers.mjs';

const env = useBrowser();

async function state(page) {
  return page.evaluate(() => ({
    training: document.querySelector('[data-panel="training"]')?.dataset.collapsed,
    trainingBody: document.querySelector('#settings')?.getClientRects().length ?? 0,
    lr: document.querySelector('[data-panel="training"] input')?.getClientRects().length ?? 0,
    field: document.querySelector('[data-card="field"]')?.dataset.collapsed,
    fieldBody: document.querySelector('[data-card="field"] .card-body')?.getClientRects().length ?? 0,
    fieldHeight: document.querySelector('[data-card="field"]')?.getBoundingClientRect().height ?? 0,
    curves: document.querySelector('[data-panel="curves"]')?.dataset.collapsed,
  }));
}

test('collapse: cards fold to their header, and stay folded after a reload and in another lesson', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=xor');
  await page.locator('[data-card="field"]').waitFor({ state: 'visible' });
  const before = await state(page);
  assert.equal(before.training, 'false');
  assert.ok(before.trainingBody > 0 && before.fieldBody > 0, 'both open at first');
  const fold = page.locator('[data-panel="training"] .card-fold');
  assert.equal(await fold.getAttribute('aria-expanded'), 'true');
  assert.equal(await fold.getAttribute('aria-label'), 'Fold Training');
  await fold.click();
  await page.locator('[data-card="field"] .card-fold').click();
  let s = await state(page);
  assert.deepEqual([s.training, s.trainingBody, s.lr, s.field, s.fieldBody], ['true', 0, 0, 'true', 0], 'folded: only the headers show');
  assert.ok(s.fieldHeight < 50, `the folded view card is its header (${s.fieldHeight} px)`);
  assert.equal(await fold.getAttribute('aria-expanded'), 'false');
  await screenshot(page, 'collapse-folded', page);

  await page.reload();
  await page.locator('[data-card="field"]').waitFor({ state: 'visible' });
  s = await state(page);
  assert.deepEqual([s.training, s.trainingBody, s.field, s.fieldBody, s.curves], ['true', 0, 'true', 0, 'false'], 'still folded after a reload (the others open)');
  await page.goto('about:blank');
  await openApp(page, env, 'lesson=l1-sparsity');
  s = await state(page);
  assert.equal(s.training, 'true', 'and in another lesson');

  await page.locator('[data-panel="training"] .card-fold').click();
  await page.reload();
  await page.locator('#settings').waitFor({ state: 'visible' });
  s = await state(page);
  assert.deepEqual([s.training, s.trainingBody > 0], ['false', true], 'unfolded, and remembered so');
  await page.assertClean('collapse');
});
