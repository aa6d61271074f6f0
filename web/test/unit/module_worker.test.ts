// src/engine/module-worker.ts: which worker scripts start as they are, and the blob:
// module that starts one of another origin (a fake Worker records what it was given).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { importerSource, PortableWorker, startModuleWorker, startsHere } from '../../src/engine/module-worker';

const PAGE = 'https://course.example/week3/index.html';

describe('module-worker', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('a script of the page\'s origin (or blob:/data:) starts as it is; another origin does not', () => {
    expect(startsHere('assets/worker-x.js', PAGE)).toBe(true);
    expect(startsHere('https://course.example/gradlab/assets/worker-x.js', PAGE)).toBe(true);
    expect(startsHere('blob:https://course.example/1234', PAGE)).toBe(true);
    expect(startsHere('https://owner.github.io/gradlab/assets/worker-x.js', PAGE)).toBe(false);
    expect(startsHere('http://course.example/assets/worker-x.js', PAGE)).toBe(false); // scheme is part of the origin
    expect(startsHere('https://course.example:8443/w.js', PAGE)).toBe(false);
  });

  it('the blob: module imports the worker script by its absolute URL, quoted', () => {
    expect(importerSource('https://owner.github.io/gradlab/assets/worker-x.js')).toBe('import "https://owner.github.io/gradlab/assets/worker-x.js";\n');
    expect(importerSource('https://h/a"b.js')).toBe('import "https://h/a\\"b.js";\n');
  });

  it('starts a module worker through a blob: URL only for another origin', async () => {
    const made: Array<{ url: string; options?: WorkerOptions }> = [];
    class FakeWorker {
      constructor(url: string | URL, options?: WorkerOptions) {
        made.push({ url: String(url), options });
      }
      addEventListener() {}
    }
    const blobs: Blob[] = [];
    vi.stubGlobal('self', { location: new URL(PAGE) });
    vi.stubGlobal('Worker', FakeWorker);
    vi.stubGlobal('URL', Object.assign(class extends URL {}, { createObjectURL: (b: Blob) => (blobs.push(b), 'blob:https://course.example/1'), revokeObjectURL: () => {} }));
    startModuleWorker((W) => new W(new URL('https://course.example/assets/worker-a.js'), { type: 'module', name: 'gradlab-engine' }));
    const worker = new PortableWorker('https://owner.github.io/gradlab/assets/worker-b.js', { type: 'module', name: 'gradlab-engine' });
    expect(worker).toBeInstanceOf(FakeWorker);
    expect(made).toEqual([
      { url: 'https://course.example/assets/worker-a.js', options: { type: 'module', name: 'gradlab-engine' } },
      { url: 'blob:https://course.example/1', options: { type: 'module', name: 'gradlab-engine' } },
    ]);
    expect(blobs).toHaveLength(1);
    expect(await blobs[0].text()).toBe('import "https://owner.github.io/gradlab/assets/worker-b.js";\n');
    expect(blobs[0].type).toBe('text/javascript');
  });
});
