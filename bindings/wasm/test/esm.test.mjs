// The browser flavour (ES module, web + worker). Node cannot fetch its .wasm by URL, so the
// test hands it the bytes (`wasmBinary`), as a page may; everything after that is what a
// worker runs. Also checks the glue for eval / new Function, which a strict
// Content-Security-Policy forbids.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import test from 'node:test';
import { pathToFileURL } from 'node:url';

import { readExample, webModulePath } from '../load.mjs';

const file = webModulePath();

test('the ES module loads, trains and throws Errors like the node one', { skip: !fs.existsSync(file) && `not built: ${file}` }, async () => {
  const { default: createGradlab } = await import(pathToFileURL(file).href);
  assert.equal(typeof createGradlab, 'function');
  const gradlab = await createGradlab({ wasmBinary: fs.readFileSync(file.replace(/\.mjs$/, '.wasm')) });
  const s = new gradlab.Session(readExample('xor.json'));
  try {
    const losses = s.train(5).map((m) => m.loss);
    assert.equal(losses.length, 5);
    assert.ok(losses.every(Number.isFinite));
    assert.throws(() => s.snapshot('nope'), { name: 'Error', message: /no snapshot named 'nope'/ });
    assert.equal(s.stepsDone(), 5);
  } finally {
    s.delete();
  }
});

test('no eval or new Function in the browser glue (-sDYNAMIC_EXECUTION=0)', { skip: !fs.existsSync(file) && `not built: ${file}` }, () => {
  const glue = fs.readFileSync(file, 'utf8');
  assert.doesNotMatch(glue, /\beval\s*\(/);
  assert.doesNotMatch(glue, /new\s+Function\s*\(/);
});
