// The course page (course.html): wiring only. Reads lessons/index.json and each lesson's
// chapter, title and questions; the student's progress comes from localStorage.
import './styles.css';
import './ui/course-page.css';
import { courseLesson, loadProgress, type CourseLesson } from './state/course';
import { parseLessonIndex } from './state/lessons';
import { renderCourse } from './ui/course-page';
import './offline/register';

async function fetchJson(path: string): Promise<unknown> {
  const r = await fetch(new URL(path, document.baseURI));
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

async function main(): Promise<void> {
  document.documentElement.dataset.theme = matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  const host = document.getElementById('course-chapters')!;
  const summary = document.getElementById('course-summary')!;
  const message = document.getElementById('message')!;
  const problems: string[] = [];
  let lessons: CourseLesson[] = [];
  try {
    const index = parseLessonIndex(await fetchJson('lessons/index.json'));
    lessons = await Promise.all(
      index.map(async (e) => {
        try {
          return courseLesson(e.id, e.title, await fetchJson(`lessons/${encodeURIComponent(e.id)}.json`));
        } catch (err) {
          problems.push(`${e.id}: ${(err as Error).message}`);
          return courseLesson(e.id, e.title, null);
        }
      }),
    );
  } catch (e) {
    problems.push(`the lesson list could not be loaded: ${(e as Error).message}`);
  }
  renderCourse(host, summary, lessons, loadProgress());
  document.getElementById('course')?.setAttribute('aria-busy', 'false');
  if (problems.length > 0) {
    message.hidden = false;
    message.textContent = `Some lessons could not be read: ${problems.join('; ')}.`;
  }
  // progress made in another tab (the playground) shows when the student comes back
  window.addEventListener('storage', () => renderCourse(host, summary, lessons, loadProgress()));
  window.addEventListener('pageshow', (e) => {
    if (e.persisted) renderCourse(host, summary, lessons, loadProgress());
  });
}

void main();
