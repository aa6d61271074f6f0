// ScatterPlot: 2-D points in layers (one colour each), optional arrows at points (a GAN
// generator's gradient), an optional background field on a regular grid (a decision field,
// a critic's score) with its colour bar, and an optional curve. Equal scales on x and y by
// default, so a circle looks like a circle. Hover: the nearest point and the field's value.
//
//   const sp = new ScatterPlot(host, {xLabel: 'x₁', yLabel: 'x₂'});
//   sp.update({layers: [{name: 'real', xy: [0, 1, 1, 0], color: '#0072b2'}],
//              arrows: [{name: 'generator gradient', origins: [0, 0], vectors: [0.1, 0.2], color: '#d55e00'}],
//              background: {nx: 2, ny: 2, values: [0, 1, 1, 0], xRange: [-1, 1], yRange: [-1, 1],
//                           color: (v) => viridis(v), name: 'D(x)', legend: {lo: '0', hi: '1', at: viridis}}});

import { drawAxes, drawColorBar, plotBox, type Box } from './axes';
import { extent, formatNumber, linearScale, rgbCss, type AxisScale, type Rgb } from './scales';
import { DataTable, el, KeyCursor, Surface, Tooltip, type CursorRead, type TableCell, type Theme } from './surface';

export interface PointLayer {
  name: string;
  xy: ArrayLike<number>; // flat [N * 2]
  color: string; // legend colour, and every point's unless `colors` is given
  colors?: string[]; // one CSS colour per point (e.g. a regression target on a colour scale)
  radius?: number; // default 3
  stroke?: boolean; // outline each point in the background colour (on top of a field)
  symbol?: 'circle' | 'cross' | 'ring';
}

export interface ArrowLayer {
  name: string;
  origins: ArrayLike<number>; // flat [N * 2]
  vectors: ArrayLike<number>; // flat [N * 2], data units
  /** a CSS colour, or 'fg': the theme's text colour over a halo of its background, visible on any field in either theme */
  color: string;
  /** Length in px of the longest arrow (vectors are scaled together so directions and
   * relative sizes stay true); default 28. */
  maxLength?: number;
}

export interface GridBackground {
  nx: number;
  ny: number;
  values: ArrayLike<number>; // row-major [ny, nx], row 0 at the bottom (y_min)
  xRange: [number, number]; // x of column 0 and column nx - 1
  yRange: [number, number];
  color: (v: number) => Rgb;
  name: string; // hover readout name, e.g. "p(class 1)"
  legend?: { lo: number; hi: number; at: (v: number) => Rgb; mid?: number };
}

export interface Curve {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color: string;
}

export interface ScatterData {
  layers: PointLayer[];
  arrows?: ArrowLayer[];
  background?: GridBackground;
  curve?: Curve;
  xRange?: [number, number];
  yRange?: [number, number];
}

export interface ScatterOptions {
  xLabel?: string;
  yLabel?: string;
  equalAxes?: boolean; // default true
  aspect?: number; // canvas height / width, default 0.85
  maxHeight?: number;
  label?: string;
}

export class ScatterPlot {
  readonly root: HTMLDivElement;
  private readonly surface: Surface;
  private readonly tooltip: Tooltip;
  private readonly legend: HTMLDivElement;
  private data: ScatterData = { layers: [] };
  private last: { box: Box; x: AxisScale; y: AxisScale } | null = null;
  private image: HTMLCanvasElement | null = null;
  private scratch: HTMLCanvasElement | null = null;
  readonly cursor: KeyCursor;
  readonly table: DataTable;

  constructor(host: HTMLElement, private readonly options: ScatterOptions = {}) {
    this.root = el('div', 'gl-scatter');
    this.legend = el('div', 'gl-legend');
    this.root.appendChild(this.legend);
    host.appendChild(this.root);
    this.surface = new Surface(this.root, (ctx, w, h, t) => this.draw(ctx, w, h, t), {
      aspect: options.aspect ?? 0.85,
      maxHeight: options.maxHeight ?? 520,
      label: options.label ?? 'scatter plot',
    });
    this.tooltip = new Tooltip(this.surface);
    this.surface.canvas.addEventListener('pointermove', (e) => this.hover(e));
    this.surface.canvas.addEventListener('pointerleave', () => this.tooltip.hide());
    // the keyboard walks the background's grid (or a 21 x 21 grid over the plot), row 0 at the top
    this.cursor = new KeyCursor(this.surface, this.tooltip, {
      grid: () => (this.last ? { rows: this.data.background?.ny ?? 21, cols: this.data.background?.nx ?? 21 } : { rows: 0, cols: 0 }),
      read: (row, col) => this.readCell(row, col),
    });
    const what = options.label ?? 'scatter plot';
    this.table = new DataTable(() => this.tableContent(what), what);
    const row = el('div', 'gl-table-row');
    row.appendChild(this.table.toggle);
    this.root.append(row, this.table.box);
  }

  update(data: ScatterData): void {
    this.data = data;
    this.image = null;
    // the legend is DOM: rebuilt only when its entries change
    const key = JSON.stringify([data.layers.map((l) => [l.name, l.color]), (data.arrows ?? []).map((a) => [a.name, a.color]), data.curve?.name, data.curve?.color, data.background?.name]);
    if (key !== this.legendKey) {
      this.legendKey = key;
      this.renderLegend(data);
    }
    this.surface.requestDraw();
    this.table.refresh();
    this.cursor.refresh();
  }

  private legendKey = '';

  private renderLegend(data: ScatterData): void {
    const items: HTMLElement[] = [];
    const sw = (color: string, cls: string): HTMLSpanElement => {
      const s = el('span', cls);
      s.style.background = color;
      return s;
    };
    for (const l of data.layers) {
      const item = el('span', 'gl-legend-item');
      item.append(sw(l.color, 'gl-dot'), document.createTextNode(l.name));
      items.push(item);
    }
    for (const a of data.arrows ?? []) {
      const item = el('span', 'gl-legend-item');
      item.append(sw(a.color === 'fg' ? 'var(--fg, #1a1a1a)' : a.color, 'gl-swatch'), document.createTextNode(`→ ${a.name}`));
      items.push(item);
    }
    if (data.curve) {
      const item = el('span', 'gl-legend-item');
      item.append(sw(data.curve.color, 'gl-swatch'), document.createTextNode(data.curve.name));
      items.push(item);
    }
    if (data.background) {
      const item = el('span', 'gl-legend-item gl-muted');
      item.textContent = `background: ${data.background.name}`;
      items.push(item);
    }
    this.legend.replaceChildren(...items);
  }

  /** Same data units per pixel on both axes (2-D inputs) or not (a curve y(x)). */
  setEqualAxes(equal: boolean): void {
    this.options.equalAxes = equal;
    this.surface.requestDraw();
  }

  setLabels(xLabel: string, yLabel: string): void {
    this.options.xLabel = xLabel;
    this.options.yLabel = yLabel;
    this.surface.requestDraw();
  }

  dispose(): void {
    this.surface.dispose();
    this.root.remove();
  }

  private ranges(box: Box): { x: AxisScale; y: AxisScale } {
    const d = this.data;
    let xr = d.xRange ?? d.background?.xRange;
    let yr = d.yRange ?? d.background?.yRange;
    if (!xr || !yr) {
      const xs: number[] = [];
      const ys: number[] = [];
      for (const l of d.layers)
        for (let i = 0; i + 1 < l.xy.length; i += 2) {
          xs.push(l.xy[i]!);
          ys.push(l.xy[i + 1]!);
        }
      if (d.curve) {
        for (let i = 0; i < d.curve.x.length; i++) xs.push(d.curve.x[i]!);
        for (let i = 0; i < d.curve.y.length; i++) ys.push(d.curve.y[i]!);
      }
      const pad = (r: [number, number]): [number, number] => {
        const m = 0.08 * (r[1] - r[0] || 1);
        return [r[0] - m, r[1] + m];
      };
      xr = xr ?? pad(extent(xs));
      yr = yr ?? pad(extent(ys));
    }
    if (this.options.equalAxes !== false) {
      // widen the narrower range so one data unit is the same length on both axes
      const ux = (xr[1] - xr[0]) / box.width;
      const uy = (yr[1] - yr[0]) / box.height;
      if (ux > uy) {
        const c = (yr[0] + yr[1]) / 2;
        const half = (ux * box.height) / 2;
        yr = [c - half, c + half];
      } else if (uy > ux) {
        const c = (xr[0] + xr[1]) / 2;
        const half = (uy * box.width) / 2;
        xr = [c - half, c + half];
      }
    }
    return { x: linearScale(xr, [box.left, box.right]), y: linearScale(yr, [box.bottom, box.top]) };
  }

  private buildImage(bg: GridBackground): HTMLCanvasElement {
    // one scratch canvas for the life of the plot (a new canvas per update costs a surface)
    const c = (this.scratch ??= document.createElement('canvas'));
    if (c.width !== bg.nx) c.width = bg.nx;
    if (c.height !== bg.ny) c.height = bg.ny;
    const ctx = c.getContext('2d');
    if (ctx) {
      const img = ctx.createImageData(bg.nx, bg.ny);
      for (let j = 0; j < bg.ny; j++)
        for (let k = 0; k < bg.nx; k++) {
          const rgb = bg.color(bg.values[j * bg.nx + k]!);
          const o = 4 * ((bg.ny - 1 - j) * bg.nx + k); // row 0 is the bottom
          img.data[o] = rgb[0];
          img.data[o + 1] = rgb[1];
          img.data[o + 2] = rgb[2];
          img.data[o + 3] = 255;
        }
      ctx.putImageData(img, 0, 0);
    }
    return c;
  }

  private draw(ctx: CanvasRenderingContext2D, w: number, h: number, theme: Theme): void {
    const d = this.data;
    const bar = d.background?.legend ? 64 : 12;
    const box = plotBox(w, h, { left: 48, right: bar, bottom: 40, top: 8 });
    const { x, y } = this.ranges(box);
    this.last = { box, x, y };
    ctx.save();
    ctx.beginPath();
    ctx.rect(box.left, box.top, box.width, box.height);
    ctx.clip();
    const bg = d.background;
    if (bg && bg.nx > 1 && bg.ny > 1) {
      if (!this.image) this.image = this.buildImage(bg);
      // pixel centres sit on the grid points
      const dx = (bg.xRange[1] - bg.xRange[0]) / (bg.nx - 1);
      const dy = (bg.yRange[1] - bg.yRange[0]) / (bg.ny - 1);
      const x0 = x(bg.xRange[0] - dx / 2);
      const x1 = x(bg.xRange[1] + dx / 2);
      const y0 = y(bg.yRange[1] + dy / 2);
      const y1 = y(bg.yRange[0] - dy / 2);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(this.image, x0, y0, x1 - x0, y1 - y0);
    }
    ctx.restore();
    drawAxes(ctx, box, x, y, theme, { xLabel: this.options.xLabel, yLabel: this.options.yLabel, grid: !bg });
    ctx.save();
    ctx.beginPath();
    ctx.rect(box.left, box.top, box.width, box.height);
    ctx.clip();
    if (d.curve) {
      ctx.strokeStyle = d.curve.color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      const n = Math.min(d.curve.x.length, d.curve.y.length);
      for (let i = 0; i < n; i++) {
        const px = x(d.curve.x[i]!);
        const py = y(d.curve.y[i]!);
        if (i === 0) ctx.moveTo(px, py);
        else ctx.lineTo(px, py);
      }
      ctx.stroke();
    }
    for (const l of d.layers) {
      const r = l.radius ?? 3;
      ctx.fillStyle = l.color;
      ctx.strokeStyle = l.stroke ? (theme.dark ? '#111' : '#fff') : l.color;
      ctx.lineWidth = l.stroke ? 1 : 1.5;
      if (!l.colors && (l.symbol === undefined || l.symbol === 'circle')) {
        // one colour, plain dots: one path for the whole layer (one fill, one stroke)
        ctx.beginPath();
        for (let i = 0; i + 1 < l.xy.length; i += 2) {
          const px = x(l.xy[i]!);
          const py = y(l.xy[i + 1]!);
          ctx.moveTo(px + r, py);
          ctx.arc(px, py, r, 0, Math.PI * 2);
        }
        ctx.fill();
        if (l.stroke) ctx.stroke();
        continue;
      }
      for (let i = 0; i + 1 < l.xy.length; i += 2) {
        const px = x(l.xy[i]!);
        const py = y(l.xy[i + 1]!);
        if (l.colors) ctx.fillStyle = l.colors[i >> 1] ?? l.color;
        ctx.beginPath();
        if (l.symbol === 'cross') {
          ctx.strokeStyle = l.color;
          ctx.moveTo(px - r, py - r);
          ctx.lineTo(px + r, py + r);
          ctx.moveTo(px - r, py + r);
          ctx.lineTo(px + r, py - r);
          ctx.stroke();
          continue;
        }
        ctx.arc(px, py, r, 0, Math.PI * 2);
        if (l.symbol === 'ring') ctx.stroke();
        else {
          ctx.fill();
          if (l.stroke) ctx.stroke();
        }
      }
    }
    for (const a of d.arrows ?? []) this.drawArrows(ctx, a, x, y, theme);
    ctx.restore();
    if (bg?.legend) {
      const L = bg.legend;
      drawColorBar(
        ctx,
        box.right + 10,
        box.top,
        Math.min(box.height, 180),
        (t) => rgbCss(L.at(L.lo + t * (L.hi - L.lo))),
        { lo: formatNumber(L.lo), hi: formatNumber(L.hi), mid: L.mid !== undefined ? formatNumber(L.mid) : undefined },
        theme,
      );
    }
  }

  private drawArrows(ctx: CanvasRenderingContext2D, a: ArrowLayer, x: AxisScale, y: AxisScale, theme: Theme): void {
    if (a.color === 'fg') {
      // a halo in the background colour first, then the arrows in the text colour
      this.drawArrowPaths(ctx, a, x, y, theme.bg, 3.5);
      this.drawArrowPaths(ctx, a, x, y, theme.fg, 1.25);
    } else this.drawArrowPaths(ctx, a, x, y, a.color, 1.25);
  }

  private drawArrowPaths(ctx: CanvasRenderingContext2D, a: ArrowLayer, x: AxisScale, y: AxisScale, color: string, width: number): void {
    const n = Math.min(a.origins.length, a.vectors.length) >> 1;
    let longest = 0;
    const kx = x(1) - x(0);
    const ky = y(1) - y(0);
    for (let i = 0; i < n; i++) longest = Math.max(longest, Math.hypot(a.vectors[2 * i]! * kx, a.vectors[2 * i + 1]! * ky));
    if (!(longest > 0)) return;
    const s = (a.maxLength ?? 28) / longest;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = width;
    ctx.lineJoin = 'round';
    for (let i = 0; i < n; i++) {
      const px = x(a.origins[2 * i]!);
      const py = y(a.origins[2 * i + 1]!);
      const vx = a.vectors[2 * i]! * kx * s;
      const vy = a.vectors[2 * i + 1]! * ky * s;
      const len = Math.hypot(vx, vy);
      if (len < 1.5) continue;
      ctx.beginPath();
      ctx.moveTo(px, py);
      ctx.lineTo(px + vx, py + vy);
      ctx.stroke();
      const head = Math.min(5, len * 0.4);
      const ang = Math.atan2(vy, vx);
      ctx.beginPath();
      ctx.moveTo(px + vx, py + vy);
      ctx.lineTo(px + vx - head * Math.cos(ang - 0.45), py + vy - head * Math.sin(ang - 0.45));
      ctx.lineTo(px + vx - head * Math.cos(ang + 0.45), py + vy - head * Math.sin(ang + 0.45));
      ctx.closePath();
      ctx.fill();
      if (width > 2) ctx.stroke();
    }
  }

  private hover(e: PointerEvent): void {
    if (!this.last) return;
    const p = this.surface.pointer(e);
    const { box } = this.last;
    if (p.x < box.left || p.x > box.right || p.y < box.top || p.y > box.bottom) {
      this.tooltip.hide();
      return;
    }
    this.tooltip.show(p.x, p.y, this.linesAt(p.x, p.y));
  }

  /** What hover reads at a canvas point: the position, the field's value, the nearest point. */
  private linesAt(px: number, py: number): string[] {
    const { x, y } = this.last!;
    const dx = x.invert(px);
    const dy = y.invert(py);
    const lines = [`(${formatNumber(dx)}, ${formatNumber(dy)})`];
    const bg = this.data.background;
    if (bg) {
      const k = Math.round(((dx - bg.xRange[0]) / (bg.xRange[1] - bg.xRange[0])) * (bg.nx - 1));
      const j = Math.round(((dy - bg.yRange[0]) / (bg.yRange[1] - bg.yRange[0])) * (bg.ny - 1));
      if (k >= 0 && k < bg.nx && j >= 0 && j < bg.ny) lines.push(`${bg.name}: ${formatNumber(bg.values[j * bg.nx + k]!, 4)}`);
    }
    let best: { d: number; name: string; px: number; py: number } | null = null;
    for (const l of this.data.layers)
      for (let i = 0; i + 1 < l.xy.length; i += 2) {
        const dd = Math.hypot(x(l.xy[i]!) - px, y(l.xy[i + 1]!) - py);
        if (dd < 8 && (!best || dd < best.d)) best = { d: dd, name: l.name, px: l.xy[i]!, py: l.xy[i + 1]! };
      }
    if (best) lines.push(`${best.name} point (${formatNumber(best.px)}, ${formatNumber(best.py)})`);
    return lines;
  }

  /** The keyboard cursor at a grid cell: the background's grid point, or a point of a 21 x 21 grid. */
  private readCell(row: number, col: number): CursorRead | null {
    if (!this.last) return null;
    const { box, x, y } = this.last;
    const bg = this.data.background;
    let px: number;
    let py: number;
    if (bg) {
      const j = bg.ny - 1 - row;
      px = x(bg.xRange[0] + (col / Math.max(1, bg.nx - 1)) * (bg.xRange[1] - bg.xRange[0]));
      py = y(bg.yRange[0] + (j / Math.max(1, bg.ny - 1)) * (bg.yRange[1] - bg.yRange[0]));
    } else {
      px = box.left + (col / 20) * box.width;
      py = box.top + (row / 20) * box.height;
    }
    return { x: px, y: py, lines: this.linesAt(px, py) };
  }

  /** The table: every point of every layer (at most 1000 rows). */
  private tableContent(what: string) {
    const rows: TableCell[][] = [];
    let total = 0;
    for (const l of this.data.layers)
      for (let i = 0; i + 1 < l.xy.length; i += 2) {
        total++;
        if (rows.length < 1000) rows.push([l.name, l.xy[i]!, l.xy[i + 1]!]);
      }
    return {
      caption: what,
      head: ['points', this.options.xLabel ?? 'x', this.options.yLabel ?? 'y'],
      rows,
      note: total > rows.length ? `${total} points: the first ${rows.length} shown.` : undefined,
    };
  }
}
