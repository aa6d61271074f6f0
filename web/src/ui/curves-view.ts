// The `curves` view: loss and accuracy over training steps, train (every step) and test
// (every evaluation), drawn with the viz LineChart. gradlabData: {train: Metrics[], test: Metrics[]}.
import type { Metrics } from '../engine/types';
import { LineChart, type Series } from '../viz/line-chart';
import { h } from './dom';

const MAX_ROWS = 20000;

/** Which numbers to plot: the first present of each group. */
const LOSS_KEYS = ['loss'];
const GAN_KEYS = ['d_loss', 'g_loss'];
const ACC_KEYS = ['accuracy', 'token_accuracy', 'sequence_accuracy', 'high_quality_fraction'];

export class CurvesView {
  readonly root: HTMLDivElement & { gradlabData?: unknown };
  private readonly loss: LineChart;
  private readonly acc: LineChart;
  private readonly accHost: HTMLDivElement;
  private train: Metrics[] = [];
  private test: Metrics[] = [];

  constructor(host: HTMLElement) {
    this.root = h('div', { class: 'view curves', 'data-view': 'curves' });
    const lossHost = h('div');
    this.accHost = h('div');
    this.root.append(lossHost, this.accHost);
    host.append(this.root);
    this.loss = new LineChart(lossHost, { xLabel: 'step', yLabel: 'loss', yScale: 'log', logToggle: true, height: 170, title: 'Loss' });
    this.acc = new LineChart(this.accHost, { xLabel: 'step', yLabel: 'accuracy', yDomain: [0, 1], height: 140, title: 'Accuracy' });
    this.publish();
  }

  clear(): void {
    this.train = [];
    this.test = [];
    this.redraw();
  }

  addTrain(rows: Metrics[]): void {
    for (const r of rows) this.train.push(r);
    if (this.train.length > MAX_ROWS) this.train = this.train.filter((_, i) => i % 2 === 0 || i === this.train.length - 1);
  }

  addTest(row: Metrics): void {
    const last = this.test[this.test.length - 1];
    if (last && last.step === row.step) this.test[this.test.length - 1] = row;
    else this.test.push(row);
  }

  /** Drop rows after a step (a checkpoint load or reset went back in time). */
  truncate(step: number): void {
    this.train = this.train.filter((r) => (r.step ?? 0) <= step);
    this.test = this.test.filter((r) => (r.step ?? 0) <= step);
  }

  redraw(): void {
    const gan = this.train.some((r) => typeof r.d_loss === 'number');
    const lossKeys = gan ? GAN_KEYS : LOSS_KEYS;
    const series: Series[] = [];
    for (const key of lossKeys) {
      series.push(smoothed(seriesOf(`train ${key}`, this.train, key)));
      if (!gan) series.push({ ...seriesOf(`test ${key}`, this.test, key), dash: [5, 3], points: true });
    }
    this.loss.update(series);
    const accKey = ACC_KEYS.find((k) => this.train.some((r) => typeof r[k] === 'number') || this.test.some((r) => typeof r[k] === 'number'));
    this.accHost.hidden = accKey === undefined;
    if (accKey) {
      this.acc.update([
        smoothed(seriesOf(`train ${accKey.replace('_', ' ')}`, this.train, accKey)),
        { ...seriesOf(`test ${accKey.replace('_', ' ')}`, this.test, accKey), dash: [5, 3], points: true },
      ]);
    }
    this.publish();
  }

  dispose(): void {
    this.loss.dispose();
    this.acc.dispose();
    this.root.remove();
  }

  private publish(): void {
    this.root.gradlabData = { train: this.train, test: this.test };
  }
}

function seriesOf(name: string, rows: Metrics[], key: string): Series {
  const x: number[] = [];
  const y: Array<number | null> = [];
  for (const r of rows) {
    const v = r[key];
    x.push(r.step ?? x.length);
    y.push(typeof v === 'number' && Number.isFinite(v) ? v : null);
  }
  return { name, x, y };
}

/** Per-step train numbers are noisy (one batch each): draw an exponential moving average. */
function smoothed(s: Series, alpha = 0.1): Series {
  const y: Array<number | null> = [];
  let avg: number | null = null;
  for (let i = 0; i < s.y.length; i++) {
    const v = s.y[i];
    if (v === null || v === undefined) {
      y.push(null);
      continue;
    }
    avg = avg === null ? v : avg + alpha * (v - avg);
    y.push(avg);
  }
  return { ...s, name: `${s.name} (smoothed)`, y };
}
