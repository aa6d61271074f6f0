// The iframe page (embed.html): one lesson of the playground, for course sites on any
// origin. The hash carries the same state as the main page's (src/state/url.ts:
// `lesson=xor&lr=0.1&seed=3&spec=<base64url JSON>`), plus flags that hide parts of the
// page, as TensorFlow Playground's `*_hide`:
//
//   <iframe src="https://gradlab.example/embed.html#lesson=attention&explanation_hide=true"
//           width="720" height="640" title="gradlab: attention"></iframe>
//
// Hide flags: title_hide, explanation_hide, controls_hide, curves_hide, view_hide; the
// main page's editor_hide, data_hide and settings_hide are accepted too (this compact page
// never shows those panels). A damaged hash shows a message and falls back to the default
// lesson. The page is the <gradlab-lesson> element fed with that state.
import { parseHash } from '../state/url';
import { applySettings, type Settings } from '../state/settings';
import { splitLesson, type Lesson } from '../state/lessons';
import { GradlabLessonElement, PANELS, type PanelName } from './lesson';
import '../offline/register';

const LESSON_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Panels of the main page this page never shows: their hide flags are accepted and ignored. */
const ALWAYS_HIDDEN = new Set(['editor', 'data', 'settings', 'inside', 'network', 'params']);

export interface EmbedHash {
  /** the hash without the *_hide flags, for parseHash */
  rest: string;
  hide: Set<PanelName>;
  errors: string[];
}

/** Split the `*_hide` flags off a hash. */
export function splitHideFlags(hash: string): EmbedHash {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  const keep: string[] = [];
  const hide = new Set<PanelName>();
  const errors: string[] = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const m = /^([a-z]+)_hide$/.exec(name);
    if (!m) {
      keep.push(part);
      continue;
    }
    const value = eq < 0 ? 'true' : part.slice(eq + 1);
    const panel = m[1] === 'main' ? 'view' : m[1]!;
    if (value !== 'true' && value !== 'false' && value !== '1' && value !== '0') {
      errors.push(`in the link, ${name} must be true or false`);
    } else if ((PANELS as readonly string[]).includes(panel)) {
      if (value === 'true' || value === '1') hide.add(panel as PanelName);
    } else if (!ALWAYS_HIDDEN.has(panel)) {
      errors.push(`the link has an unknown flag "${name}" (known: ${[...PANELS, ...ALWAYS_HIDDEN].map((p) => `${p}_hide`).join(', ')})`);
    }
  }
  return { rest: keep.join('&'), hide, errors };
}

async function fetchLesson(id: string): Promise<Lesson> {
  const url = new URL(`lessons/${id}.json`, document.baseURI);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`the lesson "${id}" was not found (${res.status})`);
  return splitLesson(id, await res.json());
}

function showMessage(text: string): void {
  const box = document.getElementById('message');
  if (!box) return;
  box.textContent = text;
  box.hidden = false;
}

async function main(): Promise<void> {
  const host = document.getElementById('lesson-host');
  if (!host) return;
  const flags = splitHideFlags(location.hash);
  const parsed = parseHash(flags.rest);
  const errors = [...flags.errors, ...parsed.errors];
  let settings: Settings = parsed.state.settings;
  let spec: unknown = parsed.state.spec;
  if (errors.length > 0) {
    // parseHash already fell back to the defaults; a bad flag does too.
    settings = parseHash('').state.settings;
    spec = null;
  }
  let id = typeof settings.lesson === 'string' ? settings.lesson : 'xor';
  if (!LESSON_ID.test(id)) {
    errors.push(`the link names a lesson that does not exist ("${id}")`);
    settings = parseHash('').state.settings;
    spec = null;
    id = String(settings.lesson ?? 'xor');
  }
  let lesson: Lesson;
  try {
    lesson = await fetchLesson(id);
  } catch (e) {
    errors.push(e instanceof Error ? e.message : String(e));
    settings = parseHash('').state.settings;
    spec = null;
    id = String(settings.lesson ?? 'xor');
    lesson = await fetchLesson(id);
  }
  if (errors.length > 0) showMessage(`${errors.join('; ')}. Showing the default lesson instead.`);
  const base = spec !== null && typeof spec === 'object' ? (spec as Record<string, unknown>) : lesson.spec;
  lesson = { ...lesson, spec: applySettings(base, settings) };

  const el = document.createElement('gradlab-lesson') as GradlabLessonElement;
  el.setAttribute('hide', [...flags.hide].join(','));
  if (typeof settings.speed === 'number') el.setAttribute('speed', String(settings.speed));
  if (settings.theme === 'light' || settings.theme === 'dark') el.setAttribute('theme', settings.theme);
  // The engine lives next to this page (the element's default is next to its script,
  // which is the same directory for the built site).
  el.setAttribute('engine-base', 'engine/');
  host.replaceChildren(el);
  await el.load(lesson);
}

main().catch((e: unknown) => showMessage(`The lesson could not start: ${e instanceof Error ? e.message : String(e)}`));
