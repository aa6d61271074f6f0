// Format-2 lesson reading (state/lesson-doc.ts) and the course's chapters and progress
// (state/course.ts): pure logic, and every shipped lesson file read the way the page reads it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatValue, lessonSpec, paragraphs, parseLessonDoc, stepPassed, withFields } from '../../src/state/lesson-doc';
import { CHAPTERS, completed, courseChapters, courseLesson, parseProgress, passedSteps, recordStep, saveStep, loadProgress } from '../../src/state/course';
import { parseLessonIndex, splitLesson } from '../../src/state/lessons';

const example = {
  version: 1,
  seed: 1,
  model: { layers: [{ type: 'linear', in: 2, out: 8 }, { type: 'tanh' }, { type: 'linear', in: 8, out: 2 }] },
  optimizer: { type: 'sgd', lr: 0.3 },
  lesson: {
    format: 2,
    title: 'XOR needs a hidden layer',
    chapter: 3,
    questions: ['Q11'],
    intro: 'Two classes.\n\nNo straight line.',
    steps: [
      { title: 'Count', text: 'Count them.', view: 'network', expect: [{ what: 'parameters', value: 'params.total', equals: 42 }] },
      {
        title: 'Train',
        text: ['Press Play.', 'Watch.'],
        predict: { prompt: '95%?', choices: ['yes', 'no'], answer: 0 },
        do: [{ train: 300 }, { clamp: { gate: 'f', value: 0 } }, { clear_clamps: true }, { set: { '/optimizer/lr': 0.1 } }],
        expect: [{ what: 'test accuracy', value: 'test.accuracy', at_least: 0.95 }],
      },
      { title: 'Linear', text: 'x', do: [{ restart_with: { '/model/layers': [] } }, { reset: true }, { variants: { a: {}, b: { '/seed': 2 } } }] },
    ],
  },
};

describe('parseLessonDoc', () => {
  it('reads the steps, actions, predictions and expectations of a format-2 lesson', () => {
    const doc = parseLessonDoc(example)!;
    expect(doc).toMatchObject({ title: 'XOR needs a hidden layer', chapter: 3, questions: ['Q11'], intro: ['Two classes.', 'No straight line.'] });
    expect(doc.steps.map((s) => s.view)).toEqual(['network', '', '']);
    expect(doc.steps[0]!.expects).toEqual(['parameters']);
    expect(doc.steps[1]!.paragraphs).toEqual(['Press Play.', 'Watch.']);
    expect(doc.steps[1]!.predict).toEqual({ prompt: '95%?', choices: ['yes', 'no'], answer: 0, explain: '' });
    expect(doc.steps[1]!.actions).toEqual([
      { kind: 'train', steps: 300 },
      { kind: 'clamp', gate: 'f', value: 0, layer: -1, direction: -1 },
      { kind: 'clear_clamps' },
      { kind: 'set', fields: [['/optimizer/lr', 0.1]] },
    ]);
    expect(doc.steps[2]!.actions).toEqual([
      { kind: 'restart_with', fields: [['/model/layers', []]] },
      { kind: 'reset' },
      { kind: 'variants', variants: [['a', []], ['b', [['/seed', 2]]]] },
    ]);
  });

  it('is null for a format-1 lesson and names the pointer of a malformed action', () => {
    expect(parseLessonDoc({ lesson: { title: 'old', text: 'words', views: ['field'] } })).toBeNull();
    expect(parseLessonDoc({ version: 1 })).toBeNull();
    const bad = structuredClone(example);
    (bad.lesson.steps[1]!.do as unknown[])[0] = { train: 0 };
    expect(() => parseLessonDoc(bad)).toThrow('/lesson/steps/1/do/0/train: expected a whole number of steps >= 1');
    (bad.lesson.steps[1]!.do as unknown[])[0] = { jump: 1 };
    expect(() => parseLessonDoc(bad)).toThrow(/\/lesson\/steps\/1\/do\/0: unknown action "jump"/);
  });

  it('a prediction whose answer is out of range has no right answer', () => {
    const doc = parseLessonDoc({ lesson: { format: 2, steps: [{ title: 't', text: 'x', predict: { prompt: 'p', choices: ['a'], answer: 3, explain: ['one', 'two'] } }] } })!;
    expect(doc.steps[0]!.predict).toEqual({ prompt: 'p', choices: ['a'], answer: -1, explain: 'one\n\ntwo' });
  });
});

describe('withFields (core/lesson with_fields)', () => {
  const spec = { model: { layers: [{ type: 'linear' }, { type: 'tanh' }] }, optimizer: { lr: 0.3 } };
  it('sets existing fields and new keys of existing objects, in a copy', () => {
    const out = withFields(spec, [['/optimizer/lr', 0.01], ['/optimizer/momentum', 0.9], ['/model/layers/1/type', 'relu']], '/x');
    expect(out).toEqual({ model: { layers: [{ type: 'linear' }, { type: 'relu' }] }, optimizer: { lr: 0.01, momentum: 0.9 } });
    expect(spec.optimizer.lr).toBe(0.3);
  });
  it('null removes an object field (JSON merge patch), and only an existing one', () => {
    expect(withFields(spec, [['/optimizer/lr', null]], '/x')).toEqual({ model: spec.model, optimizer: {} });
    expect(() => withFields(spec, [['/optimizer/momentum', null]], '/x')).toThrow('cannot set /optimizer/momentum: there is no field to remove there');
    expect(() => withFields(spec, [['/model/layers/0', null]], '/x')).toThrow('there is no field to remove there');
  });
  it('refuses a missing parent, an array index out of range and the whole spec', () => {
    expect(() => withFields(spec, [['/training/steps', 5]], '/lesson/steps/0/do/0/set')).toThrow(
      '/lesson/steps/0/do/0/set/~1training~1steps: cannot set /training/steps: the spec has no /training',
    );
    expect(() => withFields(spec, [['/model/layers/2', {}]], '/w')).toThrow('cannot set /model/layers/2: /model/layers is not an object and the index is out of range');
    expect(() => withFields(spec, [['', {}]], '/w')).toThrow('the pointer names the whole spec');
  });
});

describe('small helpers', () => {
  it('paragraphs, lessonSpec, formatValue, stepPassed', () => {
    expect(paragraphs('a\n\n b \n\n\n')).toEqual(['a', 'b']);
    expect(paragraphs(['a', 3, ''])).toEqual(['a']);
    expect(lessonSpec(example)).not.toHaveProperty('lesson');
    expect(formatValue(42)).toBe('42');
    expect(formatValue(0.123456)).toBe('0.1235');
    expect(formatValue(2.6e-7)).toBe('2.6e-7');
    expect(formatValue(null)).toBe('not measured');
    expect(stepPassed({ expectations: [{ pass: true }] })).toBe(true);
    expect(stepPassed({ expectations: [{ pass: true }, { pass: false }] })).toBe(false);
    expect(stepPassed({ error: 'x', expectations: [] })).toBe(false);
    expect(stepPassed(undefined)).toBe(false);
  });
});

describe('the course', () => {
  it('groups lessons into COURSE.md chapters, lessons without a chapter last', () => {
    const lessons = [
      courseLesson('xor', 'XOR', example),
      courseLesson('old', 'Old lesson', { lesson: { title: 'Old', text: 't' } }),
      courseLesson('lr', 'LR', { lesson: { format: 2, chapter: 1, title: 'Learning rate', questions: ['Q3'], steps: [{}, {}] } }),
    ];
    const chapters = courseChapters(lessons);
    expect(chapters).toHaveLength(CHAPTERS.length + 1);
    expect(chapters[0]).toMatchObject({ number: 1, title: 'Gradients and the chain rule', lessons: [{ id: 'lr', steps: 2, questions: ['Q3'] }] });
    expect(chapters[2]!.lessons.map((l) => l.id)).toEqual(['xor']);
    expect(chapters[10]).toMatchObject({ number: 0, lessons: [{ id: 'old', title: 'Old', steps: 0 }] });
  });

  it('progress: completed when every step passed for the lesson as it is now', () => {
    let p = recordStep({}, 'xor', 0, 3, true);
    p = recordStep(p, 'xor', 2, 3, true);
    expect(completed(p, 'xor', 3)).toBe(false);
    expect(passedSteps(p, 'xor', 3)).toBe(2);
    p = recordStep(p, 'xor', 1, 3, true);
    expect(completed(p, 'xor', 3)).toBe(true);
    expect(completed(p, 'xor', 4)).toBe(false); // the lesson gained a step
    p = recordStep(p, 'xor', 1, 3, false);
    expect(completed(p, 'xor', 3)).toBe(false);
    expect(parseProgress(JSON.stringify(p))).toEqual(p);
    expect(parseProgress('{not json')).toEqual({});
    expect(parseProgress('{"x": {"passed": [0, 7], "steps": 2}}')).toEqual({ x: { passed: [0], steps: 2 } });
  });

  it('progress is kept in a store and survives a store that throws', () => {
    const data = new Map<string, string>();
    const store = { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) };
    saveStep('a', 0, 1, true, store);
    expect(completed(loadProgress(store), 'a', 1)).toBe(true);
    const broken = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } };
    expect(loadProgress(broken)).toEqual({});
    expect(() => saveStep('a', 0, 1, true, broken)).not.toThrow();
  });
});

describe('shipped lessons', () => {
  const dir = new URL('../../public/lessons/', import.meta.url);
  const index = parseLessonIndex(JSON.parse(readFileSync(new URL('index.json', dir), 'utf8')));
  for (const { id, title } of index) {
    it(`${id}: reads as the page reads it`, () => {
      const file = JSON.parse(readFileSync(new URL(`${id}.json`, dir), 'utf8')) as Record<string, unknown>;
      const doc = parseLessonDoc(file);
      const entry = courseLesson(id, title, file);
      if (doc) {
        expect(doc.steps.length).toBeGreaterThan(0);
        expect(entry.chapter).toBeGreaterThanOrEqual(1);
        expect(entry.steps).toBe(doc.steps.length);
        expect(splitLesson(id, file).info.text.length).toBeGreaterThan(0);
        // the spec edits apply in order, as the worker applies them
        let spec = lessonSpec(file);
        for (const s of doc.steps) {
          for (const a of s.actions) {
            if (a.kind === 'set' || a.kind === 'restart_with') spec = withFields(spec, a.fields, '/');
            if (a.kind === 'variants') for (const [, fields] of a.variants) withFields(spec, fields, '/');
          }
        }
      } else {
        expect(entry.steps).toBe(0);
      }
    });
  }
});
