#!/usr/bin/env node
// Whether web/dist is newer than everything it is built from, so scripts/serve.sh can skip
// `npm run build` when nothing changed. The inputs: the pages, src/, public/ (but
// public/engine/, which the build copies), the build's config and scripts, the installed
// packages, examples/*.json (bundled by src/editor/demo.ts) and the built engine
// (build/wasm*/bindings/wasm/). The build is complete when dist/sw.js holds its precache
// list: a build writes it last, and only when it succeeded (scripts/precache.mjs).
//
//   node scripts/up-to-date.mjs    # exit 0: up to date; exit 1: needs a build (says why)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every file under `p` (or `p` itself), skipping `skip` (absolute paths). */
function files(p, skip, out = []) {
  if (skip.has(p) || !fs.existsSync(p)) return out;
  const stat = fs.statSync(p);
  if (stat.isFile()) out.push({ file: p, mtime: stat.mtimeMs });
  else if (stat.isDirectory()) for (const e of fs.readdirSync(p)) files(path.join(p, e), skip, out);
  return out;
}

/** The files a build of `web` reads (relative names are resolved against web/ and the repository). */
export function buildInputs(web = WEB) {
  const root = path.resolve(web, '..');
  const skip = new Set([path.join(web, 'public/engine')]);
  const inputs = [
    ...['index.html', 'course.html', 'embed.html', 'vite.config.ts', 'tsconfig.json', 'package.json', 'package-lock.json', 'node_modules/.package-lock.json', 'src', 'public', 'scripts/precache.mjs', 'scripts/copy-engine.mjs'].map((p) => path.join(web, p)),
    path.join(root, 'examples'),
    path.join(root, 'build/wasm/bindings/wasm'),
    path.join(root, 'build/wasm-scalar/bindings/wasm'),
  ];
  return inputs.flatMap((p) => files(p, skip)).filter((f) => !f.file.endsWith('.cjs') && !/-node\.wasm$/.test(f.file));
}

/**
 * Why `web/dist` needs a build, or null when it is newer than every input.
 * @returns {string | null}
 */
export function staleReason(web = WEB) {
  const stamp = path.join(web, 'dist/sw.js');
  if (!fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8').includes("{ version: 'dev', files: [] }")) return 'dist/ has no complete build yet';
  const built = fs.statSync(stamp).mtimeMs;
  const engine = path.resolve(web, '../build/wasm/bindings/wasm/gradlab-simd.wasm');
  if (!fs.existsSync(engine)) return 'the engine is not built (build/wasm/bindings/wasm/gradlab-simd.wasm)';
  const newer = buildInputs(web).filter((f) => f.mtime > built);
  if (newer.length === 0) return null;
  newer.sort((a, b) => b.mtime - a.mtime);
  const name = path.relative(path.resolve(web, '..'), newer[0].file);
  return `${name}${newer.length > 1 ? ` and ${newer.length - 1} more file(s)` : ''} changed since the last build`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const why = staleReason();
  if (why === null) {
    console.log('web: dist/ is newer than its sources and the engine; no rebuild needed');
  } else {
    console.log(`web: building dist/ (${why})`);
    process.exit(1);
  }
}
