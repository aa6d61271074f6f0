// The relaxed flavour (gradlab-relaxed*: the GEMM's multiply-adds as f32x4.relaxed_madd) and
// cmake/wasm/relaxed_simd.py, which gives LLVM 14's early relaxed opcodes their final ones.
//
// The training comparison needs relaxed SIMD: where this node lacks it (node 20 without
// --experimental-wasm-relaxed-simd), it runs again in a child node with the flag.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

import { modulePath, relaxedSimdSupported, repoRoot, webModulePath } from '../load.mjs';

const script = path.join(repoRoot, 'cmake', 'wasm', 'relaxed_simd.py');
const relaxed = relaxedSimdSupported();

// A module with one function () -> `result` (v128 unless given) whose body (after "no
// locals") is `code`, then end; exported as "f" when `exported`.
function moduleWith(code, { result = 0x7b, exported = false } = {}) {
  const body = [0, ...code, 0x0b];
  assert.ok(body.length < 128, 'one-byte sizes only');
  const exportSection = exported ? [7, 5, 1, 1, 'f'.charCodeAt(0), 0, 0] : [];
  return new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, result, 3, 2, 1, 0, ...exportSection,
    10, body.length + 2, 1, body.length, ...body]);
}
const v128const = (bytes) => [0xfd, 0x0c, ...bytes, ...Array(16 - bytes.length).fill(0)];
const EARLY_FMA = [0xfd, 0xaf, 0x01];
const FINAL_MADD = [0xfd, 0x85, 0x02];

function runScript(bytes) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-relaxed-'));
  try {
    const input = path.join(dir, 'in.wasm');
    const output = path.join(dir, 'out.wasm');
    fs.writeFileSync(input, bytes);
    const r = spawnSync('python3', [script, input, output], { encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr, stdout: r.stdout, out: fs.existsSync(output) ? new Uint8Array(fs.readFileSync(output)) : null };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('relaxed_simd.py rewrites the instruction, not an immediate holding the same bytes', () => {
  // The first constant's immediate starts with the bytes of the early f32x4.fma.
  const code = [...v128const(EARLY_FMA), ...v128const([]), ...v128const([]), ...EARLY_FMA];
  const r = runScript(moduleWith(code));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /1 f32x4\.fma -> f32x4\.relaxed_madd/);
  const want = moduleWith([...v128const(EARLY_FMA), ...v128const([]), ...v128const([]), ...FINAL_MADD]);
  assert.deepEqual(r.out, want);
  if (relaxed) assert.ok(WebAssembly.validate(r.out), 'the rewritten module validates');
  assert.equal(WebAssembly.validate(moduleWith(code)), false, 'no engine takes the early opcode');
});

test('relaxed_simd.py run again on its own output changes nothing', () => {
  const once = runScript(moduleWith([...v128const([]), ...v128const([]), ...v128const([]), ...EARLY_FMA]));
  assert.equal(once.status, 0, once.stderr);
  const twice = runScript(once.out);
  assert.equal(twice.status, 0, twice.stderr);
  assert.match(twice.stdout, /already final \(1 relaxed-SIMD instructions\)/);
  assert.deepEqual(twice.out, once.out);
});

test('relaxed_simd.py refuses a SIMD opcode that is neither final nor the early fma, and says where', () => {
  const fms = [0xfd, 0xb0, 0x01]; // the early f32x4.fms: no final instruction has this opcode
  const r = runScript(moduleWith([...v128const([]), ...v128const([]), ...v128const([]), ...fms]));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /SIMD opcode 0xb0 at byte \d+ is neither final SIMD128 nor the early f32x4\.fma/);
  assert.equal(r.out, null, 'nothing written');
});

test('relaxed_simd.py fails when there is nothing to rewrite (a GEMM built without -mrelaxed-simd)', () => {
  const r = runScript(moduleWith([...v128const([1, 2, 3])]));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no f32x4\.fma to rewrite/);
});

test('relaxed_simd.py rejects a file that is not a wasm module', () => {
  const r = runScript(new TextEncoder().encode('not wasm at all'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not a wasm binary module/);
});

const relaxedNode = modulePath('relaxed');
const built = fs.existsSync(relaxedNode);

test('the built relaxed modules need relaxed SIMD, and the simd ones do not', { skip: !built && `not built: ${relaxedNode}` }, () => {
  for (const flavour of ['relaxed', 'simd']) {
    for (const file of [modulePath(flavour).replace(/\.cjs$/, '.wasm'), webModulePath(flavour).replace(/\.mjs$/, '.wasm')]) {
      // A node without the flag is a plain-SIMD engine: it must refuse relaxed and take simd.
      const plain = execFileSync(process.execPath, ['-e', 'process.stdout.write(String(WebAssembly.validate(require("fs").readFileSync(process.argv[1]))))', file], { encoding: 'utf8' });
      assert.equal(plain, flavour === 'simd' ? 'true' : 'false', `${path.basename(file)} under plain SIMD`);
      if (relaxed) assert.ok(WebAssembly.validate(fs.readFileSync(file)), `${path.basename(file)} under relaxed SIMD`);
    }
  }
});

// Does this CPU fuse relaxed_madd? (a = 1 + 2^-12: a*a - 1 is 2^-11 + 2^-24 fused, 2^-11 not.)
function fuses() {
  const lanes = (x) => Array.from(new Uint8Array(new Float32Array(4).fill(x).buffer));
  const a = lanes(1 + 2 ** -12);
  const code = [...v128const(a), ...v128const(a), ...v128const(lanes(-1)), ...FINAL_MADD, 0xfd, 0x1f, 0]; // f32x4.extract_lane 0
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(moduleWith(code, { result: 0x7d, exported: true })));
  const r = exports.f();
  assert.ok(r === 2 ** -11 || r === 2 ** -11 + 2 ** -24, `relaxed_madd gave ${r}`);
  return r !== 2 ** -11;
}

const specs = {
  'LSTM, Adam, clipping': 'adding-lstm.json',
  'bidirectional GRU encoder, attention decoder': 'dates-attention.json',
  'MLP, SGD with momentum': 'xor.json',
};

const AGAINST = 'relaxed against simd: the same training within float tolerance, and fused where the CPU fuses';
test(AGAINST, { skip: !built && `not built: ${relaxedNode}` }, async (t) => {
  if (!relaxed) {
    // node 20: this test again in a node with relaxed SIMD on.
    const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--test', `--test-name-pattern=^${AGAINST}$`, fileURLToPath(import.meta.url)], {
      encoding: 'utf8',
      env: { ...process.env, NODE_TEST_CONTEXT: undefined }, // a runner of its own, not a child of this one
    });
    for (const line of r.stdout.split('\n').filter((l) => /^# (this CPU|.*worst relative)/.test(l))) t.diagnostic(line.slice(2));
    assert.equal(r.status, 0, `under --experimental-wasm-relaxed-simd:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^# pass 1$/m, r.stdout);
    return;
  }
  const { loadGradlab, readExample } = await import('../load.mjs');
  const mods = { simd: await loadGradlab('simd'), relaxed: await loadGradlab('relaxed') };
  assert.equal(mods.relaxed.flavour(), 'relaxed');
  const fused = fuses();
  t.diagnostic(`this CPU ${fused ? 'fuses' : 'does not fuse'} f32x4.relaxed_madd`);
  for (const [what, example] of Object.entries(specs)) {
    const spec = readExample(example);
    const runs = {};
    for (const [name, g] of Object.entries(mods)) {
      const s = new g.Session(spec);
      try {
        runs[name] = [];
        for (let i = 0; i < 10; ++i) runs[name].push(s.step());
        runs[name].push(s.evaluate('train'));
      } finally {
        s.delete();
      }
    }
    let identical = true;
    let worst = 0;
    runs.simd.forEach((m, i) => {
      for (const [k, v] of Object.entries(m)) {
        if (typeof v !== 'number') continue;
        const w = runs.relaxed[i][k];
        if (v !== w) identical = false;
        worst = Math.max(worst, v === w ? 0 : Math.abs(v - w) / Math.max(Math.abs(v), Math.abs(w), 1e-30));
      }
    });
    t.diagnostic(`${what}: worst relative difference ${worst.toExponential(2)} over 10 steps and an evaluation`);
    assert.ok(worst <= 1e-5, `${what}: relaxed and simd differ by ${worst} relative (more than float tolerance)`);
    // Fused: one rounding instead of two somewhere in 10 steps; unfused: the same operations.
    assert.equal(identical, !fused, `${what}: ${identical ? 'bit-identical to simd on a CPU that fuses' : 'differs from simd on a CPU that does not fuse'}`);
  }
});
