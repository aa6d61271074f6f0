// The network editor's form on a Transformer lesson (positional-attention: linear,
// positional, transformer_encoder_layer, mean_pool, linear): every layer has its card with
// its fields and the engine's parameter count, and choosing an initialisation shows the
// scale field it takes (init_std for normal) and writes it to the spec.
import { test } from 'node:test';
import { assert, useBrowser, openPage, openApp, screenshot, poll, editorSpec } from './helpers.mjs';

const env = useBrowser();

test('editor form: Transformer layers with their fields and counts, init scales', { timeout: 90_000 }, async (t) => {
  const page = await openPage(t, env, { viewport: { width: 1366, height: 768 } });
  await openApp(page, env, 'lesson=positional-attention');
  const tab = page.getByRole('tab', { name: 'Network' }).first();
  if (await tab.isVisible()) await tab.click();
  const card = (type) => page.locator(`li.gl-layer[data-type="${type}"]`).first();
  const enc = card('transformer_encoder_layer');
  await enc.waitFor({ timeout: 20_000 });
  assert.equal(await enc.locator('select').first().inputValue(), 'transformer_encoder_layer', 'a known type, not "unknown"');
  const shape = enc.locator('.gl-layer-shape');
  await poll(async () => (await shape.getAttribute('data-parameters')) !== '', { message: 'the validator’s count' });
  // E = 16, F = 32: self_attn 4E² + 4E, linear1 FE + F, linear2 EF + E, two layer norms 2E each
  const E = 16;
  const F = 32;
  assert.equal(Number(await shape.getAttribute('data-parameters')), 4 * E * E + 4 * E + (F * E + F) + (E * F + E) + 4 * E);
  assert.match(await shape.textContent(), /2,224 parameters = self_attn 4E\*E/);
  for (const key of ['d_model', 'nhead', 'dim_feedforward', 'activation', 'norm_first', 'dropout', 'layer_norm_eps', 'causal'])
    assert.equal(await enc.locator(`[data-focus="f:/model/layers/2/${key}"]`).count(), 1, `a ${key} field`);
  assert.equal(await enc.locator('[data-focus="f:/model/layers/2/nhead"]').inputValue(), '2');
  assert.equal(await card('mean_pool').locator('.gl-layer-shape').getAttribute('data-parameters'), '0');
  assert.equal(await card('positional').locator('select').first().inputValue(), 'positional');

  // init: normal on the first linear -> its init_std field appears, and the spec gets it
  const lin = page.locator('li.gl-layer[data-pointer="/model/layers/0"]');
  assert.equal(await lin.locator('[data-focus="f:/model/layers/0/init_std"]').count(), 0, 'no scale field under the default init');
  await lin.locator('[data-focus="f:/model/layers/0/init"]').selectOption('normal');
  const std = page.locator('[data-focus="f:/model/layers/0/init_std"]');
  await std.waitFor({ timeout: 10_000 });
  await std.fill('0.02');
  await std.press('Tab');
  await poll(async () => (await editorSpec(page)).model.layers[0].init_std === 0.02, { message: 'init_std in the spec' });
  const spec = await editorSpec(page);
  assert.deepEqual(spec.model.layers[0], { type: 'linear', in: 4, out: 16, init: 'normal', init_std: 0.02 });
  if (await tab.isVisible()) await tab.click(); // editorSpec opened the JSON tab
  await lin.scrollIntoViewIfNeeded();
  await screenshot(page, 'editor-form-init', lin);
  await enc.scrollIntoViewIfNeeded();
  await screenshot(page, 'editor-form-transformer', enc);
  await page.assertClean();
});
