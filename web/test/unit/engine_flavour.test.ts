// Which engine flavour the worker loads (src/engine/engine-api.ts): relaxed where the browser
// has relaxed SIMD, else simd, else scalar; the probes that decide it are real modules, and
// public/sw.js and bindings/wasm/load.mjs carry the same bytes. The worker falls back from a
// missing relaxed build to simd.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bestFlavour, RELAXED_PROBE, SIMD_PROBE } from '../../src/engine/engine-api';
import type { WorkerMessage } from '../../src/engine/protocol';

const ROOT = path.resolve(__dirname, '../../..');
const NODE_MODULE = path.join(ROOT, 'build/wasm/bindings/wasm/gradlab-simd-node.cjs');

afterEach(() => vi.restoreAllMocks());

/** Does a node (with these flags) validate the bytes? */
function nodeValidates(bytes: Uint8Array, flags: string[]): boolean {
  const r = spawnSync(process.execPath, [...flags, '-e', `process.exit(WebAssembly.validate(new Uint8Array(${JSON.stringify([...bytes])})) ? 0 : 3)`]);
  expect([0, 3]).toContain(r.status);
  return r.status === 0;
}

describe('the flavour probes', () => {
  it('the simd probe validates in node; the relaxed one only with relaxed SIMD on', () => {
    expect(nodeValidates(SIMD_PROBE, [])).toBe(true);
    expect(nodeValidates(RELAXED_PROBE, [])).toBe(false); // node 20: off by default
    expect(nodeValidates(RELAXED_PROBE, ['--experimental-wasm-relaxed-simd'])).toBe(true);
  });

  it('bestFlavour: relaxed, else simd, else scalar', () => {
    const spy = vi.spyOn(WebAssembly, 'validate');
    spy.mockImplementation(() => true);
    expect(bestFlavour()).toBe('relaxed');
    spy.mockImplementation((b) => (b as Uint8Array) === SIMD_PROBE);
    expect(bestFlavour()).toBe('simd');
    spy.mockImplementation(() => false);
    expect(bestFlavour()).toBe('scalar');
    spy.mockImplementation(() => {
      throw new Error('no WebAssembly here');
    });
    expect(bestFlavour()).toBe('scalar');
  });

  it('public/sw.js and bindings/wasm/load.mjs hold the same probe bytes', () => {
    const arrays = (file: string, name: string): number[] => {
      const m = new RegExp(`${name} = (?:new Uint8Array\\()?\\[([\\d,\\s]+)\\]`).exec(fs.readFileSync(path.join(ROOT, file), 'utf8'));
      expect(m, `${name} in ${file}`).not.toBeNull();
      return m![1]!.split(',').map((x) => x.trim()).filter((x) => x !== '').map(Number);
    };
    expect(arrays('web/public/sw.js', 'SIMD_PROBE')).toEqual([...SIMD_PROBE]);
    expect(arrays('web/public/sw.js', 'RELAXED_PROBE')).toEqual([...RELAXED_PROBE]);
    expect(arrays('bindings/wasm/load.mjs', 'RELAXED_PROBE')).toEqual([...RELAXED_PROBE]);
  });
});

describe('the worker picks a flavour', () => {
  it('loads the relaxed build where relaxed SIMD validates, and falls back to simd where the site has none', async () => {
    const posted: WorkerMessage[] = [];
    (globalThis as unknown as { self: unknown }).self = { postMessage: (m: WorkerMessage) => posted.push(m), onmessage: null };
    await import('../../src/engine/worker');
    let nextId = 1;
    const call = (cmd: string, params: unknown): Promise<unknown> => {
      const id = nextId++;
      (globalThis as unknown as { self: { onmessage: (e: { data: unknown }) => void } }).self.onmessage({ data: { kind: 'request', id, cmd, params } });
      return new Promise((resolve, reject) => {
        const wait = (): void => {
          const r = posted.find((m) => m.kind === 'reply' && m.id === id);
          if (!r || r.kind !== 'reply') return void setTimeout(wait, 1);
          if (r.ok) resolve(r.result);
          else reject(new Error(r.error.message));
        };
        wait();
      });
    };
    // Stand-ins: node's simd module under both names, the relaxed one saying so.
    const module = (name: string, flavour: string): string =>
      `import { createRequire } from 'node:module';\nconst create = createRequire(import.meta.url)(${JSON.stringify(NODE_MODULE)});\n` +
      `export default async () => Object.assign(await create(), { flavour: () => ${JSON.stringify(flavour)} });\n// ${name}\n`;
    const both = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-flavour-'));
    const simdOnly = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-flavour-'));
    try {
      fs.writeFileSync(path.join(both, 'gradlab-relaxed.mjs'), module('relaxed', 'relaxed (stand-in)'));
      fs.writeFileSync(path.join(both, 'gradlab-simd.mjs'), module('simd', 'simd'));
      fs.writeFileSync(path.join(simdOnly, 'gradlab-simd.mjs'), module('simd', 'simd'));
      vi.spyOn(WebAssembly, 'validate').mockImplementation(() => true); // a browser with relaxed SIMD
      expect(await call('init', { engineBase: pathToFileURL(both).href + '/' })).toMatchObject({ flavour: 'relaxed (stand-in)' });
      expect(await call('init', { engineBase: pathToFileURL(simdOnly).href + '/' })).toMatchObject({ flavour: 'simd' });
      // Asked for relaxed by name (a spawned variant of a relaxed engine), there is no fallback.
      await expect(call('init', { engineBase: pathToFileURL(simdOnly).href + '/', flavour: 'relaxed' })).rejects.toThrow(/could not be loaded from .*gradlab-relaxed\.mjs/);
    } finally {
      fs.rmSync(both, { recursive: true, force: true });
      fs.rmSync(simdOnly, { recursive: true, force: true });
    }
  }, 30_000);
});
