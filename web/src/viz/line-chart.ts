// LineChart: several series over a shared x axis (training step, time position t), with a
// linear or log y axis, an HTML legend, and a hover readout of every series at the nearest x.
// Gaps: a null / non-finite y (or y <= 0 on a log axis) breaks the line.
//
//   const chart = new LineChart(host, {xLabel: 'step', yLabel: 'loss', yScale: 'log', logToggle: true});
//   chart.update([{name: 'train', x: [0, 10, 20], y: [2.3, 1.1, 0.4]},
//                 {name: 'test', x: [0, 20], y: [2.4, 0.6], dash: [5, 3]}]);
//   chart.dispose();

import { drawAxes, formatPow10, plotBox, type Box } from './axes';
import { classColor, extent, formatNumber, linearScale, logExtent, logScale, type AxisScale } from './scales';
import { DataTable, el, KeyCursor, Surface, Tooltip, type CursorRead, type TableContent, type Theme } from './surface';

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number | null>;
  color?: string; // CSS colour; default: the class palette by index
  dash?: number[];
  width?: number;
  points?: boolean; // draw a dot at every point (few points, e.g. evaluations)
  legend?: boolean; // false: leave out of the legend (still in the hover readout)
  alpha?: number; // opacity of the line (e.g. 0.25 for raw values behind their smoothed curve)
  hover?: boolean; // false: leave out of the hover readout
}

export interface LineChartOptions {
  xLabel?: string;
  yLabel?: string;
  yScale?: 'linear' | 'log';
  logToggle?: boolean; // show a "log y" checkbox
  height?: number;
  xInteger?: boolean; // default true (steps)
  yDomain?: [number, number]; // fixed y range (e.g. [0, 1] for accuracy)
  title?: string;
  xFormat?: (x: number) => string; // hover readout of x, default "step 12"
}

export class LineChart {
  readonly root: HTMLDivElement;
  private readonly surface: Surface;
  private readonly tooltip: Tooltip;
  private readonly legend: HTMLDivElement;
  private readonly logBox: HTMLInputElement | null = null;
  private series: Series[] = [];
  private yScaleKind: 'linear' | 'log';
  private last: { box: Box; x: AxisScale; y: AxisScale } | null = null;
  private hoverX: number | null = null;
  private legendKey = '';
  /** the student ticked or unticked "log y": no automatic switch after that */
  private scaleChosen = false;
  readonly cursor: KeyCursor;
  readonly table: DataTable;
  /** every x of every series, ascending, without repeats (the keyboard cursor's positions) */
  private xs: number[] | null = null;

  constructor(host: HTMLElement, private readonly options: LineChartOptions = {}) {
    this.root = el('div', 'gl-chart');
    this.yScaleKind = options.yScale ?? 'linear';
    const head = el('div', 'gl-chart-head');
    if (options.title) head.appendChild(el('span', 'gl-chart-title', options.title));
    this.legend = el('div', 'gl-legend');
    head.appendChild(this.legend);
    if (options.logToggle) {
      const label = el('label', 'gl-check');
      const box = el('input');
      box.type = 'checkbox';
      box.checked = this.yScaleKind === 'log';
      box.addEventListener('change', () => {
        this.scaleChosen = true;
        this.setYScale(box.checked ? 'log' : 'linear');
      });
      label.append(box, document.createTextNode(' log y'));
      head.appendChild(label);
      this.logBox = box;
    }
    const what = options.title ?? options.yLabel ?? 'line chart';
    this.table = new DataTable(() => this.tableContent(), what);
    head.appendChild(this.table.toggle);
    this.root.appendChild(head);
    host.appendChild(this.root);
    this.surface = new Surface(this.root, (ctx, w, h, t) => this.draw(ctx, w, h, t), {
      height: options.height ?? 200,
      label: what,
    });
    this.tooltip = new Tooltip(this.surface);
    this.root.appendChild(this.table.box);
    const c = this.surface.canvas;
    c.addEventListener('pointermove', (e) => this.hover(e));
    c.addEventListener('pointerleave', () => {
      if (document.activeElement === c) return this.cursor.refresh();
      this.hoverX = null;
      this.tooltip.hide();
      this.surface.requestDraw();
    });
    this.cursor = new KeyCursor(this.surface, this.tooltip, {
      grid: () => ({ rows: 1, cols: this.allX().length }),
      read: (_row, col) => this.readX(this.allX()[col]!),
      start: 'last',
      onMove: (cell) => {
        this.hoverX = cell ? (this.allX()[cell.col] ?? null) : null;
        this.surface.requestDraw();
      },
    });
  }

  update(series: Series[]): void {
    this.series = series;
    this.xs = null;
    // the legend is DOM: rebuilt only when its entries change, not on every data update
    const key = series.map((s, i) => (s.legend === false ? '' : `${s.name}|${s.color ?? classColor(i)}|${s.dash ? 1 : 0}`)).join('\n');
    if (key !== this.legendKey) {
      this.legendKey = key;
      this.legend.replaceChildren(
        ...series.flatMap((s, i) => {
          if (s.legend === false) return [];
          const item = el('span', 'gl-legend-item');
          const sw = el('span', 'gl-swatch');
          sw.style.background = s.color ?? classColor(i);
          if (s.dash) sw.classList.add('gl-swatch-dashed');
          item.append(sw, document.createTextNode(s.name));
          return [item];
        }),
      );
    }
    this.surface.requestDraw();
    this.table.refresh();
    this.cursor.refresh();
  }

  setYScale(kind: 'linear' | 'log', redraw = true): void {
    this.yScaleKind = kind;
    if (this.logBox) this.logBox.checked = kind === 'log';
    if (redraw) this.surface.requestDraw();
  }

  setLabels(xLabel: string | undefined, yLabel: string | undefined): void {
    this.options.xLabel = xLabel;
    this.options.yLabel = yLabel;
    this.surface.requestDraw();
  }

  get yScale(): 'linear' | 'log' {
    return this.yScaleKind;
  }

  dispose(): void {
    this.surface.dispose();
    this.root.remove();
  }

  private draw(ctx: CanvasRenderingContext2D, w: number, h: number, theme: Theme): void {
    const box = plotBox(w, h, { left: 58, bottom: 40 });
    // extents in one pass, without copying the series
    let x0 = Infinity;
    let x1 = -Infinity;
    let lo = Infinity;
    let hi = -Infinity;
    let posLo = Infinity;
    let count = 0;
    for (const s of this.series) {
      const n = Math.min(s.x.length, s.y.length);
      for (let i = 0; i < n; i++) {
        const xv = s.x[i]!;
        const v = s.y[i];
        if (!Number.isFinite(xv)) continue;
        if (xv < x0) x0 = xv;
        if (xv > x1) x1 = xv;
        count++;
        if (v === null || v === undefined || !Number.isFinite(v)) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        if (v > 0 && v < posLo) posLo = v;
      }
    }
    // a log axis cannot show zero or negative values (a GAN's losses, a critic's score):
    // switch to linear unless the student chose the scale
    if (this.yScaleKind === 'log' && !this.scaleChosen && !this.options.yDomain && lo <= 0) this.setYScale('linear', false);
    const log = this.yScaleKind === 'log';
    if (!(x1 >= x0)) {
      x0 = 0;
      x1 = 1;
    }
    let yd: [number, number];
    if (this.options.yDomain) yd = this.options.yDomain;
    else if (log) yd = posLo < Infinity ? logExtent([posLo, hi]) : logExtent([]);
    else yd = padded(lo <= hi ? [lo, hi] : extent([]));
    const x = linearScale([x0, x1 > x0 ? x1 : x0 + 1], [box.left, box.right]);
    const y = log ? logScale(yd, [box.bottom, box.top]) : linearScale(yd, [box.bottom, box.top]);
    const yLabel = (this.options.yLabel ?? '') + (log ? ' (log scale)' : '');
    drawAxes(ctx, box, x, y, theme, {
      xLabel: this.options.xLabel,
      yLabel,
      xInteger: this.options.xInteger ?? true,
      yFormat: log ? formatPow10 : undefined,
    });
    this.last = { box, x, y };
    if (this.series.length === 0 || count === 0) {
      ctx.fillStyle = theme.muted;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText('no data yet', (box.left + box.right) / 2, (box.top + box.bottom) / 2);
      return;
    }
    ctx.save();
    ctx.beginPath();
    ctx.rect(box.left, box.top - 2, box.width + 2, box.height + 4);
    ctx.clip();
    this.series.forEach((s, si) => {
      const color = s.color ?? classColor(si);
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.globalAlpha = s.alpha ?? 1;
      ctx.lineWidth = s.width ?? 1.75;
      ctx.setLineDash(s.dash ?? []);
      ctx.beginPath();
      traceLine(ctx, s, x, y, log);
      ctx.stroke();
      ctx.setLineDash([]);
      const n = Math.min(s.x.length, s.y.length);
      if ((s.points && n <= box.width / 3) || n === 1) {
        for (let i = 0; i < n; i++) {
          const v = s.y[i];
          if (v === null || v === undefined || !Number.isFinite(v) || (log && v <= 0)) continue;
          ctx.beginPath();
          ctx.arc(x(s.x[i]!), y(v), 2.5, 0, Math.PI * 2);
          ctx.fill();
        }
      }
      ctx.globalAlpha = 1;
    });
    ctx.restore();
    if (this.hoverX !== null) {
      ctx.strokeStyle = theme.muted;
      ctx.setLineDash([2, 3]);
      ctx.beginPath();
      ctx.moveTo(Math.round(x(this.hoverX)) + 0.5, box.top);
      ctx.lineTo(Math.round(x(this.hoverX)) + 0.5, box.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }

  private hover(e: PointerEvent): void {
    if (!this.last) return;
    const p = this.surface.pointer(e);
    const { box, x } = this.last;
    if (p.x < box.left || p.x > box.right || p.y < box.top || p.y > box.bottom) {
      this.tooltip.hide();
      return;
    }
    const xv = x.invert(p.x);
    let best: number | null = null;
    for (const s of this.series) {
      const i = nearestIndex(s.x, xv);
      if (i >= 0 && (best === null || Math.abs(s.x[i]! - xv) < Math.abs(best - xv))) best = s.x[i]!;
    }
    if (best === null) return;
    this.hoverX = best;
    this.tooltip.show(p.x, p.y, this.linesAt(best));
    this.surface.requestDraw();
  }

  /** The read-out at x: its label and every series' value there. */
  private linesAt(xv: number): string[] {
    const fmt = this.options.xFormat ?? ((v: number) => `${this.options.xLabel ?? 'x'} ${formatNumber(v)}`);
    const lines = [fmt(xv)];
    for (const s of this.series) {
      if (s.hover === false) continue;
      const i = nearestIndex(s.x, xv);
      if (i >= 0 && s.x[i] === xv) lines.push(`${s.name}: ${formatNumber(s.y[i] ?? null, 4)}`);
    }
    return lines;
  }

  /** The keyboard cursor's read-out at x, placed at the first value drawn there. */
  private readX(xv: number | undefined): CursorRead | null {
    if (xv === undefined) return null;
    const lines = this.linesAt(xv);
    if (!this.last) return { x: 0, y: 0, lines };
    const { box, x, y } = this.last;
    let py = (box.top + box.bottom) / 2;
    for (const s of this.series) {
      const i = nearestIndex(s.x, xv);
      const v = i >= 0 && s.x[i] === xv ? s.y[i] : null;
      if (v !== null && v !== undefined && Number.isFinite(v) && (this.yScaleKind !== 'log' || v > 0)) {
        py = Math.min(box.bottom, Math.max(box.top, y(v)));
        break;
      }
    }
    return { x: x(xv), y: py, lines };
  }

  /** Every x of the series, ascending, once each. */
  private allX(): number[] {
    if (this.xs) return this.xs;
    const set = new Set<number>();
    for (const s of this.series) for (let i = 0; i < s.x.length; i++) if (Number.isFinite(s.x[i]!)) set.add(s.x[i]!);
    this.xs = [...set].sort((a, b) => a - b);
    return this.xs;
  }

  /** The table: a row per x (at most 1000: long runs show evenly spaced rows and the last), a column per series. */
  private tableContent(): TableContent {
    const xs = this.allX();
    const MAX = 1000;
    const stride = Math.ceil(xs.length / MAX);
    const picked = stride > 1 ? xs.filter((_, i) => i % stride === 0 || i === xs.length - 1) : xs;
    const shown = this.series.filter((s) => s.hover !== false);
    const rows = picked.map((xv) => [
      xv,
      ...shown.map((s) => {
        const i = nearestIndex(s.x, xv);
        return i >= 0 && s.x[i] === xv ? (s.y[i] ?? null) : null;
      }),
    ]);
    return {
      caption: this.options.title ?? this.options.yLabel ?? 'line chart',
      head: [this.options.xLabel ?? 'x', ...shown.map((s) => s.name)],
      rows,
      note: stride > 1 ? `${xs.length} points: every ${stride}th row shown, and the last.` : undefined,
    };
  }
}

/**
 * The path of a series, at most a few segments per pixel column: where many points fall in
 * one column (a long run on a narrow chart) it draws their first, lowest, highest and last
 * value, so the line looks the same as with every point but costs O(pixels) to stroke.
 */
export function traceLine(ctx: Pick<CanvasRenderingContext2D, 'moveTo' | 'lineTo'>, s: Series, x: (v: number) => number, y: (v: number) => number, log: boolean): number {
  const n = Math.min(s.x.length, s.y.length);
  let pen = false;
  let segments = 0;
  let col = NaN;
  let first = 0;
  let min = 0;
  let max = 0;
  let last = 0;
  let px = 0;
  const flush = (): void => {
    // the column's points: first, min and max (in order of value), last
    ctx.lineTo(px, first);
    if (min !== first) ctx.lineTo(px, min);
    if (max !== min) ctx.lineTo(px, max);
    if (last !== max) ctx.lineTo(px, last);
    segments += 4;
  };
  for (let i = 0; i < n; i++) {
    const v = s.y[i];
    if (v === null || v === undefined || !Number.isFinite(v) || (log && v <= 0)) {
      if (pen && !Number.isNaN(col)) flush();
      pen = false;
      col = NaN;
      continue;
    }
    const cx = x(s.x[i]!);
    const cy = y(v);
    const c = Math.round(cx);
    if (!pen) {
      ctx.moveTo(cx, cy);
      pen = true;
      col = c;
      px = cx;
      first = min = max = last = cy;
      continue;
    }
    if (c === col) {
      if (cy < min) min = cy;
      if (cy > max) max = cy;
      last = cy;
      continue;
    }
    flush();
    col = c;
    px = cx;
    first = min = max = last = cy;
  }
  if (pen && !Number.isNaN(col)) flush();
  return segments;
}

function padded([lo, hi]: [number, number]): [number, number] {
  if (lo === hi) return [lo - 1, hi + 1];
  const pad = 0.05 * (hi - lo);
  return [lo >= 0 && lo - pad < 0 ? 0 : lo - pad, hi + pad];
}

/** Index of the x closest to v (x ascending, as steps are); -1 when empty. */
export function nearestIndex(xs: ArrayLike<number>, v: number): number {
  const n = xs.length;
  if (n === 0) return -1;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= v) lo = mid;
    else hi = mid;
  }
  return Math.abs(xs[lo]! - v) <= Math.abs(xs[hi]! - v) ? lo : hi;
}
