// scripts/up-to-date.mjs: scripts/serve.sh skips `npm run build` only when web/dist is newer
// than every file it is built from, the engine included.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildInputs, staleReason } from '../../scripts/up-to-date.mjs';

let repo = '';
afterEach(() => rmSync(repo, { recursive: true, force: true }));

/** A repository with a built web/dist: every input at t=1000 s, dist/sw.js at t=2000 s. */
function builtRepo(): string {
  repo = mkdtempSync(join(tmpdir(), 'gradlab-up-to-date-'));
  const put = (p: string, t: number) => {
    const f = join(repo, p);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, 'x');
    utimesSync(f, t, t);
  };
  for (const p of ['web/index.html', 'web/src/main.ts', 'web/src/ui/view.ts', 'web/public/lessons/xor.json', 'web/public/sw.js', 'web/package.json', 'examples/xor.json', 'build/wasm/bindings/wasm/gradlab-simd.wasm', 'build/wasm/bindings/wasm/gradlab-simd.mjs', 'build/wasm/bindings/wasm/gradlab-simd-node.cjs']) put(p, 1000);
  put('web/dist/sw.js', 2000);
  put('web/dist/index.html', 2000);
  return join(repo, 'web');
}

function touch(p: string, t = 3000) {
  utimesSync(join(repo, p), t, t);
}

describe('up-to-date', () => {
  it('a build newer than its inputs needs no rebuild', () => {
    expect(staleReason(builtRepo())).toBeNull();
  });

  it.each([
    ['web/src/ui/view.ts', /^web\/src\/ui\/view\.ts changed since the last build$/],
    ['web/public/lessons/xor.json', /xor\.json changed/],
    ['examples/xor.json', /examples\/xor\.json changed/],
    ['build/wasm/bindings/wasm/gradlab-simd.wasm', /gradlab-simd\.wasm changed/],
    ['web/package.json', /package\.json changed/],
  ])('a newer %s needs a build', (file, why) => {
    const web = builtRepo();
    touch(file);
    expect(staleReason(web)).toMatch(why);
  });

  it('counts every newer file, names the newest', () => {
    const web = builtRepo();
    touch('web/src/main.ts', 3000);
    touch('web/index.html', 4000);
    expect(staleReason(web)).toBe('web/index.html and 1 more file(s) changed since the last build');
  });

  it('ignores what the build writes itself (public/engine/) and the node-only engine', () => {
    const web = builtRepo();
    mkdirSync(join(web, 'public/engine'));
    writeFileSync(join(web, 'public/engine/gradlab-simd.wasm'), 'x');
    touch('build/wasm/bindings/wasm/gradlab-simd-node.cjs');
    expect(staleReason(web)).toBeNull();
    expect(buildInputs(web).some((f) => f.file.includes('public/engine'))).toBe(false);
  });

  it('an incomplete build (no dist/sw.js, or one without its list) or no engine needs a build', () => {
    let web = builtRepo();
    writeFileSync(join(web, 'dist/sw.js'), "const PRECACHE = /* precache */ { version: 'dev', files: [] } /* /precache */;");
    utimesSync(join(web, 'dist/sw.js'), 2000, 2000);
    expect(staleReason(web)).toBe('dist/ has no complete build yet'); // copied, the list never written
    rmSync(join(web, 'dist/sw.js'));
    expect(staleReason(web)).toBe('dist/ has no complete build yet');
    rmSync(repo, { recursive: true, force: true });
    web = builtRepo();
    rmSync(join(repo, 'build/wasm/bindings/wasm/gradlab-simd.wasm'));
    expect(staleReason(web)).toMatch(/the engine is not built/);
  });

  it('scripts/serve.sh asks it before building, and says so on stdout', () => {
    const serve = readFileSync(resolve(import.meta.dirname, '../../../scripts/serve.sh'), 'utf8');
    expect(serve).toMatch(/if ! node web\/scripts\/up-to-date\.mjs; then\n\s+\(cd web && npm run --silent build\)\nfi/);
    expect(serve).not.toMatch(/>&2/);
  });
});
