// Format-2 lessons (docs/lessons.md) as the page reads them: the intro, the steps with their
// actions, predictions and expectations, and the spec edits the actions make. Pure: no DOM,
// no engine. The engine checks a lesson file (checkLessonFile) and measures its steps
// (Session.measureStep); this file only reads what the page needs to show and to run them.
import { setPointer } from './pointer';
import { formatNumber } from '../viz/format';

export type FieldEdits = Array<[pointer: string, value: unknown]>;

export type LessonAction =
  | { kind: 'train'; steps: number }
  | { kind: 'clamp'; gate: string; value: number; layer: number; direction: number }
  | { kind: 'clear_clamps' }
  | { kind: 'set'; fields: FieldEdits }
  | { kind: 'restart_with'; fields: FieldEdits }
  | { kind: 'reset' }
  | { kind: 'variants'; variants: Array<[label: string, fields: FieldEdits]> };

export interface Prediction {
  prompt: string;
  choices: string[];
  /** index of the right choice, -1 when none is right or wrong */
  answer: number;
  explain: string;
}

export interface LessonStepDoc {
  title: string;
  paragraphs: string[];
  id: string;
  /** the view the step talks about ('' = none) */
  view: string;
  predict: Prediction | null;
  actions: LessonAction[];
  /** the expectations' `what`, in order (the engine measures them) */
  expects: string[];
}

export interface LessonDoc {
  format: 2;
  title: string;
  chapter: number;
  questions: string[];
  intro: string[];
  views: string[];
  steps: LessonStepDoc[];
}

/** A text field: one string (blank lines split paragraphs) or an array of paragraphs. */
export function paragraphs(text: unknown): string[] {
  const parts = Array.isArray(text) ? text.filter((p): p is string => typeof p === 'string') : typeof text === 'string' ? text.split(/\n\s*\n/) : [];
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function edits(v: unknown): FieldEdits {
  return isObject(v) ? Object.entries(v) : [];
}

function action(a: unknown, where: string): LessonAction {
  if (!isObject(a)) throw new Error(`${where}: an action is an object such as {"train": 100}`);
  const keys = Object.keys(a);
  if (keys.length !== 1) throw new Error(`${where}: an action has exactly one key, found ${keys.length === 0 ? 'none' : keys.join(', ')}`);
  const kind = keys[0]!;
  const v = a[kind];
  switch (kind) {
    case 'train':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${where}/train: expected a whole number of steps >= 1`);
      return { kind, steps: v };
    case 'clamp': {
      const c = isObject(v) ? v : {};
      if (typeof c.gate !== 'string') throw new Error(`${where}/clamp: expected {"gate": "f", "value": 0}`);
      return {
        kind,
        gate: c.gate,
        value: typeof c.value === 'number' ? c.value : 0,
        layer: typeof c.layer === 'number' ? c.layer : -1,
        direction: typeof c.direction === 'number' ? c.direction : -1,
      };
    }
    case 'clear_clamps':
      return { kind };
    case 'reset':
      return { kind };
    case 'set':
    case 'restart_with':
      if (!isObject(v)) throw new Error(`${where}/${kind}: expected an object of JSON pointer -> value`);
      return { kind, fields: edits(v) };
    case 'variants':
      if (!isObject(v)) throw new Error(`${where}/variants: expected an object of label -> {JSON pointer: value}`);
      return { kind, variants: Object.entries(v).map(([label, f]) => [label, edits(f)]) };
    default:
      throw new Error(`${where}: unknown action "${kind}" (train, clamp, clear_clamps, set, restart_with, reset, variants)`);
  }
}

function prediction(p: unknown): Prediction | null {
  if (!isObject(p) || !Array.isArray(p.choices)) return null;
  const choices = p.choices.filter((c): c is string => typeof c === 'string');
  return {
    prompt: typeof p.prompt === 'string' ? p.prompt : '',
    choices,
    answer: typeof p.answer === 'number' && p.answer >= 0 && p.answer < choices.length ? p.answer : -1,
    explain: paragraphs(p.explain).join('\n\n'),
  };
}

/**
 * A lesson file's `lesson` block as a LessonDoc, or null for a format-1 lesson (no steps).
 * Throws with the JSON pointer of what is malformed (the engine's checkLessonFile reports
 * every problem; this is the page's own guard).
 */
export function parseLessonDoc(file: unknown): LessonDoc | null {
  if (!isObject(file) || !isObject(file.lesson)) return null;
  const l = file.lesson;
  if (l.format !== 2 && !Array.isArray(l.steps)) return null;
  if (!Array.isArray(l.steps) || l.steps.length === 0) throw new Error('/lesson/steps: a format-2 lesson has at least one step');
  const steps = l.steps.map((s, i): LessonStepDoc => {
    const where = `/lesson/steps/${i}`;
    if (!isObject(s)) throw new Error(`${where}: a step is an object with a title and a text`);
    return {
      title: typeof s.title === 'string' ? s.title : `Step ${i + 1}`,
      paragraphs: paragraphs(s.text),
      id: typeof s.id === 'string' ? s.id : '',
      view: typeof s.view === 'string' ? s.view : '',
      predict: prediction(s.predict),
      actions: Array.isArray(s.do) ? s.do.map((a, j) => action(a, `${where}/do/${j}`)) : [],
      expects: Array.isArray(s.expect) ? s.expect.map((e) => (isObject(e) && typeof e.what === 'string' ? e.what : '')) : [],
    };
  });
  return {
    format: 2,
    title: typeof l.title === 'string' ? l.title : '',
    chapter: typeof l.chapter === 'number' ? l.chapter : 0,
    questions: Array.isArray(l.questions) ? l.questions.filter((q): q is string => typeof q === 'string') : [],
    intro: paragraphs(l.intro),
    views: Array.isArray(l.views) ? l.views.filter((v): v is string => typeof v === 'string') : [],
    steps,
  };
}

/** The file without its lesson block: the spec the steps start from (as `gradlab lesson`). */
export function lessonSpec(file: Record<string, unknown>): Record<string, unknown> {
  const { lesson: _lesson, ...spec } = file;
  return spec;
}

function tokens(pointer: string): string[] {
  if (!pointer.startsWith('/')) throw new Error(`a JSON pointer starts with '/'`);
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function lookup(doc: unknown, path: string[]): { found: boolean; value: unknown } {
  let cur = doc;
  for (const t of path) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9][0-9]*)$/.test(t) || Number(t) >= cur.length) return { found: false, value: undefined };
      cur = cur[Number(t)];
    } else if (isObject(cur) && Object.hasOwn(cur, t)) {
      cur = cur[t];
    } else {
      return { found: false, value: undefined };
    }
  }
  return { found: true, value: cur };
}

/**
 * The spec with each field (JSON pointer -> value) replaced, as core/lesson's with_fields:
 * the parent must exist; objects gain new keys, arrays are only indexed, and null removes
 * an object's field. Throws naming `where` and the pointer that cannot be set.
 */
export function withFields<T extends Record<string, unknown>>(spec: T, fields: FieldEdits, where: string): T {
  let out = spec;
  for (const [pointer, value] of fields) {
    const fail = (why: string): never => {
      throw new Error(`${where}/${pointer.replace(/~/g, '~0').replace(/\//g, '~1')}: cannot set ${pointer}: ${why}`);
    };
    if (pointer === '') fail('the pointer names the whole spec');
    let path: string[];
    try {
      path = tokens(pointer);
    } catch (e) {
      return fail((e as Error).message);
    }
    const parentPath = path.slice(0, -1);
    const parent = lookup(out, parentPath);
    const parentName = parentPath.length === 0 ? 'root' : `/${parentPath.join('/')}`;
    if (!parent.found) fail(`the spec has no ${parentName}`);
    if (!isObject(parent.value) && !(Array.isArray(parent.value) && lookup(out, path).found)) {
      fail(`${parentName} is not an object${Array.isArray(parent.value) ? ' and the index is out of range' : ''}`);
    }
    if (value === null) {
      // null removes the field, as in a JSON merge patch (RFC 7386)
      if (!isObject(parent.value) || !Object.hasOwn(parent.value, path[path.length - 1]!)) fail('there is no field to remove there');
      out = setPointer(out, pointer, undefined);
    } else {
      out = setPointer(out, pointer, value);
    }
  }
  return out;
}

/** A number for people: 4 significant digits, exponent form for the very small or large (viz/format.ts). */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return 'not measured';
  if (Number.isInteger(v) && Math.abs(v) < 1e7) return String(v);
  return formatNumber(v, 4);
}

/** A step passed when it ran without error and every expectation held. */
export function stepPassed(outcome: { error?: string; expectations: Array<{ pass: boolean }> } | undefined): boolean {
  return outcome !== undefined && !outcome.error && outcome.expectations.every((e) => e.pass);
}
