// Module workers that start from a script of another origin.
//
// Browsers refuse `new Worker(url)` when url is not of the page's origin, which is the
// case when a course site on another domain loads <gradlab-lesson> from the hosted page
// (one script tag pointing at https://OWNER.github.io/gradlab/gradlab-lesson.js). Then the
// worker starts from a same-origin blob: module whose one line imports the worker script
// from its origin; the worker's own imports, the engine (.mjs) and its .wasm come from
// there too, as CORS requests (GitHub Pages and serve.mjs --cors answer them with
// `Access-Control-Allow-Origin: *`). A blob: worker runs under the page's CSP, which must
// allow `worker-src blob:`, the hosted origin in `script-src` and `connect-src`, and
// 'wasm-unsafe-eval' (web/src/embed/README.md).

/** The Worker constructor's shape (what `new Worker(url, options)` needs). */
export type WorkerConstructor = new (url: string | URL, options?: WorkerOptions) => Worker;

/** The source of a blob: module worker that runs the module at `url`. */
export function importerSource(url: string): string {
  return `import ${JSON.stringify(url)};\n`;
}

/** Whether `url` can be given to `new Worker` as it is on the page at `page`. */
export function startsHere(url: string | URL, page: string = self.location.href): boolean {
  const u = new URL(String(url), page);
  return u.origin === new URL(page).origin || u.protocol === 'blob:' || u.protocol === 'data:';
}

/**
 * A Worker constructor that starts a module worker from any origin: as is when the script
 * is the page's, else through a blob: module that imports it.
 */
export const PortableWorker = function PortableWorker(url: string | URL, options?: WorkerOptions): Worker {
  if (startsHere(url)) return new Worker(url, options);
  const href = new URL(String(url), self.location.href).href;
  const blob = URL.createObjectURL(new Blob([importerSource(href)], { type: 'text/javascript' }));
  const worker = new Worker(blob, { ...options, type: 'module' });
  // The blob's one line is fetched when the worker starts; free it once the worker speaks.
  const revoke = () => URL.revokeObjectURL(blob);
  worker.addEventListener('message', revoke, { once: true });
  worker.addEventListener('error', revoke, { once: true });
  return worker;
} as unknown as WorkerConstructor;

/**
 * Start a module worker with `make(Worker)`. The callback keeps the literal
 * `new Worker(new URL('./x.ts', import.meta.url), ...)` that Vite bundles, while `Worker`
 * is PortableWorker, so the bundled script starts from any origin.
 */
export function startModuleWorker(make: (Worker: WorkerConstructor) => Worker): Worker {
  return make(PortableWorker);
}
