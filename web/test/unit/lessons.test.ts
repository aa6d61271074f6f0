// Every lesson file: a lesson block with title, text and known views, and a spec the
// built engine accepts (skipped when build/wasm has no node module).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseLessonIndex, splitLesson } from '../../src/state/lessons';
import { setPointer } from '../../src/state/pointer';
import { VIEW_NAMES } from './view-names';

const dir = new URL('../../public/lessons/', import.meta.url);
const index = parseLessonIndex(JSON.parse(readFileSync(new URL('index.json', dir), 'utf8')));
const enginePath = new URL('../../../build/wasm/bindings/wasm/gradlab-simd-node.cjs', import.meta.url).pathname;

describe('lessons', () => {
  it('lists the required lessons, xor first', () => {
    expect(index.map((l) => l.id)).toEqual(expect.arrayContaining(['xor', 'rnn-gradients', 'lstm-forget', 'attention', 'gan-ring']));
    expect(index[0]!.id).toBe('xor');
  });

  for (const { id } of index) {
    it(`${id}: has a lesson block and no lesson field left in the spec`, () => {
      const lesson = splitLesson(id, JSON.parse(readFileSync(new URL(`${id}.json`, dir), 'utf8')));
      expect(lesson.info.title.length).toBeGreaterThan(3);
      expect(lesson.info.text.length).toBeGreaterThan(50);
      expect(lesson.info.views.length).toBeGreaterThan(0);
      for (const v of lesson.info.views) expect(VIEW_NAMES).toContain(v);
      expect(lesson.spec).not.toHaveProperty('lesson');
      expect(lesson.spec.version).toBe(1);
    });
  }

  it.skipIf(!existsSync(enginePath))('every lesson spec trains in the engine, and xor reaches 95% in 300 steps', async () => {
    const create = createRequire(import.meta.url)(enginePath) as () => Promise<{ Session: new (s: string) => { train(n: number): unknown[]; evaluate(s: string): { accuracy?: number }; snapshotNames(): string[]; delete(): void } }>;
    const g = await create();
    for (const { id } of index) {
      const { spec, info } = splitLesson(id, JSON.parse(readFileSync(new URL(`${id}.json`, dir), 'utf8')));
      const s = new g.Session(JSON.stringify(spec));
      try {
        expect(s.train(2)).toHaveLength(2);
        // A lesson's views may come from the spec it starts with or from the experiment one
        // of its steps restarts with (restart_with; null removes a field).
        const names = s.snapshotNames();
        let restarted: Record<string, unknown> = spec;
        const doc = JSON.parse(readFileSync(new URL(`${id}.json`, dir), 'utf8')) as { lesson?: { steps?: Array<{ do?: Array<Record<string, unknown>> }> } };
        for (const step of doc.lesson?.steps ?? []) {
          for (const action of step.do ?? []) {
            const edits = action['restart_with'] as Record<string, unknown> | undefined;
            if (!edits) continue;
            for (const [pointer, value] of Object.entries(edits)) restarted = setPointer(restarted, pointer, value === null ? undefined : value);
            const r = new g.Session(JSON.stringify(restarted));
            names.push(...r.snapshotNames());
            r.delete();
          }
        }
        if (info.views.includes('grad-through-time') || info.views.includes('gates')) expect(names).toContain('recurrent');
        if (info.views.includes('attention')) expect(names).toContain('attention');
        if (info.views.includes('self-attention')) expect(names).toContain('self_attention');
        if (info.views.includes('field')) expect(names).toContain('field');
        if (id === 'xor') {
          s.train(298);
          expect(s.evaluate('test').accuracy).toBeGreaterThanOrEqual(0.95);
        }
      } finally {
        s.delete();
      }
    }
  }, 60_000);
});
