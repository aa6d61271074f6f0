// The course: COURSE.md's ten chapters, the lessons in each (from lessons/index.json and
// each lesson's own chapter, title and questions), and which steps the student has seen
// pass, kept in localStorage. Pure functions plus a store that degrades to nothing where
// storage is unavailable (private mode, sandboxed iframes).
import type { KeyValueStore } from './storage';

/** COURSE.md's chapters, 1..10. */
export const CHAPTERS: readonly string[] = [
  'Gradients and the chain rule',
  'Linear models and optimisation',
  'Width and depth',
  'Convolutions',
  'Recurrent networks',
  'Gated cells',
  'Bidirectional networks',
  'Embeddings and language models',
  'Attention',
  'Generative models',
];

export interface CourseLesson {
  id: string;
  title: string;
  /** 1..10, or 0 for a lesson without a chapter (format 1) */
  chapter: number;
  questions: string[];
  /** number of steps (0 for a format-1 lesson) */
  steps: number;
}

export interface CourseChapter {
  number: number;
  title: string;
  lessons: CourseLesson[];
}

/** A lesson file (and its index entry) as a course entry. */
export function courseLesson(id: string, indexTitle: string, file: unknown): CourseLesson {
  const l = (typeof file === 'object' && file !== null ? (file as { lesson?: unknown }).lesson : null) as Record<string, unknown> | null | undefined;
  const chapter = typeof l?.chapter === 'number' && Number.isInteger(l.chapter) && l.chapter >= 1 && l.chapter <= CHAPTERS.length ? l.chapter : 0;
  return {
    id,
    title: typeof l?.title === 'string' && l.title !== '' ? l.title : indexTitle,
    chapter,
    questions: Array.isArray(l?.questions) ? l.questions.filter((q): q is string => typeof q === 'string') : [],
    steps: Array.isArray(l?.steps) ? l.steps.length : 0,
  };
}

/**
 * Chapters 1..10 with their lessons in index order, then (number 0) "More lessons" for the
 * lessons without a chapter, when there are any.
 */
export function courseChapters(lessons: CourseLesson[]): CourseChapter[] {
  const out: CourseChapter[] = CHAPTERS.map((title, i) => ({ number: i + 1, title, lessons: lessons.filter((l) => l.chapter === i + 1) }));
  const other = lessons.filter((l) => l.chapter === 0);
  if (other.length > 0) out.push({ number: 0, title: 'More lessons', lessons: other });
  return out;
}

/** Per lesson: the steps seen passing, and how many steps the lesson had then. */
export interface Progress {
  [lessonId: string]: { passed: number[]; steps: number };
}

const KEY = 'gradlab.course.v1';

export function parseProgress(text: string | null): Progress {
  if (!text) return {};
  try {
    const raw = JSON.parse(text) as unknown;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
    const out: Progress = {};
    for (const [id, v] of Object.entries(raw as Record<string, unknown>)) {
      const e = v as { passed?: unknown; steps?: unknown };
      if (!Array.isArray(e?.passed) || typeof e.steps !== 'number') continue;
      out[id] = { passed: e.passed.filter((n): n is number => Number.isInteger(n) && n >= 0 && n < (e.steps as number)), steps: e.steps };
    }
    return out;
  } catch {
    return {};
  }
}

/** A step's result recorded: passed steps are added, a failed run of a step removes it. */
export function recordStep(p: Progress, id: string, step: number, steps: number, passed: boolean): Progress {
  const before = p[id]?.steps === steps ? p[id]!.passed : [];
  const set = new Set(before);
  if (passed) set.add(step);
  else set.delete(step);
  return { ...p, [id]: { passed: [...set].sort((a, b) => a - b), steps } };
}

/** Completed: every step of the lesson (as it has `steps` steps now) seen passing. */
export function completed(p: Progress, id: string, steps: number): boolean {
  const e = p[id];
  return steps > 0 && e !== undefined && e.steps === steps && e.passed.length === steps;
}

export function passedSteps(p: Progress, id: string, steps: number): number {
  const e = p[id];
  return e !== undefined && e.steps === steps ? e.passed.length : 0;
}

function store(): KeyValueStore | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export function loadProgress(s: KeyValueStore | null = store()): Progress {
  try {
    return parseProgress(s?.getItem(KEY) ?? null);
  } catch {
    return {};
  }
}

/** Reads, changes and writes the stored progress (another tab may have written meanwhile). */
export function saveStep(id: string, step: number, steps: number, passed: boolean, s: KeyValueStore | null = store()): Progress {
  const next = recordStep(loadProgress(s), id, step, steps, passed);
  try {
    s?.setItem(KEY, JSON.stringify(next));
  } catch {
    // quota or disabled storage: the page still shows the ticks of this visit
  }
  return next;
}
