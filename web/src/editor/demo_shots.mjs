// Drives the editor demo page in headless Chromium (playwright gives each launch a fresh profile) and writes screenshots (a check for
// people, not a test suite). Usage: npx vite --port 5199 & node src/editor/demo_shots.mjs [outDir]
import { chromium } from 'playwright-core';

const out = process.argv[2] ?? '/tmp/editor-shots';
const base = process.env.DEMO_URL ?? 'http://127.0.0.1:5199/src/editor/demo.html';
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const checks = [];
const check = (name, ok, detail = '') => { checks.push({ name, ok }); console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`); };
const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
const dialogs = [];
page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
page.on('pageerror', (e) => console.log('pageerror', e.message));
const settle = () => page.waitForTimeout(450);
const jsonText = () => page.evaluate(() => window.gradlabEditor.element.querySelector('.cm-content').cmView?.view?.state.doc.toString() ?? document.querySelector('.cm-content').innerText);
const lastValid = () => page.evaluate(() => window.gradlabEditor.lastValidSpec);

await page.goto(`${base}?example=xor.json`);
await page.waitForSelector('[data-view="editor"] .gl-layer');
await settle();
await page.screenshot({ path: `${out}/1-xor-wide.png`, fullPage: true });
check('three layer cards', (await page.locator('.gl-layers > .gl-layer').count()) === 3);
check('layer 1 parameters from validation', (await page.locator('.gl-layer-shape').first().getAttribute('data-parameters')) === '24');

// Form edit: out of layer 1 -> 16; layer 3's in follows; the JSON text changes; onChange fires.
const out1 = page.locator('.gl-field[data-pointer="/model/layers/0/out"] + input, [data-focus="f:/model/layers/0/out"]').first();
await out1.fill('16');
await out1.press('Enter');
await settle();
check('next layer in follows', (await page.locator('[data-focus="f:/model/layers/2/in"]').inputValue()) === '16');
check('JSON updated from the form', JSON.parse(await lastValid()).model.layers[2].in === 16);
check('onChange called once', (await page.locator('#changes li').count()) === 1);
check('focus stays on the edited field', await page.evaluate(() => document.activeElement?.getAttribute('data-focus')) === 'f:/model/layers/0/out');
check('JSON formatting of the rest kept', (await lastValid()).includes('"data": {"dataset": "xor", "options": {"n_samples": 400, "noise": 0.05}},'));
await page.screenshot({ path: `${out}/2-xor-out16.png`, fullPage: true });

// Add a layer, then move it with the keyboard.
await page.selectOption('[data-focus="add-type:"]', 'dropout');
await page.click('[data-focus="add:"]');
await settle();
const types = () => page.$$eval('.gl-layers > .gl-layer', (ls) => ls.map((l) => l.getAttribute('data-type')));
check('dropout added at the end', JSON.stringify(await types()) === JSON.stringify(['linear', 'tanh', 'linear', 'dropout']));
await page.focus('[data-focus="type:/model/layers/3"]');
await page.keyboard.press('Alt+ArrowUp');
await settle();
check('Alt+Up moved it', JSON.stringify(await types()) === JSON.stringify(['linear', 'tanh', 'dropout', 'linear']));
check('focus followed the moved layer', await page.evaluate(() => document.activeElement?.getAttribute('data-focus')) === 'type:/model/layers/2');
await page.click('[aria-label="Remove layer 3 (dropout)"]');
await settle();
check('removed by button', JSON.stringify(await types()) === JSON.stringify(['linear', 'tanh', 'linear']));

// A validation error (valid JSON): the error sits next to the field; lastValidSpec unchanged.
const before = await lastValid();
await page.fill('[data-focus="f:/model/layers/0/in"]', '3');
await page.press('[data-focus="f:/model/layers/0/in"]', 'Tab');
await settle();
const err = await page.locator('.gl-field[data-pointer="/model/layers/0/in"] .gl-error').textContent().catch(() => null);
check('error next to the field', !!err && err.includes('last dimension is in = 3'), err ?? 'none');
check('last valid spec kept', (await lastValid()) === before);
await page.screenshot({ path: `${out}/3-validation-error.png`, fullPage: true });
await page.click('[data-focus="revert"]');
await settle();
check('revert restores', (await page.locator('[data-focus="f:/model/layers/0/in"]').inputValue()) === '2');

// A JSON syntax error typed in the JSON view: the form keeps the last valid model, read-only.
await page.click('.cm-content');
await page.keyboard.press('Control+End');
await page.keyboard.type(',');
await settle();
check('form read-only with banner', await page.locator('.gl-banner-error').isVisible() && await page.locator('.gl-form-body').evaluate((f) => f.disabled));
check('form still shows the model', (await page.locator('.gl-layers > .gl-layer').count()) === 3);
await page.screenshot({ path: `${out}/4-syntax-error.png`, fullPage: true });
await page.keyboard.press('Backspace');
await settle();
check('fixing the JSON re-enables the form', !(await page.locator('.gl-form-body').evaluate((f) => f.disabled)));

// Text is text.
await page.evaluate(() => window.gradlabEditor.setSpec(JSON.stringify({ version: 1, data: { dataset: 'xor' }, model: { layers: [{ type: '<img src=x onerror=alert(1)>', '<img src=x onerror=alert(2)>': 1 }, { type: 'linear', in: 2, out: 2, '<b>x</b>': 1 }] }, loss: { type: 'mse' } }, null, 2)));
await settle();
check('no markup from data', (await page.locator('[data-view="editor"] img, [data-view="editor"] b').count()) === 0 && dialogs.length === 0);
await page.screenshot({ path: `${out}/5-hostile-names.png`, fullPage: true });

// GAN and seq2seq.
await page.selectOption('#example', 'gan-ring-wgan-gp.json');
await settle();
await page.screenshot({ path: `${out}/6-gan.png`, fullPage: true });
await page.fill('[data-focus="f:/model/generator_hidden"]', '32, 32');
await page.press('[data-focus="f:/model/generator_hidden"]', 'Tab');
await settle();
check('gan widths edit', JSON.stringify(JSON.parse(await lastValid()).model.generator_hidden) === '[32,32]');
await page.selectOption('#example', 'dates-attention.json');
await settle();
await page.screenshot({ path: `${out}/7-seq2seq.png`, fullPage: true });

// Narrow: tabs.
await page.setViewportSize({ width: 520, height: 900 });
await page.selectOption('#example', 'adding-lstm.json');
await settle();
check('tabs shown when narrow', await page.locator('[role="tab"]').first().isVisible());
await page.screenshot({ path: `${out}/8-narrow-form.png`, fullPage: true });
await page.click('[role="tab"]:has-text("Spec JSON")');
await settle();
check('JSON pane shown by its tab', await page.locator('.cm-editor').isVisible() && !(await page.locator('.gl-form').isVisible()));
await page.screenshot({ path: `${out}/9-narrow-json.png`, fullPage: true });

await page.setViewportSize({ width: 1400, height: 950 });
await page.check('#dark');
await page.selectOption('#example', 'adding-lstm.json');
await settle();
await page.screenshot({ path: `${out}/10-dark.png`, fullPage: true });

await browser.close();
const failed = checks.filter((c) => !c.ok).length;
console.log(`${checks.length - failed}/${checks.length} checks passed; screenshots in ${out}`);
process.exit(failed ? 1 : 0);
