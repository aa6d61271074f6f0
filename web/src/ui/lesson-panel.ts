// The lesson panel: a format-2 lesson (docs/lessons.md) one step at a time: the intro, then
// each step's title and text, a "predict first" choice where the step has one, a button
// that runs the step in the engine worker (its actions, then the engine's own measurement,
// the same as `gradlab lesson`), and each expectation ticked or crossed with the value the
// page measured. A format-1 lesson (no steps) shows its title and text as before.
// Used by the workspace (src/ui/workspace.ts) and the <gradlab-lesson> element.
import type { EngineClient } from '../engine/client';
import { engineErrorOf } from '../engine/client';
import { describeError, type LessonStepOutcome } from '../engine/protocol';
import { CHAPTERS, saveStep } from '../state/course';
import { formatValue, paragraphs, parseLessonDoc, stepPassed, type LessonDoc, type LessonStepDoc } from '../state/lesson-doc';
import { h } from './dom';

export interface LessonPanelHooks {
  /** bring the view a step talks about on screen ('curves', 'field', ...) */
  reveal(view: string): void;
  /** keep the student's progress (localStorage; default true) */
  remember?: boolean;
  /** show the lesson's title (default true; the embed element has its own) */
  title?: boolean;
}

interface PanelState {
  id: string;
  doc: LessonDoc;
  /** the lesson file as JSON text, as the worker gets it */
  text: string;
  /** -1: the intro; else the step shown */
  page: number;
  outcomes: Map<number, LessonStepOutcome>;
  /** an error that stopped a step from running at all (not an expectation) */
  failures: Map<number, string>;
  picks: Map<number, number>;
  running: number | null;
}

const MARK = { pass: '✓', fail: '✗', pending: '○' };

export class LessonPanel {
  private state: PanelState | null = null;
  private progressText: HTMLElement | null = null;
  private progressFrame = 0;
  private latestProgress = '';
  private readonly unsubscribe: () => void;

  constructor(
    private readonly host: HTMLElement,
    private readonly client: EngineClient,
    private readonly hooks: LessonPanelHooks,
  ) {
    this.unsubscribe = client.on((e) => {
      if (e.kind !== 'lessonProgress' || this.state?.running === null || this.state === null) return;
      const n = this.state.doc.steps.length;
      this.latestProgress = `step ${e.index + 1} of ${n}: training ${e.done} / ${e.total}`;
      if (this.progressFrame === 0) {
        this.progressFrame = requestAnimationFrame(() => {
          this.progressFrame = 0;
          // a frame that comes after the step's reply must not bring its progress back
          if (this.progressText && this.state?.running !== null && this.state !== null) this.progressText.textContent = this.latestProgress;
        });
      }
    });
  }

  /** Shows a lesson file: its steps (format 2), or its title and text (format 1). */
  show(id: string, file: unknown, fallbackTitle: string): void {
    let doc: LessonDoc | null = null;
    let problem = '';
    try {
      doc = parseLessonDoc(file);
    } catch (e) {
      problem = (e as Error).message;
    }
    if (!doc) {
      this.state = null;
      const l = ((file as { lesson?: Record<string, unknown> })?.lesson ?? {}) as Record<string, unknown>;
      const spec = file as { description?: unknown };
      const text = paragraphs(l.text ?? l.intro ?? spec.description);
      this.host.replaceChildren(
        h('h2', { text: typeof l.title === 'string' ? l.title : fallbackTitle }),
        ...text.map((p) => h('p', { text: p })),
        ...(problem ? [h('p', { class: 'inline-error', text: `The lesson's steps cannot be shown: ${problem}` })] : []),
      );
      return;
    }
    this.state = { id, doc, text: JSON.stringify(file), page: -1, outcomes: new Map(), failures: new Map(), picks: new Map(), running: null };
    this.render();
  }

  /** The step shown (-1: the intro), for tests and the embed element. */
  get page(): number {
    return this.state?.page ?? -1;
  }

  dispose(): void {
    this.unsubscribe();
    if (this.progressFrame) cancelAnimationFrame(this.progressFrame);
    this.host.replaceChildren();
  }

  private go(page: number): void {
    const s = this.state;
    if (!s) return;
    s.page = Math.max(-1, Math.min(s.doc.steps.length - 1, page));
    this.render();
    // the step's text first: the panel's top below the page's sticky top bar
    const bar = this.host.ownerDocument.querySelector('.topbar')?.getBoundingClientRect().bottom ?? 0;
    const top = this.host.getBoundingClientRect().top;
    if (top < bar) window.scrollBy(0, top - bar - 8);
    const view = s.page >= 0 ? s.doc.steps[s.page]!.view : '';
    if (view) this.hooks.reveal(view);
    this.host.querySelector<HTMLElement>('.lesson-page h3')?.focus({ preventScroll: true });
  }

  private async run(index: number): Promise<void> {
    const s = this.state;
    if (!s || s.running !== null) return;
    s.running = index;
    s.failures.delete(index);
    this.latestProgress = '';
    this.render();
    const view = s.doc.steps[index]!.view;
    if (view) this.hooks.reveal(view);
    try {
      const r = await this.client.call('lessonStep', { lesson: s.text, index });
      if (this.state !== s) return;
      for (const o of r.outcomes) {
        s.outcomes.set(o.index, o);
        if (this.hooks.remember !== false) saveStep(s.id, o.index, s.doc.steps.length, stepPassed(o));
      }
    } catch (e) {
      if (this.state !== s) return;
      s.failures.set(index, describeError(engineErrorOf(e)));
    } finally {
      if (this.state === s) {
        s.running = null;
        this.render();
        if (view) this.hooks.reveal(view);
      }
    }
  }

  private render(): void {
    const s = this.state;
    if (!s) return;
    const { doc } = s;
    const meta = [
      doc.chapter >= 1 && doc.chapter <= CHAPTERS.length ? `Chapter ${doc.chapter}: ${CHAPTERS[doc.chapter - 1]}` : '',
      doc.questions.length > 0 ? `answers ${doc.questions.join(', ')}` : '',
    ].filter((x) => x !== '');
    const dots = h('ol', { class: 'lesson-dots', 'aria-label': 'Steps' });
    const dot = (page: number, label: string, title: string): HTMLLIElement => {
      const o = page >= 0 ? s.outcomes.get(page) : undefined;
      const state = page < 0 ? '' : o ? (stepPassed(o) ? 'passed' : 'failed') : s.failures.has(page) ? 'failed' : '';
      const b = h('button', { type: 'button', class: 'lesson-dot', title, 'aria-current': page === s.page ? 'step' : undefined, 'data-state': state || undefined }, label);
      b.disabled = s.running !== null;
      b.addEventListener('click', () => this.go(page));
      return h('li', {}, b);
    };
    dots.append(dot(-1, 'Intro', 'Introduction'), ...doc.steps.map((st, i) => dot(i, String(i + 1), st.title)));
    const page = s.page < 0 ? this.intro(doc) : this.step(s, s.page, doc.steps[s.page]!);
    const prev = h('button', { type: 'button', id: 'lesson-prev' }, '‹ Back');
    prev.disabled = s.page < 0 || s.running !== null;
    prev.addEventListener('click', () => this.go(s.page - 1));
    const last = s.page === doc.steps.length - 1;
    const next = h('button', { type: 'button', id: 'lesson-next', class: s.page < 0 ? 'primary' : undefined }, s.page < 0 ? 'Start ›' : 'Next ›');
    next.disabled = last || s.running !== null;
    next.addEventListener('click', () => this.go(s.page + 1));
    const done = doc.steps.every((_, i) => stepPassed(s.outcomes.get(i)));
    const where = h('span', { class: 'muted small', text: s.page < 0 ? `${doc.steps.length} steps` : `Step ${s.page + 1} of ${doc.steps.length}` });
    this.host.replaceChildren(
      h(
        'div',
        { class: 'lesson-panel', id: 'lesson-panel', 'data-lesson': s.id, 'data-page': s.page, 'data-complete': done ? 'true' : undefined },
        this.hooks.title === false ? null : h('h2', { text: doc.title }),
        meta.length > 0 ? h('p', { class: 'lesson-meta muted small', text: meta.join(' · ') }) : null,
        dots,
        page,
        h('div', { class: 'lesson-nav' }, prev, where, next),
        done ? h('p', { class: 'lesson-done', role: 'status', text: 'Every step of this lesson checked out in this page.' }) : null,
      ),
    );
  }

  private intro(doc: LessonDoc): HTMLElement {
    return h('div', { class: 'lesson-page lesson-intro' }, h('div', { class: 'lesson-scroll' }, ...doc.intro.map((p) => h('p', { text: p }))));
  }

  private step(s: PanelState, index: number, step: LessonStepDoc): HTMLElement {
    const outcome = s.outcomes.get(index);
    const failure = s.failures.get(index);
    const running = s.running === index;
    const state = running ? 'running' : outcome ? (stepPassed(outcome) ? 'passed' : 'failed') : failure ? 'failed' : 'new';
    const root = h('section', { class: 'lesson-page lesson-step', 'data-lesson-step': index, 'data-state': state });
    // the text scrolls inside the panel; the prediction, Run and the checks stay below it, on
    // screen at 1366x768 however long the text
    const text = h('div', { class: 'lesson-scroll' }, h('h3', { tabindex: '-1', text: `${index + 1}. ${step.title}` }), ...step.paragraphs.map((p) => h('p', { text: p })));
    const foot = h('div', { class: 'lesson-foot' });
    root.append(text, foot);

    const picked = s.picks.get(index);
    const needsPick = step.predict !== null && step.predict.choices.length > 0 && picked === undefined;
    if (step.predict && step.predict.choices.length > 0) {
      const p = step.predict;
      const set = h('fieldset', { class: 'predict' }, h('legend', { text: `Predict first: ${p.prompt}` }));
      p.choices.forEach((choice, k) => {
        const input = h('input', { type: 'radio', name: `predict-${index}`, value: k });
        input.checked = picked === k;
        input.disabled = outcome !== undefined || running;
        input.addEventListener('change', () => {
          s.picks.set(index, k);
          this.render();
        });
        set.append(h('label', { class: 'predict-choice' }, input, ` ${choice}`));
      });
      if (outcome === undefined) foot.append(set);
      else text.append(set);
    }

    const run = h('button', { type: 'button', id: 'lesson-run', class: 'primary' }, running ? 'Running…' : outcome ? 'Run again' : 'Run this step');
    run.disabled = s.running !== null || needsPick;
    run.addEventListener('click', () => void this.run(index));
    this.progressText = h('span', { class: 'lesson-progress muted small', 'aria-live': 'polite', text: running ? this.latestProgress || 'starting…' : needsPick ? 'Pick an answer first.' : '' });
    foot.append(h('div', { class: 'row lesson-run' }, run, this.progressText));

    if (outcome && step.predict && picked !== undefined) {
      const p = step.predict;
      const right = p.answer < 0 ? null : picked === p.answer;
      const verdict = right === null ? 'Every answer was a fair guess.' : right ? 'Your prediction was right.' : `Not quite: the answer is “${p.choices[p.answer]}”.`;
      foot.append(h('div', { class: 'predict-answer', 'data-right': right === null ? undefined : String(right) }, h('p', {}, h('strong', { text: verdict })), ...paragraphs(p.explain).map((t) => h('p', { text: t }))));
    }

    if (step.expects.length > 0) {
      const list = h('ul', { class: 'lesson-checks', 'aria-label': 'What this step checks' });
      step.expects.forEach((what, k) => {
        const r = outcome?.expectations[k];
        const mark = r ? (r.pass ? MARK.pass : MARK.fail) : MARK.pending;
        const body = h('span', { class: 'check-body' }, h('span', { class: 'what', text: r?.what || what }));
        const li = h('li', { class: 'lesson-check', 'data-pass': r ? String(r.pass) : undefined }, h('span', { class: 'mark', 'aria-hidden': 'true', text: mark }), body);
        if (r) {
          body.append(' = ', h('span', { class: 'value', text: formatValue(r.value) }));
          if (!r.pass) body.append(h('span', { class: 'expected', text: r.error ? ` (${r.error})` : ` (expected ${r.expected})` }));
          li.setAttribute('aria-label', `${r.pass ? 'holds' : 'does not hold'}: ${r.what} = ${formatValue(r.value)}, expected ${r.expected}`);
        }
        list.append(li);
      });
      foot.append(list);
    }
    const error = failure ?? outcome?.error;
    if (error) foot.append(h('p', { class: 'inline-error', role: 'alert', text: `This step could not run: ${error}` }));
    if (outcome && outcome.variants.length > 0) text.append(variantsTable(outcome));
    if (outcome && outcome.notes.length > 0) {
      text.append(
        h(
          'details',
          { class: 'lesson-notes muted small' },
          h('summary', { text: `What ran (now at training step ${outcome.stepsDone})` }),
          h('ul', {}, ...outcome.notes.map((n) => h('li', { text: n }))),
        ),
      );
    }
    return root;
  }
}

function variantsTable(o: LessonStepOutcome): HTMLElement {
  const body = h('tbody');
  for (const v of o.variants) {
    body.append(
      h(
        'tr',
        {},
        h('th', { scope: 'row', text: v.label }),
        h('td', { text: String(v.steps) }),
        h('td', { text: formatValue(v.loss) }),
        h('td', { text: v.divergedAt > 0 ? `stopped at step ${v.divergedAt}` : '' }),
      ),
    );
  }
  return h(
    'table',
    { class: 'lesson-variants' },
    h('caption', { class: 'muted small', text: 'Variants (trained alongside)' }),
    h('thead', {}, h('tr', {}, h('th', { text: 'variant' }), h('th', { text: 'steps' }), h('th', { text: 'last loss' }), h('th', { text: '' }))),
    body,
  );
}
