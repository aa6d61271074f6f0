// The browser flavour's download budget: gradlab-<flavour>.wasm + .mjs gzipped at level 9
// (what a static server with gzip sends). The target is 400 KiB (issues 10 and 14), met
// since the fourth size pass (below). The course's engine work of 2026-12-06 took the pair to 443.7 KiB, a size pass
// the same day to 440.7 KiB, and the four model families that landed after it (the
// Transformer layers, diffusion, image datasets with conv snapshots, the LSTM/GRU variants)
// to 499.7 KiB measured (511,717 bytes: +142 KB of code raw, +15 KB of data), and the
// hardening of the next session (limits checked before allocating, errors mapped to spec
// fields, a GAN divergence replayed in anomaly mode, the one-pass CSV header check) to
// 505.1 KiB (517,268 bytes). Writing the three uses of Eigen (orthogonal init, least
// squares, the recurrent Jacobians) as plain loops (core/nn/linalg) took it to 481.5 KiB
// (493,084 bytes), and building the snapshots' JSON key by key instead of from nlohmann
// initializer lists to 461.0 KiB (472,022 bytes); the broadcasting and objective work merged
// with it added 1.2 KB: 462.1 KiB (473,220 bytes). The same rewrite of the runners' metrics
// and state, validate, the lesson reports and the bindings, and the dataset catalog built by
// calls instead of initializer lists, nlohmann's parser without its callback builder and
// wasm-opt's --low-memory-unused took it to 434.0 KiB (444,453 bytes), and the recurrent
// speed work merged with it (PackedB, first_non_finite) to 436.0 KiB (446,461). The autograd
// node's backward closure as a move-only callable of its own instead of std::function, and
// a non-owning FunctionRef for call-only callable parameters, took it to 426.4 KiB (436,672
// bytes). The fourth pass (-fno-rtti; exceptions thrown through one out-of-line function
// per type instead of a throw expression at each of ~400 sites, whose clean-up code was
// most of the rest; the Reader's string arguments; GradHook as a move-only callable) took
// it to 399.8 KiB (409,432 bytes). The budget below is that rounded up to the next KiB,
// which is the 400 KiB target, so that any further growth fails here and is seen
// (docs/wasm.md, "Sizes").
// Skipped when the browser flavour is not built.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import test from 'node:test';
import zlib from 'node:zlib';

import { webModulePath } from '../load.mjs';

const BUDGET = 400 * 1024;
const mjs = webModulePath();
const wasm = mjs.replace(/\.mjs$/, '.wasm');
const built = fs.existsSync(mjs) && fs.existsSync(wasm);

test(`browser module (.wasm + .mjs) is at most ${BUDGET} bytes gzip -9`, { skip: !built && `not built: ${mjs}` }, () => {
  let total = 0;
  const rows = [];
  for (const file of [wasm, mjs]) {
    const bytes = fs.readFileSync(file);
    const gz = zlib.gzipSync(bytes, { level: 9 }).length;
    total += gz;
    rows.push(`${file}: ${bytes.length} bytes raw, ${gz} gzip -9`);
  }
  rows.push(`total gzip -9: ${total} bytes (${(total / 1024).toFixed(1)} KiB) of ${BUDGET} (${BUDGET / 1024} KiB)`);
  console.log(rows.join('\n'));
  assert.ok(total <= BUDGET, `gzip -9 total ${total} bytes exceeds the ${BUDGET}-byte budget\n${rows.join('\n')}`);
});
