// The service worker's precache list, generated from the built site (dist/) after every
// production build: every file the site serves (pages, scripts, styles, the engine's .mjs
// and .wasm, lessons/index.json and every lesson), plus './' (the directory URL, which
// serves index.html). The list and a version (a hash of every file's bytes) are written
// into dist/sw.js in place of the placeholder object of public/sw.js, so each deploy that
// changes any file ships a changed sw.js: the browser installs it, it fills a new cache
// named after the version and deletes the old ones.
//
//   node scripts/precache.mjs [dist]     # what the Vite plugin below runs after a build
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The service worker's file name, at the top of dist/. */
export const SW_FILE = 'sw.js';
/** The placeholder in public/sw.js that the build replaces with the manifest. */
export const PLACEHOLDER = /\/\* precache \*\/[\s\S]*?\/\* \/precache \*\//;

/** Files that are never precached: the service worker itself and source maps. */
function skipped(rel) {
  return rel === SW_FILE || rel.endsWith('.map') || rel.split('/').some((p) => p.startsWith('.'));
}

function walk(dir, base = dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, base, out);
    else if (entry.isFile()) out.push(path.relative(base, full).split(path.sep).join('/'));
  }
  return out;
}

/**
 * The manifest of a built site: `files` (paths relative to the site, sorted, './' first)
 * and `version` (12 hex digits of a SHA-256 over every file's path and bytes).
 * @param {string} dist
 * @returns {{version: string, files: string[], bytes: number}}
 */
export function precacheManifest(dist) {
  const files = walk(dist).filter((f) => !skipped(f)).sort();
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  for (const f of files) {
    const data = fs.readFileSync(path.join(dist, f));
    bytes += data.length;
    hash.update(f).update('\0').update(data).update('\0');
  }
  const list = files.includes('index.html') ? ['./', ...files] : files;
  return { version: hash.digest('hex').slice(0, 12), files: list, bytes };
}

/**
 * Write the manifest of `dist` into dist/sw.js (which the build copied from public/).
 * @returns {{version: string, files: string[], bytes: number}}
 */
export function writePrecache(dist) {
  const swPath = path.join(dist, SW_FILE);
  if (!fs.existsSync(swPath)) throw new Error(`precache: ${swPath} is missing (public/${SW_FILE} is copied by the build)`);
  const sw = fs.readFileSync(swPath, 'utf8');
  if (!PLACEHOLDER.test(sw)) throw new Error(`precache: ${swPath} has no /* precache */ ... /* /precache */ placeholder`);
  const manifest = precacheManifest(dist);
  const literal = `/* precache */ ${JSON.stringify({ version: manifest.version, files: manifest.files })} /* /precache */`;
  fs.writeFileSync(swPath, sw.replace(PLACEHOLDER, () => literal));
  return manifest;
}

/** A Vite plugin: after a production build, write the precache manifest into dist/sw.js. */
export function precachePlugin() {
  let outDir = 'dist';
  // A failed build leaves no list: dist/sw.js then still holds the placeholder, and
  // scripts/up-to-date.mjs never takes a half-written dist/ for a finished one.
  let failed = false;
  return {
    name: 'gradlab-precache',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    buildEnd(error) {
      if (error) failed = true;
    },
    renderError() {
      failed = true;
    },
    closeBundle() {
      if (failed) return;
      const { version, files, bytes } = writePrecache(outDir);
      console.log(`precache: ${files.length} files (${(bytes / 1024).toFixed(0)} KiB) in ${SW_FILE}, version ${version}`);
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dist = path.resolve(process.argv[2] ?? 'dist');
  const { version, files } = writePrecache(dist);
  console.log(`precache: ${files.length} files, version ${version}`);
}
