// gradlab's service worker: after the first visit the site works offline.
//
// The production build (scripts/precache.mjs) replaces the object between the precache
// comments with the list of every file of the built site (pages, scripts, styles, the
// engine's .mjs and .wasm, lessons/index.json and every lesson) and a version hashed from
// their bytes. Installing caches all of them (of the engine, only the flavour this browser
// runs) in `gradlab:<scope path>:<version>`; activating deletes the caches of older
// versions, so a new deploy (a new sw.js) replaces the old files as a whole, except that the
// cache of the version before is kept until the next deploy: a page opened from it just
// before the update still finds the chunks it loads later (the server has only the new
// ones). Requests for the precached files are answered from the cache: fingerprinted assets
// (assets/*-<hash>.*) cache-first, everything else (HTML, lessons, the engine)
// stale-while-revalidate, so an edit on the server shows up on the next visit.
// Other requests under the scope are answered from the previous version's cache when it
// has them, else by the network. Plain JS, no eval: it runs under the strict CSP of serve.mjs.
'use strict';

const PRECACHE = /* precache */ { version: 'dev', files: [] } /* /precache */;
const SCOPE = self.registration.scope;
// One site per scope: two copies of gradlab on one origin (/gradlab/, /gradlab-dev/) keep
// their own caches.
const PREFIX = `gradlab:${new URL(SCOPE).pathname}:`;
const CACHE = PREFIX + PRECACHE.version;

/** A request's cache key: the URL without query or fragment; the directory means index.html. */
function keyOf(url) {
  const u = new URL(url);
  u.search = '';
  u.hash = '';
  return u.href === SCOPE ? new URL('index.html', SCOPE).href : u.href;
}

// The engine comes in flavours (src/engine/engine-api.ts, bestFlavour): relaxed (relaxed
// SIMD), simd, scalar. Only the one this browser loads is precached, not every flavour the
// site has (~400 KB gzipped each); a flavour the site lacks falls back as the worker does.
const SIMD_PROBE = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11];
const RELAXED_PROBE = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0, 65, 0, 253, 15, 65, 0, 253, 15, 65, 0, 253, 15, 253, 133, 2, 11];
function validates(bytes) {
  try {
    return WebAssembly.validate(new Uint8Array(bytes));
  } catch {
    return false;
  }
}
const ENGINE_FILE = /^engine\/gradlab-([a-z]+)\.(?:mjs|wasm)$/;
function engineFlavour(files) {
  const order = !validates(SIMD_PROBE) ? ['scalar'] : validates(RELAXED_PROBE) ? ['relaxed', 'simd', 'scalar'] : ['simd', 'scalar'];
  const built = new Set(files.map((f) => ENGINE_FILE.exec(f)?.[1]).filter(Boolean));
  return order.find((f) => built.has(f));
}
const FLAVOUR = engineFlavour(PRECACHE.files);
const FILES = PRECACHE.files.filter((f) => {
  const m = ENGINE_FILE.exec(f);
  return !m || m[1] === FLAVOUR;
});
const PRECACHED = new Set(FILES.map((f) => keyOf(new URL(f, SCOPE).href)));

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // `reload`: skip the HTTP cache, so the files are this deploy's.
      await cache.addAll(FILES.filter((f) => f !== './').map((f) => new Request(new URL(f, SCOPE), { cache: 'reload' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      // caches.keys() lists caches in the order they were made: keep the last older one.
      const older = (await caches.keys()).filter((name) => name.startsWith(PREFIX) && name !== CACHE);
      for (const name of older.slice(0, -1)) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

/** Fetch and, when the answer is a good one, keep it under `key`. */
async function refresh(cache, request, key) {
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') await cache.put(key, response.clone());
  return response;
}

async function answer(event, key) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(key);
  const request = event.request.mode === 'navigate' ? key : event.request;
  if (cached && /\/assets\/[^/]+-[A-Za-z0-9_-]{6,}\.[a-z]+$/.test(key)) return cached; // fingerprinted: never changes
  const network = refresh(cache, request, key);
  if (cached) {
    event.waitUntil(network.catch(() => undefined)); // revalidate in the background
    return cached;
  }
  return network;
}

/** The newest older version's copy of `key`, or the network's answer. */
async function fromOlder(request, key) {
  for (const name of (await caches.keys()).reverse()) {
    if (!name.startsWith(PREFIX) || name === CACHE) continue;
    const hit = await (await caches.open(name)).match(key);
    if (hit) return hit;
  }
  return fetch(request);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || !request.url.startsWith(SCOPE)) return;
  const key = keyOf(request.url);
  if (PRECACHED.has(key)) {
    event.respondWith(answer(event, key));
  } else {
    // A file of the previous version (a page opened just before this one took over).
    event.respondWith(fromOlder(request, key));
  }
});

// The page asks what is cached (it shows "works offline" and the tests wait for it).
self.addEventListener('message', (event) => {
  if (event.data?.type !== 'gradlab-offline-status') return;
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const cached = (await cache.keys()).length;
      event.source?.postMessage({ type: 'gradlab-offline-status', version: PRECACHE.version, files: PRECACHED.size, cached });
    })(),
  );
});
