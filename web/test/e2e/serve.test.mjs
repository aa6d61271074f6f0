// scripts/serve.mjs: MIME types, the strict CSP only with --csp and only on HTML, no
// COOP/COEP, no way out of the served directory, and the CLI prints its URL first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { startServer, STRICT_CSP } from '../../scripts/serve.mjs';
import { WEB } from './helpers.mjs';

function tempSite() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-serve-'));
  fs.mkdirSync(path.join(dir, 'engine'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>x</title>');
  fs.writeFileSync(path.join(dir, 'engine/gradlab-simd.wasm'), Buffer.from([0, 97, 115, 109, 1, 0, 0, 0]));
  fs.writeFileSync(path.join(dir, 'engine/gradlab-simd.mjs'), 'export default 1;');
  fs.writeFileSync(path.join(dir, 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'style.css'), 'body{}');
  fs.writeFileSync(path.join(dir, 'lesson.json'), '{}');
  return dir;
}

test('serve.mjs: MIME types, CSP on HTML only, no COOP/COEP, no path traversal', async (t) => {
  const dir = tempSite();
  const server = await startServer({ root: dir, csp: true });
  t.after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.ok(server.port > 0, 'port 0 picked a free port');
  const get = (p) => fetch(new URL(p, server.url));
  const types = {
    '': 'text/html; charset=utf-8',
    'index.html': 'text/html; charset=utf-8',
    'engine/gradlab-simd.wasm': 'application/wasm',
    'engine/gradlab-simd.mjs': 'text/javascript; charset=utf-8',
    'app.js': 'text/javascript; charset=utf-8',
    'style.css': 'text/css; charset=utf-8',
    'lesson.json': 'application/json; charset=utf-8',
  };
  for (const [p, type] of Object.entries(types)) {
    const res = await get(p);
    assert.equal(res.status, 200, `/${p}`);
    assert.equal(res.headers.get('content-type'), type, `/${p} content type`);
    const csp = res.headers.get('content-security-policy');
    if (type.startsWith('text/html')) assert.equal(csp, STRICT_CSP, `/${p} carries the strict CSP`);
    else assert.equal(csp, null, `/${p} has no CSP header`);
    assert.equal(res.headers.get('cross-origin-opener-policy'), null);
    assert.equal(res.headers.get('cross-origin-embedder-policy'), null);
  }
  const wasm = new Uint8Array(await (await get('engine/gradlab-simd.wasm')).arrayBuffer());
  assert.deepEqual([...wasm.slice(0, 4)], [0, 97, 115, 109], 'the wasm bytes arrive unchanged');
  assert.equal((await get('missing.js')).status, 404);
  assert.equal((await fetch(new URL('engine', server.url), { redirect: 'manual' })).status, 301, 'a directory without / redirects');
  for (const p of ['..%2f..%2fetc%2fpasswd', '%2e%2e/%2e%2e/etc/passwd', 'engine/..%2f..%2f..%2fetc%2fpasswd']) {
    const res = await get(p);
    assert.ok([403, 404].includes(res.status), `/${p} stays inside the root (got ${res.status})`);
  }
  const plain = await startServer({ root: dir });
  t.after(() => plain.close());
  const res = await fetch(plain.url);
  assert.equal(res.headers.get('content-security-policy'), null, 'no CSP without --csp');
});

test('serve.mjs CLI prints the URL as its first line (port 0)', { timeout: 15_000 }, async (t) => {
  const dir = tempSite();
  const child = spawn(process.execPath, [path.join(WEB, 'scripts/serve.mjs'), dir, '--port', '0', '--csp'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.on('exit', (code) => reject(new Error(`serve.mjs exited with ${code}`)));
  });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-security-policy'), STRICT_CSP);
});

test('serve.mjs --base: the site under a sub-path only, as GitHub Pages serves /gradlab/', async (t) => {
  const dir = tempSite();
  const server = await startServer({ root: dir, prefix: 'gradlab' });
  t.after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/gradlab\/$/, 'the URL names the sub-path');
  const get = (p, init) => fetch(new URL(p, server.url), init);
  assert.equal((await get('/gradlab/')).status, 200);
  assert.equal((await get('/gradlab/engine/gradlab-simd.wasm')).headers.get('content-type'), 'application/wasm');
  assert.equal((await get('/index.html')).status, 404, 'nothing outside the sub-path');
  assert.equal((await get('/engine/gradlab-simd.mjs')).status, 404);
  const bare = await get('/gradlab', { redirect: 'manual' });
  assert.deepEqual([bare.status, bare.headers.get('location')], [301, '/gradlab/']);
  const dirRedirect = await get('/gradlab/engine', { redirect: 'manual' });
  assert.deepEqual([dirRedirect.status, dirRedirect.headers.get('location')], [301, '/gradlab/engine/'], 'a directory redirects inside the sub-path');
  for (const p of ['/gradlab/..%2f..%2fetc%2fpasswd', '/gradlab/%2e%2e/%2e%2e/etc/passwd']) {
    assert.ok([403, 404].includes((await get(p)).status), `${p} stays inside the root`);
  }
  assert.equal((await get('/gradlab/')).headers.get('access-control-allow-origin'), null, 'no CORS header without --cors');
  await assert.rejects(startServer({ root: dir, prefix: '/a/../b/' }), /bad base path/);
});

test('serve.mjs --cors: Access-Control-Allow-Origin: * on every response, as GitHub Pages', async (t) => {
  const dir = tempSite();
  const server = await startServer({ root: dir, cors: true, csp: true });
  t.after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  for (const p of ['', 'engine/gradlab-simd.mjs', 'engine/gradlab-simd.wasm', 'lesson.json', 'missing.js']) {
    const res = await fetch(new URL(p, server.url), { headers: { Origin: 'http://course.example' } });
    assert.equal(res.headers.get('access-control-allow-origin'), '*', `/${p} (${res.status})`);
  }
});
