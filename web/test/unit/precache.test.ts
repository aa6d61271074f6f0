// scripts/precache.mjs: the service worker's list is every file of the built site (not the
// worker itself, not source maps), './' for the directory, and a version that changes with
// any byte; public/sw.js carries the placeholder the build replaces.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PLACEHOLDER, precacheManifest, writePrecache } from '../../scripts/precache.mjs';

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

const SW = readFileSync(resolve(import.meta.dirname, '../../public/sw.js'), 'utf8');

function site(files: Record<string, string>): string {
  const dist = mkdtempSync(join(tmpdir(), 'gradlab-precache-'));
  made.push(dist);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dist, p)), { recursive: true });
    writeFileSync(join(dist, p), text);
  }
  return dist;
}

const FILES = {
  'index.html': '<!doctype html>',
  'course.html': 'c',
  'embed.html': 'e',
  'gradlab-lesson.js': 'l',
  'assets/index-AbC123xy.js': 'js',
  'assets/index-AbC123xy.js.map': '{}',
  'assets/styles-Zz99yyXX.css': 'css',
  'engine/gradlab-simd.mjs': 'm',
  'engine/gradlab-simd.wasm': 'w',
  'lessons/index.json': '{}',
  'lessons/xor.json': '{}',
  'sw.js': SW,
};

describe('precache', () => {
  it('lists every served file, the directory first, not sw.js or maps', () => {
    const m = precacheManifest(site(FILES));
    expect(m.files).toEqual([
      './',
      'assets/index-AbC123xy.js',
      'assets/styles-Zz99yyXX.css',
      'course.html',
      'embed.html',
      'engine/gradlab-simd.mjs',
      'engine/gradlab-simd.wasm',
      'gradlab-lesson.js',
      'index.html',
      'lessons/index.json',
      'lessons/xor.json',
    ]);
    expect(m.version).toMatch(/^[0-9a-f]{12}$/);
  });

  it('the version changes with one byte of one file, and only then', () => {
    const a = precacheManifest(site(FILES)).version;
    expect(precacheManifest(site(FILES)).version).toBe(a);
    expect(precacheManifest(site({ ...FILES, 'lessons/xor.json': '{ }' })).version).not.toBe(a);
  });

  it('writes the manifest into dist/sw.js in place of the placeholder', () => {
    const d = site(FILES);
    expect(SW).toMatch(PLACEHOLDER);
    expect(SW).toContain("/* precache */ { version: 'dev', files: [] } /* /precache */");
    const m = writePrecache(d);
    const out = readFileSync(join(d, 'sw.js'), 'utf8');
    const literal = /\/\* precache \*\/ (.*) \/\* \/precache \*\//.exec(out);
    expect(JSON.parse(literal![1])).toEqual({ version: m.version, files: m.files });
    expect(out.replace(literal![0], '')).toBe(SW.replace(PLACEHOLDER, ''));
    expect(() => writePrecache(site({ 'index.html': 'x' }))).toThrow(/sw\.js is missing/);
  });
});
