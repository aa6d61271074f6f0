// The network diagram's selection reaches every view that shows per-parameter data (issue
// 13): clicking an edge or a unit in the diagram outlines that parameter's histograms card,
// the layer that holds it in the layer-gradients chart (and its table row), and its row of
// the gradient-check table (under the views).
import { test } from 'node:test';
import { assert, useBrowser, openPage, openApp, viewData, readView, trainSteps, screenshot, poll } from './helpers.mjs';

const env = useBrowser();

async function addView(page, name) {
  if ((await page.locator(`[data-card="${name}"]`).count()) === 0) await page.locator('select#add-view').selectOption(name);
  const card = page.locator(`[data-card="${name}"]`);
  await card.waitFor({ state: 'visible', timeout: 15_000 });
  return card;
}

/** Click an element of the diagram, which may be redrawn (replaced) between finding and clicking it. */
async function clickRedrawn(locator) {
  await poll(async () => {
    try {
      await locator.click({ timeout: 2_000 });
      return true;
    } catch (e) {
      if (!/not attached|detached/i.test(String(e))) throw e;
      return false;
    }
  }, { timeout: 15_000, message: 'a click on the diagram' });
}

test('selection: a click in the network diagram selects the parameter in every per-parameter view', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=xor');
  await trainSteps(page, 5);
  const diagram = await addView(page, 'network-diagram');
  await addView(page, 'histograms');
  await addView(page, 'layer-gradients');
  // the gradient check sits under the views (#extras) for sequential models
  await page.locator('#gradcheck-run').click();
  await viewData(page, 'gradcheck', (v) => Array.isArray(v?.rows) && v.rows.length === 4, { message: 'the gradient check' });
  await viewData(page, 'layer-gradients', (v) => v.labels.length === 3);
  await viewData(page, 'network-diagram', (v) => v.edges?.length === 32);

  // an edge of the first layer: layers.0.weight, in layer 0
  await clickRedrawn(diagram.locator('.gl-nd-hit[data-key^="e:0:"]').first());
  const picked = (await readView(page, 'network-diagram')).selected;
  assert.equal(picked.pinned, true, 'the click pinned the edge');
  const expect = [
    { name: 'layers.0.weight', layer: 0 },
    { name: 'layers.2.bias', layer: 2 },
  ];
  for (const [i, want] of expect.entries()) {
    if (i === 1) {
      await clickRedrawn(diagram.locator('[data-key="u:0:2:0"]').last()); // an output unit: its bias
    }
    const h = await viewData(page, 'histograms', (v) => v.selected === want.name, { message: `histograms follow ${want.name}` });
    assert.equal(h.selected, want.name);
    assert.deepEqual(await page.locator('[data-view="histograms"] .gl-card.gl-selected').evaluateAll((els) => els.map((e) => e.dataset.param)), [want.name], 'one histograms card outlined');
    await page.mouse.move(1, 1); // no hover read-out on the chart (it would take the read-out's place)
    const lg = await viewData(page, 'layer-gradients', (v) => v.selected_layer?.parameter === want.name, { message: `layer-gradients follows ${want.name}` });
    assert.equal(lg.selected_layer.position, want.layer, `${want.name} is in layer ${want.layer}`);
    assert.match(await page.locator('[data-view="layer-gradients"] .gl-readout').textContent(), new RegExp(`^${want.name.replace(/\./g, '\\.')}: Layer ${want.layer} linear`), 'the chart reads the picked layer out');
    await page.locator('[data-view="layer-gradients"] details summary').click();
    // the table is rendered on the details' toggle event, after the click
    const marked = [0, 1, 2].map((p) => p === want.layer);
    let rows = null;
    await poll(async () => {
      rows = await page.locator('[data-view="layer-gradients"] table tbody tr').evaluateAll((els) => els.map((e) => e.classList.contains('gl-selected')));
      return JSON.stringify(rows) === JSON.stringify(marked);
    }, { timeout: 5_000, message: `the table marks layer ${want.layer}` }).catch(() => {});
    assert.deepEqual(rows, marked, 'the table marks the picked layer');
    await page.locator('[data-view="layer-gradients"] details summary').click();
    const g = await viewData(page, 'gradcheck', (v) => v.selected === want.name, { message: `gradcheck follows ${want.name}` });
    assert.equal(g.selected, want.name);
    assert.deepEqual(await page.locator('[data-view="gradcheck"] tbody tr.gl-selected').evaluateAll((els) => els.map((e) => e.dataset.param)), [want.name], 'one gradient-check row marked');
    t.diagnostic(`${want.name}: histograms card, layer ${lg.selected_layer.position} of the layer-gradients chart and the gradcheck row selected`);
  }
  await screenshot(page, 'selection-xor', page.locator('[data-card="layer-gradients"]'));
  await page.assertClean('selection');
});

test('selection: a conv block picked in the network diagram outlines its kernels in the filters view', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=cnn-vs-mlp');
  const diagram = await addView(page, 'network-diagram');
  await addView(page, 'filters');
  const f0 = await viewData(page, 'filters', (v) => Array.isArray(v?.tiles) && v.tiles.length > 0, { message: 'the filters' });
  const d = await viewData(page, 'network-diagram', (v) => Array.isArray(v?.stages) || v?.edges !== undefined, { message: 'the diagram' });
  t.diagnostic(`filters: ${f0.tiles.length} tiles; diagram keys ${Object.keys(d).join(', ')}`);
  await clickRedrawn(diagram.locator('.gl-nd-block[data-key^="b:"]').first()); // the first conv layer
  const f = await viewData(page, 'filters', (v) => v.selected !== null && v.selected !== undefined, { message: 'filters follow the conv block' });
  assert.equal(f.selected.name, 'layers.0.weight', 'the first block is the first conv layer: its weight');
  assert.equal(f.selected.tiles, f0.tiles.length, 'every kernel of the layer outlined');
  assert.equal(await page.locator('[data-view="filters"] figure.gl-selected').count(), f0.tiles.length);
  t.diagnostic(`layers.0.weight: ${f.selected.tiles} kernels outlined`);
  await screenshot(page, 'selection-filters', page.locator('[data-card="filters"]'));
  await page.assertClean('selection (filters)');
});
