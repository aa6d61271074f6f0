// Lessons: experiment specs with a `lesson` block (title, text for students, which views
// to show; format 2 adds an intro and steps: docs/lessons.md, state/lesson-doc.ts), stored
// as JSON in public/lessons/ and listed in public/lessons/index.json. The block is split
// off before a spec is used (the file itself is kept for the steps).
import { paragraphs } from './lesson-doc';

export interface LessonInfo {
  title: string;
  /** short explanation for students, plain text; paragraphs separated by blank lines */
  text: string;
  /** view names to show first (others the experiment offers can be opened) */
  views: string[];
  /** the gate to offer for clamping (recurrent lessons) */
  clamp?: { gate: string; value: number };
}

export interface LessonIndexEntry {
  id: string;
  title: string;
}

export interface Lesson {
  id: string;
  info: LessonInfo;
  spec: Record<string, unknown>;
  /** the lesson file as read (with its lesson block): a format-2 lesson's steps */
  file?: Record<string, unknown>;
}

/** A lesson file's JSON as info + a spec the engine accepts; throws with plain words. */
export function splitLesson(id: string, json: unknown): Lesson {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`lesson "${id}" is not a JSON object`);
  const { lesson, ...spec } = json as Record<string, unknown>;
  const l = (lesson ?? {}) as Record<string, unknown>;
  const info: LessonInfo = {
    title: typeof l.title === 'string' ? l.title : id,
    text: typeof l.text === 'string' ? l.text : l.intro !== undefined ? paragraphs(l.intro).join('\n\n') : typeof spec.description === 'string' ? spec.description : '',
    views: Array.isArray(l.views) ? l.views.filter((v): v is string => typeof v === 'string') : [],
  };
  const c = l.clamp as Record<string, unknown> | undefined;
  if (c && typeof c.gate === 'string') info.clamp = { gate: c.gate, value: typeof c.value === 'number' ? c.value : 0 };
  return { id, info, spec, file: json as Record<string, unknown> };
}

export function parseLessonIndex(json: unknown): LessonIndexEntry[] {
  const list = (json as { lessons?: unknown })?.lessons;
  if (!Array.isArray(list)) throw new Error('lessons/index.json has no "lessons" list');
  return list
    .filter((e): e is { id: string; title?: string } => typeof e?.id === 'string')
    .map((e) => ({ id: e.id, title: typeof e.title === 'string' ? e.title : e.id }));
}
