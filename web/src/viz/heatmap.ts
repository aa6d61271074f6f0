// Heatmap: a matrix [rows x cols] as coloured cells, with optional row/column labels (tokens,
// time steps), a colour bar, notes to the right of each row (e.g. a row's sum), and a hover
// readout "row / column / value". Sequential (viridis) for values with a natural zero at one
// end (probabilities, attention weights), diverging (blue < 0 < red) for signed values.
//
//   const hm = new Heatmap(host, {scale: 'sequential', domain: [0, 1], xLabel: 'source', yLabel: 'target'});
//   hm.update({rows: 2, cols: 3, values: [0.1, 0.7, 0.2, 0.3, 0.3, 0.4],
//              rowLabels: ['le', 'chat'], colLabels: ['the', 'cat', '<eos>']});

import { drawColorBar } from './axes';
import { diverging, extent, formatNumber, maxAbs, rgbCss, textOn, viridis, type Rgb } from './scales';
import { DataTable, el, KeyCursor, Surface, Tooltip, type Theme } from './surface';
import { formatCompact } from './format';

export interface HeatmapData {
  rows: number;
  cols: number;
  values: ArrayLike<number | null>; // row-major, rows * cols
  rowLabels?: string[];
  colLabels?: string[];
  rowNotes?: string[]; // drawn right of each row
  marks?: Array<[number, number]>; // cells to outline, [row, col]
}

export interface HeatmapCell {
  row: number;
  col: number;
  value: number | null;
}

export interface HeatmapOptions {
  scale?: 'sequential' | 'diverging';
  domain?: [number, number]; // sequential: [lo, hi]; diverging: [-m, m] uses max(|lo|, |hi|)
  xLabel?: string;
  yLabel?: string;
  notesLabel?: string; // title over the row notes column
  cellText?: boolean; // print values in cells when they are big enough (default true)
  maxCell?: number; // largest cell edge in px (default 36)
  minCell?: number; // smallest cell height in px (default 6)
  maxGrid?: number; // tallest the cell area may get, in px (default 320): long sequences get thinner rows
  colorbar?: boolean; // default true
  label?: string;
  valueName?: string; // hover readout name of the value, default "value"
  onHover?: (cell: HeatmapCell | null) => void;
}

interface Layout {
  left: number;
  top: number;
  cw: number;
  ch: number;
}

export class Heatmap {
  readonly root: HTMLDivElement;
  private readonly surface: Surface;
  private readonly tooltip: Tooltip;
  private data: HeatmapData = { rows: 0, cols: 0, values: [] };
  private layout: Layout | null = null;
  private image: HTMLCanvasElement | null = null;
  private scratch: HTMLCanvasElement | null = null;
  readonly cursor: KeyCursor;
  readonly table: DataTable;

  constructor(host: HTMLElement, private readonly options: HeatmapOptions = {}) {
    this.root = el('div', 'gl-heatmap');
    host.appendChild(this.root);
    const what = options.label ?? 'heatmap';
    this.surface = new Surface(this.root, (ctx, w, h, t) => this.draw(ctx, w, h, t), {
      height: 120,
      label: what,
    });
    this.tooltip = new Tooltip(this.surface);
    this.surface.canvas.addEventListener('pointermove', (e) => this.hover(e));
    this.surface.canvas.addEventListener('pointerleave', () => {
      this.tooltip.hide();
      this.options.onHover?.(null);
    });
    this.cursor = new KeyCursor(this.surface, this.tooltip, {
      grid: () => ({ rows: this.data.rows, cols: this.data.cols }),
      read: (row, col) => {
        const L = this.layout;
        const v = this.data.values[row * this.data.cols + col];
        const cell = { row, col, value: v === undefined ? null : v };
        return { x: L ? L.left + (col + 0.5) * L.cw : 0, y: L ? L.top + (row + 0.5) * L.ch : 0, lines: this.cellLines(cell) };
      },
      onMove: (cell) => this.options.onHover?.(cell ? { ...cell, value: this.data.values[cell.row * this.data.cols + cell.col] ?? null } : null),
    });
    const o = this.options;
    this.table = new DataTable(() => {
      const { rows, cols, values, rowLabels, colLabels } = this.data;
      return {
        caption: what,
        head: [`${o.yLabel ?? 'row'} ↓ / ${o.xLabel ?? 'column'} →`, ...Array.from({ length: cols }, (_, c) => colLabels?.[c] ?? String(c))],
        rows: Array.from({ length: rows }, (_, r) => [rowLabels?.[r] ?? String(r), ...Array.from({ length: cols }, (_, c) => values[r * cols + c] ?? null)]),
      };
    }, what);
    const row = el('div', 'gl-table-row');
    row.appendChild(this.table.toggle);
    this.root.append(row, this.table.box);
  }

  update(data: HeatmapData): void {
    this.data = data;
    this.image = null;
    this.surface.requestDraw();
    this.table.refresh();
    this.cursor.refresh();
  }

  /** Switches the colour scale (and fixed domain, or undefined for the data's range). */
  setScale(scale: 'sequential' | 'diverging', domain?: [number, number]): void {
    if (this.options.scale === scale && this.options.domain?.[0] === domain?.[0] && this.options.domain?.[1] === domain?.[1]) return;
    this.options.scale = scale;
    this.options.domain = domain;
    this.image = null;
    this.surface.requestDraw();
  }

  /** The colour of a value under the current scale and domain. */
  colorOf(v: number | null): Rgb {
    if (v === null || !Number.isFinite(v)) return [128, 128, 128];
    const [lo, hi] = this.domain();
    if (this.options.scale === 'diverging') return diverging(v, Math.max(Math.abs(lo), Math.abs(hi)));
    return viridis(hi > lo ? (v - lo) / (hi - lo) : 0.5);
  }

  cellAt(px: number, py: number): HeatmapCell | null {
    const L = this.layout;
    if (!L) return null;
    const col = Math.floor((px - L.left) / L.cw);
    const row = Math.floor((py - L.top) / L.ch);
    if (row < 0 || col < 0 || row >= this.data.rows || col >= this.data.cols) return null;
    const v = this.data.values[row * this.data.cols + col];
    return { row, col, value: v === undefined ? null : v };
  }

  dispose(): void {
    this.surface.dispose();
    this.root.remove();
  }

  private domain(): [number, number] {
    if (this.options.domain) return this.options.domain;
    if (this.options.scale === 'diverging') {
      const m = maxAbs(this.data.values) || 1;
      return [-m, m];
    }
    return extent(this.data.values);
  }

  private buildImage(): HTMLCanvasElement {
    const { rows, cols, values } = this.data;
    // one scratch canvas for the life of the view (a new canvas per update costs a surface)
    const c = (this.scratch ??= document.createElement('canvas'));
    if (c.width !== Math.max(1, cols)) c.width = Math.max(1, cols);
    if (c.height !== Math.max(1, rows)) c.height = Math.max(1, rows);
    const ctx = c.getContext('2d');
    if (ctx && rows > 0 && cols > 0) {
      const img = ctx.createImageData(cols, rows);
      for (let i = 0; i < rows * cols; i++) {
        const rgb = this.colorOf(values[i] ?? null);
        img.data[4 * i] = rgb[0];
        img.data[4 * i + 1] = rgb[1];
        img.data[4 * i + 2] = rgb[2];
        img.data[4 * i + 3] = 255;
      }
      ctx.putImageData(img, 0, 0);
    }
    return c;
  }

  private draw(ctx: CanvasRenderingContext2D, w: number, _h: number, theme: Theme): void {
    const { rows, cols, rowLabels, colLabels, rowNotes } = this.data;
    const o = this.options;
    if (rows === 0 || cols === 0) {
      this.layout = null;
      ctx.fillStyle = theme.muted;
      ctx.fillText('no data yet', 10, 20);
      return;
    }
    ctx.font = theme.font;
    const widest = (labels: string[] | undefined): number =>
      labels ? Math.min(140, Math.max(0, ...labels.map((s) => ctx.measureText(s).width))) : 0;
    const yTitle = o.yLabel ? 18 : 0;
    const left = yTitle + Math.max(22, widest(rowLabels ?? rowNumbers(rows)) + 8);
    const notesW = rowNotes ? Math.max(widest(rowNotes), o.notesLabel ? ctx.measureText(o.notesLabel).width : 0) + 12 : 0;
    const barW = o.colorbar === false ? 0 : 58;
    const avail = Math.max(40, w - left - notesW - barW - 8);
    const maxCell = o.maxCell ?? 36;
    const cw = Math.min(maxCell, avail / cols);
    // rows as square as the width allows, but a long sequence's map stays at most maxGrid
    // tall (row labels are thinned below so they stay legible)
    const square = Math.max(o.minCell ?? 6, Math.min(maxCell, cw * 1.0 < 10 ? 10 : cw));
    const ch = Math.max(2, Math.min(square, (o.maxGrid ?? 320) / rows));
    const labelsC = colLabels ?? rowNumbers(cols);
    const colW = widest(labelsC);
    const rotate = colW + 4 > cw;
    const colH = rotate ? Math.min(120, colW * 0.72 + 12) : 18;
    const top = o.notesLabel && rowNotes ? 18 : 6;
    const height = Math.ceil(top + rows * ch + colH + (o.xLabel ? 20 : 4));
    if (Math.abs(this.surface.height - height) > 1 && this.surfaceHeight(height)) return;
    this.layout = { left, top, cw, ch };
    if (!this.image) this.image = this.buildImage();
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.image, left, top, cw * cols, ch * rows);
    // cell values
    if (o.cellText !== false && cw >= 30 && ch >= 16) {
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.font = `10px ${theme.font.replace(/^\d+px /, '')}`;
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) {
          const v = this.data.values[r * cols + c] ?? null;
          ctx.fillStyle = textOn(this.colorOf(v));
          ctx.fillText(shortValue(v), left + (c + 0.5) * cw, top + (r + 0.5) * ch);
        }
      ctx.font = theme.font;
    }
    if (this.data.marks) {
      ctx.strokeStyle = theme.fg;
      ctx.lineWidth = 1.5;
      for (const [r, c] of this.data.marks) ctx.strokeRect(left + c * cw + 1, top + r * ch + 1, cw - 2, ch - 2);
    }
    // row labels (thinned so they never overlap)
    ctx.fillStyle = theme.fg;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    const labelsR = rowLabels ?? rowNumbers(rows);
    const rStride = Math.max(1, Math.ceil(14 / ch));
    for (let r = 0; r < rows; r += rStride) ctx.fillText(clip(ctx, labelsR[r] ?? '', 140), left - 4, top + (r + 0.5) * ch);
    // column labels
    const cStride = rotate ? Math.max(1, Math.ceil(14 / cw)) : 1;
    const y0 = top + rows * ch + 4;
    for (let c = 0; c < cols; c += cStride) {
      const s = clip(ctx, labelsC[c] ?? '', 140);
      const cx = left + (c + 0.5) * cw;
      if (rotate) {
        ctx.save();
        ctx.translate(cx, y0);
        ctx.rotate(-Math.PI / 4);
        ctx.textAlign = 'right';
        ctx.textBaseline = 'middle';
        ctx.fillText(s, 0, 0);
        ctx.restore();
      } else {
        ctx.textAlign = 'center';
        ctx.textBaseline = 'top';
        ctx.fillText(s, cx, y0);
      }
    }
    // row notes
    if (rowNotes) {
      ctx.textAlign = 'left';
      ctx.textBaseline = 'middle';
      const nx = left + cols * cw + 8;
      if (o.notesLabel) {
        ctx.fillStyle = theme.muted;
        ctx.textBaseline = 'top';
        ctx.fillText(o.notesLabel, nx, 2);
        ctx.textBaseline = 'middle';
      }
      ctx.fillStyle = theme.fg;
      for (let r = 0; r < rows; r += rStride) ctx.fillText(rowNotes[r] ?? '', nx, top + (r + 0.5) * ch);
    }
    // axis titles
    ctx.fillStyle = theme.muted;
    if (o.xLabel) {
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      ctx.fillText(o.xLabel, left + (cols * cw) / 2, height - 2);
    }
    if (o.yLabel) {
      ctx.save();
      ctx.translate(10, top + (rows * ch) / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(o.yLabel, 0, 0);
      ctx.restore();
    }
    if (o.colorbar !== false) {
      const [lo, hi] = this.domain();
      const bx = left + cols * cw + notesW + 10;
      const bh = Math.max(40, Math.min(rows * ch, 160));
      const div = o.scale === 'diverging';
      drawColorBar(
        ctx,
        bx,
        top,
        bh,
        (t) => rgbCss(div ? diverging(lo + t * (hi - lo), Math.max(Math.abs(lo), Math.abs(hi))) : viridis(t)),
        { lo: formatNumber(lo), hi: formatNumber(hi), mid: div ? '0' : undefined },
        theme,
      );
    }
  }

  /** Resizes the canvas to fit the matrix; true when it redrew at the new size. */
  private surfaceHeight(h: number): boolean {
    if (!this.surface.setHeight(h)) return false;
    this.surface.drawNow();
    return true;
  }

  private hover(e: PointerEvent): void {
    const p = this.surface.pointer(e);
    const cell = this.cellAt(p.x, p.y);
    this.options.onHover?.(cell);
    if (!cell) {
      this.tooltip.hide();
      return;
    }
    this.tooltip.show(p.x, p.y, this.cellLines(cell));
  }

  private cellLines(cell: HeatmapCell): string[] {
    const rl = this.data.rowLabels?.[cell.row];
    const cl = this.data.colLabels?.[cell.col];
    return [
      `${this.options.yLabel ?? 'row'}: ${rl !== undefined ? `${rl} (${cell.row})` : cell.row}`,
      `${this.options.xLabel ?? 'column'}: ${cl !== undefined ? `${cl} (${cell.col})` : cell.col}`,
      `${this.options.valueName ?? 'value'}: ${formatNumber(cell.value, 4)}`,
    ];
  }
}

function rowNumbers(n: number): string[] {
  return Array.from({ length: n }, (_, i) => String(i));
}

function shortValue(v: number | null): string {
  return formatCompact(v);
}

function clip(ctx: CanvasRenderingContext2D, s: string, maxW: number): string {
  if (ctx.measureText(s).width <= maxW) return s;
  let t = s;
  while (t.length > 1 && ctx.measureText(t + '…').width > maxW) t = t.slice(0, -1);
  return t + '…';
}
