// Histogram: fixed bins (edges + counts, as the engine's params snapshot hands them out) as
// bars, with the count of values outside the range noted, and a hover readout of the bin
// under the pointer ("[-0.12, -0.08): 14 values").
//
//   const h = new Histogram(host, {xLabel: 'weight value', color: 'var(--accent)'});
//   h.update({edges: [-1, -0.5, 0, 0.5, 1], counts: [3, 10, 12, 2]});

import { drawAxes, plotBox, type Box } from './axes';
import { formatNumber, linearScale, type AxisScale } from './scales';
import { DataTable, el, KeyCursor, Surface, Tooltip, type CursorRead, type Theme } from './surface';

export interface HistogramData {
  edges: ArrayLike<number>; // bins + 1, ascending
  counts: ArrayLike<number>; // bins
  below?: number; // values left of edges[0]
  above?: number; // values right of the last edge
}

export interface HistogramOptions {
  xLabel?: string;
  yLabel?: string; // default "count"
  color?: string; // CSS colour or var(--name); default --accent
  height?: number;
  label?: string;
  /** the hover's second line for a bar's height (default "N values") */
  describe?: (count: number) => string;
}

export class Histogram {
  readonly root: HTMLDivElement;
  private readonly surface: Surface;
  private readonly tooltip: Tooltip;
  private data: HistogramData = { edges: [], counts: [] };
  private last: { box: Box; x: AxisScale; y: AxisScale } | null = null;
  readonly cursor: KeyCursor;
  readonly table: DataTable;

  constructor(host: HTMLElement, private readonly options: HistogramOptions = {}) {
    this.root = el('div', 'gl-histogram');
    host.appendChild(this.root);
    const what = options.label ?? 'histogram';
    this.surface = new Surface(this.root, (ctx, w, h, t) => this.draw(ctx, w, h, t), {
      height: options.height ?? 140,
      label: what,
    });
    this.tooltip = new Tooltip(this.surface);
    this.surface.canvas.addEventListener('pointermove', (e) => this.hover(e));
    this.surface.canvas.addEventListener('pointerleave', () => this.tooltip.hide());
    this.cursor = new KeyCursor(this.surface, this.tooltip, { grid: () => ({ rows: 1, cols: this.data.counts.length }), read: (_r, i) => this.readBin(i) });
    this.table = new DataTable(
      () => ({
        caption: what,
        head: ['from', 'to', this.options.yLabel ?? 'count'],
        rows: Array.from(this.data.counts, (c, i) => [this.data.edges[i] ?? null, this.data.edges[i + 1] ?? null, c]),
        note: (this.data.below ?? 0) + (this.data.above ?? 0) > 0 ? `${this.data.below ?? 0} below the range, ${this.data.above ?? 0} above it.` : undefined,
      }),
      what,
    );
    const row = el('div', 'gl-table-row');
    row.appendChild(this.table.toggle);
    this.root.append(row, this.table.box);
  }

  update(data: HistogramData): void {
    this.data = data;
    this.surface.requestDraw();
    this.table.refresh();
    this.cursor.refresh();
  }

  dispose(): void {
    this.surface.dispose();
    this.root.remove();
  }

  private draw(ctx: CanvasRenderingContext2D, w: number, h: number, theme: Theme): void {
    const { edges, counts } = this.data;
    const box = plotBox(w, h, { left: 46, bottom: this.options.xLabel ? 38 : 22, top: 8 });
    const n = counts.length;
    if (n === 0 || edges.length !== n + 1) {
      this.last = null;
      ctx.fillStyle = theme.muted;
      ctx.fillText('no data yet', box.left + 8, box.top + 14);
      return;
    }
    let maxCount = 0;
    for (let i = 0; i < n; i++) maxCount = Math.max(maxCount, counts[i]!);
    const x = linearScale([edges[0]!, edges[n]!], [box.left, box.right]);
    const y = linearScale([0, Math.max(1, maxCount)], [box.bottom, box.top]);
    drawAxes(ctx, box, x, y, theme, {
      xLabel: this.options.xLabel,
      yLabel: this.options.yLabel ?? 'count',
      yTicks: maxCount > 0 ? [0, maxCount] : [0, 1],
      xTicks: [edges[0]!, ...(edges[0]! < 0 && edges[n]! > 0 ? [0] : []), edges[n]!],
      grid: false,
    });
    ctx.fillStyle = themeColor(this.options.color, theme) ?? resolveColor(this.options.color, theme.accent, this.root);
    for (let i = 0; i < n; i++) {
      const c = counts[i]!;
      if (c <= 0) continue;
      const x0 = x(edges[i]!);
      const x1 = x(edges[i + 1]!);
      const top = y(c);
      ctx.fillRect(x0 + 0.5, top, Math.max(1, x1 - x0 - 1), box.bottom - top);
    }
    const out = (this.data.below ?? 0) + (this.data.above ?? 0);
    if (out > 0) {
      ctx.fillStyle = theme.danger;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'top';
      ctx.fillText(`${out} outside the range`, box.right, box.top);
    }
    this.last = { box, x, y };
  }

  private hover(e: PointerEvent): void {
    if (!this.last) return;
    const p = this.surface.pointer(e);
    const { box, x } = this.last;
    const { edges, counts } = this.data;
    if (p.x < box.left || p.x > box.right || p.y < box.top || p.y > box.bottom) {
      this.tooltip.hide();
      return;
    }
    const v = x.invert(p.x);
    let i = 0;
    while (i < counts.length - 1 && edges[i + 1]! <= v) i++;
    this.tooltip.show(p.x, p.y, this.binLines(i));
  }

  private binLines(i: number): string[] {
    const { edges, counts } = this.data;
    return [
      `[${formatNumber(edges[i]!)}, ${formatNumber(edges[i + 1]!)}${i === counts.length - 1 ? ']' : ')'}`,
      this.options.describe ? this.options.describe(counts[i]!) : `${counts[i]} values`,
    ];
  }

  /** The keyboard cursor on bin i: its range and count, over the bar's top. */
  private readBin(i: number): CursorRead | null {
    const { edges, counts } = this.data;
    if (i >= counts.length || edges.length !== counts.length + 1) return null;
    const L = this.last;
    return { x: L ? L.x((edges[i]! + edges[i + 1]!) / 2) : 0, y: L ? Math.max(L.box.top, L.y(counts[i]!) - 4) : 0, lines: this.binLines(i) };
  }
}

/** "var(--accent)" or a plain colour; custom properties resolved at `el`. */
export function resolveColor(color: string | undefined, fallback: string, at: Element): string {
  if (!color) return fallback;
  const m = /^var\((--[\w-]+)\)$/.exec(color.trim());
  if (!m) return color;
  return getComputedStyle(at).getPropertyValue(m[1]!).trim() || fallback;
}

/** "var(--muted)" and the other theme properties from the Theme already read (no style read). */
function themeColor(color: string | undefined, theme: Theme): string | null {
  const m = color ? /^var\(--(bg|fg|muted|accent|grid|danger)\)$/.exec(color.trim()) : null;
  return m ? (theme[m[1] as 'bg' | 'fg' | 'muted' | 'accent' | 'grid' | 'danger'] as string) : null;
}
