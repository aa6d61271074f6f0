// Vite build: a multi-page static site in dist/ that works from any path (base './').
// Pages: index.html (the workspace), course.html (the course) and embed.html (the iframe page); plus the
// <gradlab-lesson> custom element as a stable file, dist/gradlab-lesson.js.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import { precachePlugin } from './scripts/precache.mjs';

const here = import.meta.dirname;
const inputs: Record<string, string> = { index: resolve(here, 'index.html'), course: resolve(here, 'course.html') };
// embed.html and src/embed/lesson.ts are built by the web-e2e engineer; include them once present.
if (existsSync(resolve(here, 'embed.html'))) inputs.embed = resolve(here, 'embed.html');
if (existsSync(resolve(here, 'src/embed/lesson.ts'))) inputs['gradlab-lesson'] = resolve(here, 'src/embed/lesson.ts');

export default defineConfig({
  base: './',
  // public/sw.js (the offline service worker) gets the list of every built file.
  plugins: [precachePlugin()],
  build: {
    outDir: 'dist',
    target: 'es2022',
    rollupOptions: {
      input: inputs,
      output: {
        entryFileNames: (chunk) => (chunk.name === 'gradlab-lesson' ? 'gradlab-lesson.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  worker: { format: 'es' },
  test: { include: ['test/unit/**/*.test.ts'], environment: 'node' },
});
