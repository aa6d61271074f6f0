#!/usr/bin/env node
// A dependency-free static file server for the built app (dist/), used by `npm run serve`
// and by the end-to-end tests (test/e2e/helpers.mjs imports startServer()).
//
//   node scripts/serve.mjs <dir> [--port N] [--host H] [--csp] [--base /gradlab/] [--cors]
//
// --port 0 (the default) picks a free port. The first line printed is the URL, e.g.
// `http://127.0.0.1:41234/`, so a script can read it. With --csp every HTML response
// carries the strict Content-Security-Policy a course site might use (STRICT_CSP below);
// no COOP/COEP or other special headers are ever sent: the app must not need them.
// --base serves <dir> under a sub-path only (as GitHub Pages serves a project site under
// /REPO/; anything outside it is a 404). --cors adds `Access-Control-Allow-Origin: *` to
// every response, as GitHub Pages does, so a page of another origin can load the
// <gradlab-lesson> element, its worker, the engine and the lessons.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const STRICT_CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; " +
  "style-src 'self'; img-src 'self' data: blob:; connect-src 'self'";

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.webmanifest': 'application/manifest+json',
};

export function mimeType(file) {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** A sub-path as '/name/' (leading and trailing slash); '' or '/' is the root, '/'. */
export function normalizePrefix(prefix) {
  const parts = String(prefix ?? '').split('/').filter(Boolean);
  for (const part of parts) {
    if (part === '.' || part === '..' || /[?#%\\]/.test(part)) throw new Error(`bad base path: ${prefix}`);
  }
  return parts.length ? `/${parts.join('/')}/` : '/';
}

/**
 * Serve `root` on `host:port` (port 0: a free one), under the sub-path `prefix` ('/' by
 * default; e.g. '/gradlab/'). `cors`: send `Access-Control-Allow-Origin: *` everywhere.
 * @param {{root: string, port?: number, host?: string, csp?: boolean|string, log?: boolean, prefix?: string, cors?: boolean}} options
 * @returns {Promise<{url: string, port: number, server: http.Server, close: () => Promise<void>}>}
 */
export function startServer({ root, port = 0, host = '127.0.0.1', csp = false, log = false, prefix = '/', cors = false }) {
  const base = path.resolve(root);
  if (!fs.existsSync(base) || !fs.statSync(base).isDirectory()) {
    return Promise.reject(new Error(`serve: ${base} is not a directory (run \`npm run build\` first?)`));
  }
  const policy = csp === true ? STRICT_CSP : typeof csp === 'string' ? csp : null;
  let sub;
  try {
    sub = normalizePrefix(prefix);
  } catch (err) {
    return Promise.reject(err);
  }
  const common = cors ? { 'Access-Control-Allow-Origin': '*' } : {};

  const server = http.createServer((req, res) => {
    const send = (status, body, headers = {}) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...common, ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
      if (log) console.log(`${status} ${req.method} ${req.url}`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, 'method not allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      send(400, 'bad request\n');
      return;
    }
    if (pathname.includes('\0')) {
      send(400, 'bad request\n');
      return;
    }
    if (sub !== '/') {
      if (pathname === sub.slice(0, -1)) {
        send(301, '', { Location: sub });
        return;
      }
      if (!pathname.startsWith(sub)) {
        send(404, `not found: ${pathname} (this server serves ${sub} only)\n`);
        return;
      }
      pathname = pathname.slice(sub.length - 1);
    }
    let file = path.join(base, pathname);
    // Never leave the root (path.join has already resolved any `..`).
    if (file !== base && !file.startsWith(base + path.sep)) {
      send(403, 'forbidden\n');
      return;
    }
    fs.stat(file, (err, stat) => {
      if (!err && stat.isDirectory()) {
        if (!pathname.endsWith('/')) {
          send(301, '', { Location: sub.slice(0, -1) + pathname + '/' });
          return;
        }
        file = path.join(file, 'index.html');
      }
      fs.stat(file, (err2, stat2) => {
        if (err2 || !stat2.isFile()) {
          send(404, `not found: ${pathname}\n`);
          return;
        }
        const type = mimeType(file);
        const headers = {
          ...common,
          'Content-Type': type,
          'Content-Length': stat2.size,
          'Cache-Control': 'no-cache',
          'X-Content-Type-Options': 'nosniff',
        };
        if (policy && type.startsWith('text/html')) headers['Content-Security-Policy'] = policy;
        res.writeHead(200, headers);
        if (req.method === 'HEAD') {
          res.end();
        } else {
          fs.createReadStream(file)
            .on('error', () => res.destroy())
            .pipe(res);
        }
        if (log) console.log(`200 ${req.method} ${req.url}`);
      });
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      resolve({
        url: `http://${shown}:${actual}${sub}`,
        port: actual,
        server,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}

function usage() {
  return 'usage: node scripts/serve.mjs <dir> [--port N] [--host H] [--csp] [--base /PATH/] [--cors] [--log]';
}

async function main(argv) {
  let root = null;
  let port = 0;
  let host = '127.0.0.1';
  let csp = false;
  let log = false;
  let prefix = '/';
  let cors = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--port' || arg === '-p') {
      port = Number(argv[++i]);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port: ${argv[i]}\n${usage()}`);
    } else if (arg.startsWith('--port=')) {
      port = Number(arg.slice(7));
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port: ${arg}\n${usage()}`);
    } else if (arg === '--host') {
      host = argv[++i];
    } else if (arg === '--csp') {
      csp = true;
    } else if (arg === '--log') {
      log = true;
    } else if (arg === '--base') {
      prefix = argv[++i];
    } else if (arg.startsWith('--base=')) {
      prefix = arg.slice(7);
    } else if (arg === '--cors') {
      cors = true;
    } else if (arg === '--help' || arg === '-h') {
      console.log(usage());
      return;
    } else if (arg.startsWith('-')) {
      throw new Error(`unknown option ${arg}\n${usage()}`);
    } else if (root === null) {
      root = arg;
    } else {
      throw new Error(`one directory only\n${usage()}`);
    }
  }
  if (root === null) throw new Error(usage());
  const { url } = await startServer({ root, port, host, csp, log, prefix, cors });
  // First line: the URL alone (tests and scripts read it); then what is served, on stdout
  // too: stderr is for real errors.
  console.log(url);
  const notes = [csp ? 'a strict Content-Security-Policy' : '', cors ? 'Access-Control-Allow-Origin: *' : ''].filter(Boolean);
  console.log(`serving ${path.resolve(root)}${notes.length ? ` with ${notes.join(' and ')}` : ''}; Ctrl-C stops`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
