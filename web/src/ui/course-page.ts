// The course page (course.html): COURSE.md's ten chapters with their lessons, what each
// answers, and which lessons the student has completed (every step seen passing, kept in
// localStorage by the lesson panel). A lesson opens in the playground with its steps.
import { completed, courseChapters, passedSteps, type CourseLesson, type Progress } from '../state/course';
import { h } from './dom';

/** The playground address that opens a lesson (the workspace reads `lesson=` from the hash). */
export function lessonHref(id: string): string {
  return `index.html#lesson=${encodeURIComponent(id)}`;
}

export function renderCourse(host: HTMLElement, summary: HTMLElement, lessons: CourseLesson[], progress: Progress): void {
  const chapters = courseChapters(lessons);
  const withSteps = lessons.filter((l) => l.steps > 0);
  const done = withSteps.filter((l) => completed(progress, l.id, l.steps)).length;
  summary.textContent =
    `${lessons.length} lessons in ${chapters.filter((c) => c.lessons.length > 0).length} chapters. ` +
    `Completed: ${done} of the ${withSteps.length} lessons with checked steps (every step's checks passed in your browser).`;
  host.replaceChildren(
    ...chapters.map((c) =>
      h(
        'section',
        { class: 'course-chapter card', 'data-chapter': c.number },
        h('h3', { text: c.number > 0 ? `${c.number}. ${c.title}` : c.title }),
        c.lessons.length === 0
          ? h('p', { class: 'muted small', text: 'No lesson here yet.' })
          : h('ol', { class: 'course-lessons' }, ...c.lessons.map((l) => lessonItem(l, progress))),
      ),
    ),
  );
}

function lessonItem(l: CourseLesson, progress: Progress): HTMLLIElement {
  const isDone = completed(progress, l.id, l.steps);
  const passed = passedSteps(progress, l.id, l.steps);
  const status =
    l.steps === 0
      ? 'free play (no checked steps)'
      : isDone
        ? `completed: every step checked`
        : `${passed} of ${l.steps} ${l.steps === 1 ? 'step' : 'steps'} done`;
  return h(
    'li',
    { class: 'course-lesson', 'data-lesson': l.id, 'data-complete': isDone ? 'true' : 'false' },
    h('span', { class: 'course-mark', 'aria-hidden': 'true', text: isDone ? '✓' : l.steps === 0 ? '·' : '○' }),
    h('a', { href: lessonHref(l.id), class: 'course-link', text: l.title }),
    h('span', { class: 'course-status muted small', text: [status, l.questions.length > 0 ? l.questions.join(' ') : ''].filter((x) => x).join(' · ') }),
  );
}
