// The `curves` view: loss and accuracy over training steps, train (every step) and test
// (every evaluation), drawn with the viz LineChart. gradlabData: {train: Metrics[], test:
// Metrics[], drawn: {loss: {name, points}[], accuracy: {name, points}[]}} (drawn: each plotted
// series and its number of finite points; an empty list is a chart saying "no data yet").
// Per-step train numbers are noisy (one batch each): each is drawn as an exponential moving
// average with the raw values faint behind it. The plotted columns grow incrementally as
// rows arrive (no per-frame rebuild of thousands of points).
import type { Metrics } from '../engine/types';
import { LineChart, type Series } from '../viz/line-chart';
import { classColor } from '../viz/scales';
import { h } from './dom';

const MAX_ROWS = 20000;
const ALPHA = 0.1;

/** Which numbers to plot: the first present of each group. */
const LOSS_KEYS = ['loss'];
const GAN_KEYS = ['d_loss', 'g_loss'];
const ACC_KEYS = ['accuracy', 'token_accuracy', 'sequence_accuracy', 'high_quality_fraction'];

/** One metric over steps: x, the raw values and their running average, appended in place. */
export class Column {
  x: number[] = [];
  raw: Array<number | null> = [];
  smooth: Array<number | null> = [];
  private avg: number | null = null;
  any = false;

  push(step: number, v: unknown): void {
    const value = typeof v === 'number' && Number.isFinite(v) ? v : null;
    this.x.push(step);
    this.raw.push(value);
    if (value !== null) {
      this.any = true;
      this.avg = this.avg === null ? value : this.avg + ALPHA * (value - this.avg);
    }
    this.smooth.push(value === null ? null : this.avg);
  }

  /** Keeps every second point (a long run): the curve's shape stays, the cost halves. */
  thin(): void {
    const keep = (_: unknown, i: number): boolean => i % 2 === 0 || i === this.x.length - 1;
    this.x = this.x.filter(keep);
    this.raw = this.raw.filter(keep);
    this.smooth = this.smooth.filter(keep);
  }
}

export class CurvesView {
  readonly root: HTMLDivElement & { gradlabData?: unknown };
  private readonly loss: LineChart;
  private readonly acc: LineChart;
  private readonly accHost: HTMLDivElement;
  private train: Metrics[] = [];
  private test: Metrics[] = [];
  private trainCols = new Map<string, Column>();
  private testCols = new Map<string, Column>();
  private gan = false;
  private drawn: { loss: Drawn[]; accuracy: Drawn[] } = { loss: [], accuracy: [] };

  constructor(host: HTMLElement) {
    this.root = h('div', { class: 'view curves', 'data-view': 'curves' });
    const lossHost = h('div');
    this.accHost = h('div');
    this.root.append(lossHost, this.accHost);
    host.append(this.root);
    this.loss = new LineChart(lossHost, { xLabel: 'step', yLabel: 'loss', yScale: 'log', logToggle: true, height: 170, title: 'Loss' });
    this.acc = new LineChart(this.accHost, { xLabel: 'step', yLabel: 'accuracy', yDomain: [0, 1], height: 140, title: 'Accuracy' });
    this.accHost.hidden = true;
    this.publish();
  }

  /** Forget every row (a new session, a reset): the next rows say which losses to plot. */
  clear(): void {
    this.train = [];
    this.test = [];
    this.trainCols.clear();
    this.testCols.clear();
    if (this.gan) {
      // the next experiment may not be a GAN: its loss is one positive number again
      this.gan = false;
      this.loss.setYScale('log', false);
    }
    this.redraw();
  }

  addTrain(rows: Metrics[]): void {
    for (const r of rows) {
      this.train.push(r);
      if (!this.gan && typeof r.d_loss === 'number') {
        this.gan = true;
        // a GAN's losses can be negative (a WGAN critic): a linear axis from the start
        this.loss.setYScale('linear');
      }
      const step = r.step ?? this.train.length;
      for (const key of [...LOSS_KEYS, ...GAN_KEYS, ...ACC_KEYS]) {
        const v = r[key];
        if (v === undefined && !this.trainCols.has(key)) continue;
        col(this.trainCols, key).push(step, v);
      }
    }
    if (this.train.length > MAX_ROWS) {
      this.train = this.train.filter((_, i) => i % 2 === 0 || i === this.train.length - 1);
      for (const c of this.trainCols.values()) c.thin();
    }
  }

  addTest(row: Metrics): void {
    const last = this.test[this.test.length - 1];
    if (last && last.step === row.step) {
      this.test[this.test.length - 1] = row;
      for (const c of this.testCols.values()) {
        c.x.pop();
        c.raw.pop();
        c.smooth.pop();
      }
    } else this.test.push(row);
    const step = row.step ?? this.test.length;
    for (const key of [...LOSS_KEYS, ...ACC_KEYS]) {
      if (row[key] === undefined && !this.testCols.has(key)) continue;
      col(this.testCols, key).push(step, row[key]);
    }
  }

  /** Drop rows after a step (a checkpoint load or reset went back in time). */
  truncate(step: number): void {
    const train = this.train.filter((r) => (r.step ?? 0) <= step);
    const test = this.test.filter((r) => (r.step ?? 0) <= step);
    this.clear();
    this.addTrain(train);
    for (const r of test) this.addTest(r);
  }

  redraw(): void {
    const lossKeys = this.gan ? GAN_KEYS : LOSS_KEYS;
    const raw: Series[] = [];
    const lines: Series[] = [];
    lossKeys.forEach((key, i) => {
      const c = this.trainCols.get(key);
      const color = classColor(2 * i);
      if (c) {
        raw.push({ name: `train ${label(key)} (raw)`, x: c.x, y: c.raw, color, alpha: 0.22, width: 1, legend: false });
        lines.push({ name: `train ${label(key)} (smoothed)`, x: c.x, y: c.smooth, color });
      }
      const t = this.testCols.get(key);
      if (t && !this.gan) lines.push({ name: `test ${label(key)}`, x: t.x, y: t.raw, color: classColor(2 * i + 1), dash: [5, 3], points: true });
    });
    this.loss.update([...raw, ...lines]);
    this.drawn = { loss: drawnOf(lines), accuracy: [] };
    const accKey = ACC_KEYS.find((k) => this.trainCols.get(k)?.any || this.testCols.get(k)?.any);
    this.accHost.hidden = accKey === undefined;
    if (accKey) {
      const c = this.trainCols.get(accKey);
      const t = this.testCols.get(accKey);
      const series: Series[] = [];
      if (c) {
        series.push({ name: `train ${label(accKey)} (raw)`, x: c.x, y: c.raw, color: classColor(0), alpha: 0.22, width: 1, legend: false });
        series.push({ name: `train ${label(accKey)} (smoothed)`, x: c.x, y: c.smooth, color: classColor(0) });
      }
      if (t) series.push({ name: `test ${label(accKey)}`, x: t.x, y: t.raw, color: classColor(1), dash: [5, 3], points: true });
      this.acc.update(series);
      this.drawn.accuracy = drawnOf(series.filter((s) => s.legend !== false));
    }
    this.publish();
  }

  dispose(): void {
    this.loss.dispose();
    this.acc.dispose();
    this.root.remove();
  }

  private publish(): void {
    this.root.gradlabData = { train: this.train, test: this.test, drawn: this.drawn };
  }
}

function col(m: Map<string, Column>, key: string): Column {
  let c = m.get(key);
  if (!c) {
    c = new Column();
    m.set(key, c);
  }
  return c;
}

interface Drawn {
  name: string;
  points: number;
}

/** Each series by name with its number of finite points (what the chart can draw). */
function drawnOf(series: Series[]): Drawn[] {
  return series.map((s) => {
    let points = 0;
    for (let i = 0; i < s.y.length; i++) if (Number.isFinite(s.y[i])) points++;
    return { name: s.name, points };
  });
}

function label(key: string): string {
  return key.replace(/_/g, ' ');
}
