// lib/families.mjs: the same-model check agrees on the real models and catches a model that
// differs (one weight changed on the tfjs side), and the diffusion check's Pcg32 rebuilds the
// Session's noise (a wrong stream gives a different loss). Needs `npm ci` here and the node
// Session module in build/wasm/bindings/wasm:
//   node --test tests/bench/compare/test/
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { FAMILY_TOL, Pcg32, checkFamilies, familyFailures } from '../lib/families.mjs';
import { nodeTfWasm } from '../lib/tfjs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../../..');
const gradlab = await createRequire(import.meta.url)(path.join(root, 'build/wasm/bindings/wasm/gradlab-simd-node.cjs'))();
const { tf } = await nodeTfWasm(path.join(here, '../node_modules/@tensorflow/tfjs-backend-wasm/dist'));

// The module with one parameter of every new Session changed by `delta` (what tfjs copies).
function perturbed(name, delta) {
  class Session extends gradlab.Session {
    parameters() {
      const p = super.parameters();
      if (p[name]) p[name][0] += delta;
      return p;
    }
  }
  return { Session };
}

test('the same models agree within the tolerance in tfjs-wasm', () => {
  const c = checkFamilies(tf, gradlab);
  assert.deepEqual(familyFailures(c, 'node'), []);
  assert.ok(c.transformer.rel < 1e-5 && c.transformer.rel_step2 < 1e-5 && c.transformer.grad_rel < FAMILY_TOL, JSON.stringify(c.transformer));
  assert.ok(c.diffusion.rel < 1e-5 && c.diffusion.grad_rel < 1e-5, JSON.stringify(c.diffusion));
  assert.notEqual(c.transformer.gradlab, c.transformer.gradlab_step2);  // the update changed the loss
});

test('a changed weight on the tfjs side fails the check', () => {
  // One entry of one weight: the losses move by ~3e-5 only, the gradients show it.
  const t = checkFamilies(tf, perturbed('layers.2.self_attn.in_proj_weight', 0.5)).transformer;
  assert.ok(t.grad_rel > FAMILY_TOL, JSON.stringify(t));
  const d = checkFamilies(tf, perturbed('out.bias', 0.05)).diffusion;
  assert.ok(d.rel > FAMILY_TOL && d.grad_rel > FAMILY_TOL, JSON.stringify(d));
  assert.ok(familyFailures({ transformer: t, diffusion: d }, 'x').length >= 2);
});

test('Pcg32 follows core/tensor/rng.cpp: a fixed stream, different seeds and streams differ', () => {
  const a = new Pcg32(1, 0x9a5), b = new Pcg32(1, 0x9a5), c = new Pcg32(2, 0x9a5), d = new Pcg32(1, 54);
  const draw = (r) => [r.next(), r.next(), r.below(100), r.normal()];
  const x = draw(a);
  assert.deepEqual(draw(b), x);
  assert.notDeepEqual(draw(c), x);
  assert.notDeepEqual(draw(d), x);
  for (let i = 0; i < 1000; ++i) {
    const u = a.uniform(), k = a.below(7);
    assert.ok(u >= 0 && u < 1 && Number.isInteger(k) && k >= 0 && k < 7);
  }
});
