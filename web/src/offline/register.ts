// Registers the service worker (public/sw.js) of a production build, so the site works
// offline after its first load. Imported for its effect by the pages (main.ts, course.ts,
// embed.ts); the <gradlab-lesson> element never registers one on a course site's origin.
//
// The worker's scope is the directory of the page (document.baseURI), so the site works
// the same at / and under a sub-path such as https://OWNER.github.io/gradlab/. When every
// file is cached the document gets data-offline="ready" (and data-offline-version): the
// browser tests wait for it before cutting the network.

interface OfflineStatus {
  type: 'gradlab-offline-status';
  version: string;
  files: number;
  cached: number;
}

function isStatus(data: unknown): data is OfflineStatus {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'gradlab-offline-status';
}

export async function registerServiceWorker(): Promise<void> {
  if (!('serviceWorker' in navigator)) return;
  const root = document.documentElement;
  try {
    await navigator.serviceWorker.register(new URL('sw.js', document.baseURI), { scope: './' });
  } catch {
    // file:// pages, plain http on a non-local host, private modes: the site still works online.
    root.dataset.offline = 'unavailable';
    return;
  }
  const registration = await navigator.serviceWorker.ready;
  navigator.serviceWorker.addEventListener('message', (e: MessageEvent) => {
    if (!isStatus(e.data)) return;
    root.dataset.offlineVersion = e.data.version;
    root.dataset.offline = e.data.files > 0 && e.data.cached >= e.data.files ? 'ready' : 'partial';
  });
  navigator.serviceWorker.startMessages();
  registration.active?.postMessage({ type: 'gradlab-offline-status' });
}

if (import.meta.env.PROD) {
  const start = () => void registerServiceWorker();
  // After the page's own loads: the precache then competes with nothing on first visit.
  if (document.readyState === 'complete') start();
  else window.addEventListener('load', start, { once: true });
}
