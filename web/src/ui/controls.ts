// The training bar: play/pause, one step, train N steps, reset, speed, and the step
// counter. It only reports clicks; the workspace decides what they do. Space toggles play
// from anywhere on the page except where Space already means something (typing, a
// button, a select, the JSON editor).
import { button, field, h } from './dom';
import { SPEED_STEPS_PER_SECOND } from '../engine/protocol';
import { formatNumber } from '../viz/format';

export interface ControlsHandlers {
  play(): void;
  pause(): void;
  step(): void;
  trainN(n: number): void;
  reset(): void;
  speed(level: number): void;
}

/** What each speed level does, in the words the slider shows: the worker's target rate. */
export const SPEED_NAMES = SPEED_STEPS_PER_SECOND.map((r) => (Number.isFinite(r) ? `${r} steps/s` : 'no limit'));

/**
 * The training rate as measured from the step counts the worker reports: steps done over
 * the wall time they took, across the last `windowMs` (at least two reports apart).
 */
export class RateMeter {
  private readonly samples: Array<{ t: number; step: number }> = [];
  constructor(private readonly windowMs = 1000) {}
  add(t: number, step: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && (step < last.step || t < last.t)) this.samples.length = 0; // reset or a new run
    this.samples.push({ t, step });
    while (this.samples.length > 2 && t - this.samples[1]!.t >= this.windowMs) this.samples.shift();
  }
  clear(): void {
    this.samples.length = 0;
  }
  /** Steps per second over the window, 0 until two reports at least 200 ms apart. */
  rate(): number {
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    if (!a || !b || b.t - a.t < 200) return 0;
    return ((b.step - a.step) * 1000) / (b.t - a.t);
  }
}

export class TrainingControls {
  readonly root: HTMLDivElement;
  private readonly playBtn: HTMLButtonElement;
  private readonly stepBtn: HTMLButtonElement;
  private readonly trainBtn: HTMLButtonElement;
  private readonly resetBtn: HTMLButtonElement;
  private readonly stepsInput: HTMLInputElement;
  private readonly speedInput: HTMLInputElement;
  private readonly speedText: HTMLOutputElement;
  private readonly counter: HTMLSpanElement;
  private readonly rate: HTMLSpanElement;
  private playing = false;

  constructor(host: HTMLElement, private readonly on: ControlsHandlers) {
    this.playBtn = button('Play', { id: 'play', class: 'primary play', 'aria-pressed': 'false', title: 'Train continuously (Space)', 'aria-keyshortcuts': 'Space' });
    this.stepBtn = button('Step', { id: 'step', title: 'One training step' });
    this.stepsInput = h('input', { id: 'train-steps', type: 'number', min: 1, max: 100000, step: 1, value: 100, class: 'narrow' });
    this.trainBtn = button('Train', { id: 'train-n', title: 'Train exactly this many steps' });
    this.resetBtn = button('Reset', { id: 'reset', title: 'Back to step 0 with fresh weights from the seed' });
    this.speedInput = h('input', { id: 'speed', type: 'range', min: 1, max: 5, step: 1, value: 5, title: 'How many training steps per second Play aims at; the rate under the step count is the measured one' });
    this.speedText = h('output', { for: 'speed', class: 'muted' }, SPEED_NAMES[4]!);
    this.counter = h('span', { id: 'step-counter', 'aria-live': 'off' }, '–');
    this.rate = h('span', { class: 'muted rate', title: 'Measured: training steps per second over the last second' });

    this.playBtn.addEventListener('click', () => this.toggle());
    host.ownerDocument.addEventListener('keydown', (e) => {
      if (e.key !== ' ' || e.repeat || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.shiftKey) return;
      if (spaceIsTaken(e.composedPath()[0])) return;
      e.preventDefault(); // no page scroll
      if (!this.playBtn.disabled) this.toggle();
    });
    this.stepBtn.addEventListener('click', () => this.on.step());
    const trainN = () => {
      const n = Number(this.stepsInput.value);
      if (Number.isInteger(n) && n >= 1 && n <= 100000) {
        this.stepsInput.removeAttribute('aria-invalid');
        this.on.trainN(n);
      } else this.stepsInput.setAttribute('aria-invalid', 'true');
    };
    this.trainBtn.addEventListener('click', trainN);
    this.stepsInput.addEventListener('keydown', (e) => e.key === 'Enter' && trainN());
    this.resetBtn.addEventListener('click', () => this.on.reset());
    this.speedInput.addEventListener('input', () => {
      const v = Number(this.speedInput.value);
      this.speedText.textContent = SPEED_NAMES[v - 1] ?? '';
      this.on.speed(v);
    });

    const stepsLabel = h('label', { for: 'train-steps', class: 'visually-hidden', text: 'Steps to train' });
    this.root = h(
      'div',
      { class: 'controls', role: 'toolbar', 'aria-label': 'Training' },
      this.resetBtn,
      this.playBtn,
      this.stepBtn,
      h('span', { class: 'train-n' }, stepsLabel, this.stepsInput, this.trainBtn),
      h('span', { class: 'counter' }, h('span', { class: 'muted', text: 'Step ' }), this.counter, this.rate),
      field('Speed', this.speedInput),
      this.speedText,
    );
    host.append(this.root);
    this.setEnabled(false);
  }

  private toggle(): void {
    if (this.playing) this.on.pause();
    else this.on.play();
  }

  setPlaying(playing: boolean): void {
    if (this.playing === playing && this.playBtn.getAttribute('aria-pressed') === String(playing)) return;
    this.playing = playing;
    this.playBtn.setAttribute('aria-pressed', String(playing));
    this.playBtn.textContent = playing ? 'Pause' : 'Play';
    this.playBtn.classList.toggle('playing', playing);
  }

  /** `stepsPerSecond`: the measured rate (0 hides it). */
  setStep(step: number, stepsPerSecond = 0): void {
    // text updated in place, and only when it changes (this runs once per frame while playing)
    const text = STEP_FORMAT.format(step);
    if (this.counter.textContent !== text) this.counter.textContent = text;
    if (this.counter.dataset.step !== String(step)) this.counter.dataset.step = String(step);
    // shown under the count: the measured rate (RateMeter), not the target
    const rate = stepsPerSecond > 0 ? `${formatNumber(stepsPerSecond, 2)} steps/s` : '';
    if (this.rate.textContent !== rate) {
      this.rate.textContent = rate;
      this.rate.dataset.rate = String(stepsPerSecond);
    }
  }

  setSpeed(level: number): void {
    this.speedInput.value = String(level);
    this.speedText.textContent = SPEED_NAMES[level - 1] ?? '';
  }

  setEnabled(enabled: boolean): void {
    for (const b of [this.playBtn, this.stepBtn, this.trainBtn, this.resetBtn]) b.disabled = !enabled;
  }
}

const STEP_FORMAT = new Intl.NumberFormat('en-US');

/** Roles whose element answers Space itself (WAI-ARIA keyboard patterns). */
const SPACE_ROLES = new Set(['button', 'checkbox', 'combobox', 'listbox', 'menuitem', 'option', 'radio', 'slider', 'spinbutton', 'switch', 'tab', 'textbox']);

/**
 * Space belongs to the focused element: a text field or any other input, a select, a
 * button or link-like control, an editable region (the CodeMirror JSON editor), or
 * anything inside such an element.
 */
export function spaceIsTaken(target: EventTarget | undefined): boolean {
  for (let el = target instanceof Element ? target : null; el; el = el.parentElement ?? hostOf(el)) {
    if (el instanceof HTMLElement && el.isContentEditable) return true;
    if (el.matches('input, textarea, select, button, summary, a[href], audio, video, iframe, .cm-editor')) return true;
    const role = el.getAttribute('role');
    if (role && SPACE_ROLES.has(role)) return true;
  }
  return false;
}

function hostOf(el: Element): Element | null {
  const root = el.getRootNode();
  return root instanceof ShadowRoot ? root.host : null;
}
