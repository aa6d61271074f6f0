// scripts/serve.sh on a second run: it rebuilds nothing that has not changed and its
// messages read as information. The engine's build is replaced by a stub `cmake` on PATH
// that answers as ninja does when nothing changed (compiling the engine is not this test's
// business; scripts/build-wasm.sh still runs); the web app's build is skipped when
// web/scripts/up-to-date.mjs finds dist/ current (and runs, saying why, when it is not).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { WEB } from './helpers.mjs';
import { staleReason } from '../../scripts/up-to-date.mjs';

const REPO = path.resolve(WEB, '..');

test('serve.sh, second run: nothing rebuilt, information on stdout, nothing on stderr, then the URL', { timeout: 180_000 }, async (t) => {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-stub-'));
  t.after(() => fs.rmSync(bin, { recursive: true, force: true }));
  fs.writeFileSync(path.join(bin, 'cmake'), '#!/bin/sh\n[ "$1" = "--build" ] && echo "ninja: no work to do."\nexit 0\n', { mode: 0o755 });
  const stale = staleReason();
  const child = spawn('bash', ['scripts/serve.sh'], {
    cwd: REPO,
    // CI=true would make setup.sh run npm ci; here the installed packages are the lock's.
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, PORT: '0', CI: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill());
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^(http:\/\/\S+)$/m.exec(out);
      if (m && out.includes('Ctrl-C stops')) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve.sh exited with ${code}: ${out}${err}`)));
  });
  console.log(`# serve.sh printed:\n${out.replace(/^/gm, '#   ')}`);
  assert.equal(err, '', 'nothing on stderr');
  assert.match(out, /^serve: the engine \(WebAssembly, build\/wasm\/\)\nninja: no work to do\.\n/);
  if (stale === null) {
    assert.match(out, /^web: dist\/ is newer than its sources and the engine; no rebuild needed$/m);
    assert.doesNotMatch(out, /vite|building/, 'the web app was not rebuilt');
  } else {
    assert.match(out, /^web: building dist\/ \(.+\)$/m, `a stale dist/ (${stale}) is rebuilt and the reason said`);
  }
  assert.doesNotMatch(out, /\b(error|warning|failed)\b/i, 'no error or warning wording for normal events');
  assert.equal((await fetch(url)).status, 200, 'and it serves the site');
});
