// gradlab's service worker: after the first visit the site works offline.
//
// The production build (scripts/precache.mjs) replaces the object between the precache
// comments with the list of every file of the built site (pages, scripts, styles, the
// engine's .mjs and .wasm, lessons/index.json and every lesson) and a version hashed from
// their bytes. Installing caches all of them in `gradlab-<version>`; activating deletes
// the caches of older versions, so a new deploy (a new sw.js) replaces the old files as a
// whole. Requests for those files are answered from the cache: fingerprinted assets
// (assets/*-<hash>.*) cache-first, everything else (HTML, lessons, the engine) stale-while-
// revalidate, so an edit on the server shows up on the next visit. Any other request goes
// to the network untouched. Plain JS, no eval: it runs under the strict CSP of serve.mjs.
'use strict';

const PRECACHE = /* precache */ { version: 'dev', files: [] } /* /precache */;
const PREFIX = 'gradlab-';
const CACHE = PREFIX + PRECACHE.version;
const SCOPE = self.registration.scope;

/** A request's cache key: the URL without query or fragment; the directory means index.html. */
function keyOf(url) {
  const u = new URL(url);
  u.search = '';
  u.hash = '';
  return u.href === SCOPE ? new URL('index.html', SCOPE).href : u.href;
}

const PRECACHED = new Set(PRECACHE.files.map((f) => keyOf(new URL(f, SCOPE).href)));

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // `reload`: skip the HTTP cache, so the files are this deploy's.
      await cache.addAll(PRECACHE.files.filter((f) => f !== './').map((f) => new Request(new URL(f, SCOPE), { cache: 'reload' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      }
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

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || !request.url.startsWith(SCOPE)) return;
  const key = keyOf(request.url);
  if (!PRECACHED.has(key)) return;
  event.respondWith(answer(event, key));
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
