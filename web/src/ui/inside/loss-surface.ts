// LossSurfaceView (data-view "loss-surface"): for a model with two scalar parameters, the
// training loss over the plane of their values as contour lines at log-spaced levels, and the
// path training has taken through it (start ○, now ●), the grid's lowest point ✕, and how often
// the path turned back along each axis (the zig-zag of plain gradient descent). The loss at a
// point and the path's points on hover and by keyboard; the path as a table on demand.
// Input: the `loss_surface` snapshot (docs/spec.md), as `{loss_surface, step}`; optional
// `variants: [{label, path}]` overlay other runs' paths, each in its own colour.
// gradlabData: docs/CONTRACT.md.
//
//   const v = new LossSurfaceView(host);
//   v.update({loss_surface: await client.snapshot('loss_surface'), step: 0});
//
// Cheap to draw: the contours are computed once per grid (loss-surface-model.ts) and drawn
// with the axes into a cached canvas; a frame is one drawImage plus the path and markers, and
// a pointer move is a grid lookup and a scan of at most 400 path points.

import { drawAxes, plotBox, type Box } from '../../viz/axes';
import { CLASS_COLORS, formatNumber, linearScale, rgbCss, viridis, type AxisScale } from '../../viz/scales';
import { Surface, Tooltip, type Theme } from '../../viz/surface';
import {
  directionText,
  levelText,
  lossAt,
  lossSurfaceModel,
  nearestPathPoint,
  type LossSurfaceModel,
  type LossSurfaceSnapshot,
  type VariantPath,
} from './loss-surface-model';
import { el, setGradlabData, viewRoot } from './view';
import './loss-surface.css';

const HINT = 'Hover over the surface, or focus it: arrow keys move over the surface, Page Up / Page Down walk the path (Home, End: its start and now).';

type Selection = { kind: 'point'; i: number; j: number; a: number; b: number } | { kind: 'path'; k: number } | null;

export interface LossSurfaceInput {
  loss_surface: LossSurfaceSnapshot;
  step?: number;
  variants?: VariantPath[];
  /** the name and colour of the snapshot's own path (the compare card: its first variant) */
  main?: { label: string; color?: string };
}

export class LossSurfaceView {
  readonly root: HTMLDivElement;
  private readonly surface: Surface;
  private readonly tooltip: Tooltip;
  private readonly status: HTMLParagraphElement;
  private readonly zigzag: HTMLParagraphElement;
  private readonly legend: HTMLDivElement;
  private readonly readout: HTMLParagraphElement;
  private readonly details: HTMLDetailsElement;
  private readonly table: HTMLTableElement;
  private model: LossSurfaceModel | null = null;
  private variants: VariantPath[] = [];
  private main: { label: string; color?: string } | null = null;
  private step: number | null = null;
  private selected: Selection = null;
  private keyboard = false;
  /** the axes and contours, drawn once per grid, size and theme */
  private cache: { canvas: HTMLCanvasElement; key: string } | null = null;
  private last: { box: Box; x: AxisScale; y: AxisScale } | null = null;
  private legendKey = '';

  constructor(host: HTMLElement, options: { height?: number } = {}) {
    this.root = viewRoot(
      host,
      'loss-surface',
      'The training loss over the two parameters as contour lines (levels spaced evenly in log, so the rings crowd in near the valley floor), and the path training took: one point per step.',
    ).root;
    this.status = el('p', 'gl-stats');
    this.zigzag = el('p', 'gl-ls-zigzag');
    this.legend = el('div', 'gl-legend gl-ls-legend');
    this.root.append(this.status, this.zigzag, this.legend);
    this.surface = new Surface(this.root, (ctx, w, h, t) => this.draw(ctx, w, h, t), {
      height: options.height ?? 320,
      label: 'Loss surface: contour lines of the loss over two parameters, with the training path',
    });
    this.tooltip = new Tooltip(this.surface);
    const c = this.surface.canvas;
    c.tabIndex = 0;
    c.addEventListener('pointermove', (e) => this.hover(e));
    c.addEventListener('pointerleave', () => {
      if (!this.keyboard) this.select(null);
    });
    c.addEventListener('keydown', (e) => this.key(e));
    c.addEventListener('focus', () => {
      this.keyboard = true;
      const m = this.model;
      if (this.selected === null && m && m.path.x.length > 0) this.select({ kind: 'path', k: m.path.x.length - 1 });
    });
    c.addEventListener('blur', () => {
      this.keyboard = false;
      this.select(null);
    });
    this.readout = el('p', 'gl-readout', HINT);
    this.readout.id = `gl-ls-readout-${Math.random().toString(36).slice(2, 9)}`;
    this.readout.setAttribute('aria-live', 'polite');
    c.setAttribute('aria-describedby', this.readout.id);
    this.table = el('table', 'gl-table');
    this.details = el('details', 'gl-ls-details');
    this.details.append(el('summary', undefined, 'Show the path as a table'), this.table);
    this.details.addEventListener('toggle', () => this.renderTable());
    this.root.append(this.readout, this.details);
    setGradlabData(this.root, { step: null, parameters: [], path_points: 0, direction_changes: [0, 0], levels: [], contours: [], path: { x: [], y: [], loss: [], step: [] } });
  }

  update(data: LossSurfaceInput | LossSurfaceSnapshot): void {
    const wrapped = (data as LossSurfaceInput).loss_surface !== undefined;
    const snap = wrapped ? (data as LossSurfaceInput).loss_surface : (data as LossSurfaceSnapshot);
    this.step = wrapped && typeof (data as LossSurfaceInput).step === 'number' ? (data as LossSurfaceInput).step! : null;
    this.variants = wrapped ? ((data as LossSurfaceInput).variants ?? []) : [];
    this.main = wrapped ? ((data as LossSurfaceInput).main ?? null) : null;
    const m = lossSurfaceModel(snap, this.model);
    this.model = m;
    if (this.selected?.kind === 'path' && this.selected.k >= m.path.x.length) this.selected = { kind: 'path', k: m.path.x.length - 1 };
    if (this.selected?.kind === 'point' && (this.selected.i >= m.xs.length || this.selected.j >= m.ys.length)) this.selected = null;
    const bits: string[] = [];
    if (this.step !== null) bits.push(`training step ${this.step}`);
    const now = m.path.loss[m.path.loss.length - 1];
    if (now !== undefined) bits.push(`loss now ${formatNumber(now, 4)}`);
    if (m.gridMin) bits.push(`lowest on the grid ${formatNumber(m.gridMin.loss, 3)} at ${m.short[0]} = ${formatNumber(m.gridMin.x, 3)}, ${m.short[1]} = ${formatNumber(m.gridMin.y, 3)}`);
    this.status.textContent = bits.join(' · ');
    this.zigzag.textContent = directionText(m);
    this.renderLegend();
    if (this.selected) this.readout.textContent = this.describe(this.selected);
    if (this.details.open) this.renderTable();
    this.surface.requestDraw();
    const drawnPath = m.path.x.length;
    setGradlabData(this.root, {
      step: this.step,
      parameters: m.parameters,
      short: m.short,
      x_range: [m.xs[0] ?? null, m.xs[m.xs.length - 1] ?? null],
      y_range: [m.ys[0] ?? null, m.ys[m.ys.length - 1] ?? null],
      resolution: [m.xs.length, m.ys.length],
      loss_range: m.range,
      levels: m.contours.map((c) => c.level),
      contours: m.contours.map((c) => ({ level: c.level, segments: c.segments.length / 4 })),
      grid_min: m.gridMin,
      path: m.path,
      path_points: m.pathPoints,
      drawn_path_points: drawnPath,
      start: drawnPath > 0 ? [m.path.x[0], m.path.y[0]] : null,
      current: drawnPath > 0 ? [m.path.x[drawnPath - 1], m.path.y[drawnPath - 1]] : null,
      direction_changes: m.directionChanges,
      direction_text: this.zigzag.textContent,
      variants: this.variants.map((v, k) => ({ label: v.label, points: v.path.x.length, color: this.variantColor(k) })),
      main_label: this.main?.label ?? null,
    });
  }

  dispose(): void {
    this.surface.dispose();
    this.root.remove();
  }

  private variantColor(k: number): string {
    const own = this.variants[k]?.color;
    if (own) return own;
    // the main path is vermillion/orange; variants take the other Okabe-Ito colours
    const palette = [CLASS_COLORS[0]!, CLASS_COLORS[2]!, CLASS_COLORS[3]!, CLASS_COLORS[4]!, CLASS_COLORS[6]!];
    return palette[k % palette.length]!;
  }

  private pathColor(theme: Theme): string {
    if (this.main?.color) return this.main.color;
    return theme.dark ? '#ff9e4a' : '#c4410b';
  }

  private renderLegend(): void {
    const m = this.model;
    if (!m) return;
    const key = `${this.main?.label ?? ''}|${this.variants.map((v) => v.label).join('\u0000')}|${m.contours.length}|${m.contours[0]?.level}|${m.contours[m.contours.length - 1]?.level}`;
    if (key === this.legendKey) return;
    this.legendKey = key;
    const item = (cls: string, text: string, color?: string): HTMLSpanElement => {
      const it = el('span', 'gl-legend-item');
      const mark = el('span', `gl-ls-mark ${cls}`);
      if (color) mark.style.setProperty('--gl-ls-color', color);
      it.append(mark, document.createTextNode(text));
      return it;
    };
    const items: HTMLSpanElement[] = [];
    items.push(item('gl-ls-path', this.main ? this.main.label : this.variants.length > 0 ? 'this run’s path' : 'path, one point per step', this.main?.color));
    for (const [k, v] of this.variants.entries()) items.push(item('gl-ls-variant', v.label, this.variantColor(k)));
    items.push(item('gl-ls-start', 'start'), item('gl-ls-now', 'now'), item('gl-ls-min', 'lowest grid point'));
    if (m.contours.length > 0)
      items.push(item('gl-ls-contour', `loss levels ${levelText(m.contours[0]!.level)} … ${levelText(m.contours[m.contours.length - 1]!.level)} (log-spaced)`));
    this.legend.replaceChildren(...items);
  }

  private renderTable(): void {
    if (!this.details.open || !this.model) return;
    const m = this.model;
    const head = el('tr');
    for (const t of ['step', m.short[0], m.short[1], 'loss']) {
      const th = el('th', undefined, t);
      th.scope = 'col';
      head.appendChild(th);
    }
    const rows: HTMLTableRowElement[] = [];
    for (let k = 0; k < m.path.x.length; k++) {
      const tr = el('tr');
      for (const v of [String(m.path.step[k]), formatNumber(m.path.x[k], 4), formatNumber(m.path.y[k], 4), formatNumber(m.path.loss[k], 4)])
        tr.appendChild(el('td', 'gl-num', v));
      rows.push(tr);
    }
    const caption = el(
      'caption',
      'gl-muted',
      `${m.short[0]} = ${m.parameters[0]}, ${m.short[1]} = ${m.parameters[1]}; ${m.pathPoints} points${m.pathPoints > m.path.x.length ? ` (every ${Math.ceil(m.pathPoints / m.path.x.length)}th shown)` : ''}. ${this.zigzag.textContent}`,
    );
    const thead = el('thead');
    thead.appendChild(head);
    const tbody = el('tbody');
    tbody.append(...rows);
    this.table.replaceChildren(caption, thead, tbody);
  }

  private describe(s: Selection): string {
    const m = this.model;
    if (!m || !s) return HINT;
    const [a, b] = m.short;
    if (s.kind === 'path') {
      const k = s.k;
      const where = k === 0 ? ' (start)' : k === m.path.x.length - 1 ? ' (now)' : '';
      return `Step ${m.path.step[k]}${where}: ${a} = ${formatNumber(m.path.x[k], 4)}, ${b} = ${formatNumber(m.path.y[k], 4)}, loss ${formatNumber(m.path.loss[k], 4)}`;
    }
    const v = s.i >= 0 ? m.grid[s.j * m.xs.length + s.i] : lossAt(m, s.a, s.b);
    const exact = s.i >= 0 ? '' : ' (between grid points)';
    return `${a} = ${formatNumber(s.a, 3)}, ${b} = ${formatNumber(s.b, 3)}: loss ${formatNumber(v ?? null, 4)}${exact}`;
  }

  private select(s: Selection): void {
    const same =
      s === this.selected ||
      (s && this.selected && s.kind === 'path' && this.selected.kind === 'path' && s.k === this.selected.k) ||
      (s && this.selected && s.kind === 'point' && this.selected.kind === 'point' && s.a === this.selected.a && s.b === this.selected.b);
    if (same) return;
    this.selected = s;
    if (!s) {
      this.tooltip.hide();
      this.readout.textContent = HINT;
    } else {
      const text = this.describe(s);
      this.readout.textContent = text;
      this.placeTooltip(text);
    }
    this.surface.requestDraw();
  }

  private selectedPoint(): [number, number] | null {
    const m = this.model;
    const s = this.selected;
    if (!m || !s) return null;
    if (s.kind === 'path') return [m.path.x[s.k]!, m.path.y[s.k]!];
    return [s.a, s.b];
  }

  private placeTooltip(text: string): void {
    const p = this.selectedPoint();
    if (!p || !this.last) return;
    const { x, y } = this.last;
    const colon = text.indexOf(': ');
    this.tooltip.show(x(p[0]), y(p[1]), [text.slice(0, colon), ...text.slice(colon + 2).split(', ')]);
  }

  private hover(e: PointerEvent): void {
    const m = this.model;
    if (!this.last || !m) return;
    const p = this.surface.pointer(e);
    const { box, x, y } = this.last;
    if (p.x < box.left || p.x > box.right || p.y < box.top || p.y > box.bottom) {
      if (!this.keyboard) this.select(null);
      return;
    }
    const k = nearestPathPoint(m.path, p.x, p.y, x, y, 7);
    if (k >= 0) this.select({ kind: 'path', k });
    else this.select({ kind: 'point', i: -1, j: -1, a: x.invert(p.x), b: y.invert(p.y) });
  }

  private key(e: KeyboardEvent): void {
    const m = this.model;
    if (!m || m.xs.length < 2) return;
    const n = m.path.x.length;
    const s = this.selected;
    let next: Selection;
    const gridFrom = (): { i: number; j: number } => {
      if (s?.kind === 'point' && s.i >= 0) return { i: s.i, j: s.j };
      const p = this.selectedPoint() ?? [m.gridMin?.x ?? m.xs[0]!, m.gridMin?.y ?? m.ys[0]!];
      const near = (axis: number[], v: number): number => {
        let best = 0;
        for (let q = 1; q < axis.length; q++) if (Math.abs(axis[q]! - v) < Math.abs(axis[best]! - v)) best = q;
        return best;
      };
      return { i: near(m.xs, p[0]), j: near(m.ys, p[1]) };
    };
    const onGrid = (i: number, j: number): Selection => {
      const ii = Math.min(m.xs.length - 1, Math.max(0, i));
      const jj = Math.min(m.ys.length - 1, Math.max(0, j));
      return { kind: 'point', i: ii, j: jj, a: m.xs[ii]!, b: m.ys[jj]! };
    };
    const pathK = s?.kind === 'path' ? s.k : n - 1;
    switch (e.key) {
      case 'ArrowLeft':
      case 'ArrowRight':
      case 'ArrowUp':
      case 'ArrowDown': {
        const g = gridFrom();
        const d = e.shiftKey ? 5 : 1;
        next = onGrid(g.i + (e.key === 'ArrowRight' ? d : e.key === 'ArrowLeft' ? -d : 0), g.j + (e.key === 'ArrowUp' ? d : e.key === 'ArrowDown' ? -d : 0));
        break;
      }
      case 'PageDown':
        next = n > 0 ? { kind: 'path', k: Math.min(n - 1, s?.kind === 'path' ? pathK + 1 : 0) } : null;
        break;
      case 'PageUp':
        next = n > 0 ? { kind: 'path', k: Math.max(0, s?.kind === 'path' ? pathK - 1 : n - 1) } : null;
        break;
      case 'Home':
        next = n > 0 ? { kind: 'path', k: 0 } : null;
        break;
      case 'End':
        next = n > 0 ? { kind: 'path', k: n - 1 } : null;
        break;
      case 'Escape':
        next = null;
        break;
      default:
        return;
    }
    e.preventDefault();
    this.keyboard = next !== null;
    this.select(next);
  }

  /** The axes and every contour line, into a canvas of its own (once per grid, size and theme). */
  private staticLayer(m: LossSurfaceModel, w: number, h: number, theme: Theme, box: Box, x: AxisScale, y: AxisScale): HTMLCanvasElement {
    const dpr = window.devicePixelRatio || 1;
    const key = `${m.gridKey}|${w}x${h}@${dpr}|${theme.bg}${theme.fg}${theme.grid}|${m.parameters.join()}`;
    if (this.cache && this.cache.key === key) return this.cache.canvas;
    const canvas = this.cache?.canvas ?? document.createElement('canvas');
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.font = theme.font;
    const [a, b] = m.short;
    drawAxes(ctx, box, x, y, theme, { xLabel: `${a} = ${m.parameters[0]}`, yLabel: `${b} = ${m.parameters[1]}`, grid: false });
    ctx.save();
    ctx.beginPath();
    ctx.rect(box.left, box.top, box.width, box.height);
    ctx.clip();
    const n = m.contours.length;
    // viridis from dark (low loss) to light (high); in the dark theme its darkest end is
    // left out, in the light theme its palest
    const [t0, t1] = theme.dark ? [0.3, 1] : [0, 0.78];
    ctx.lineWidth = 1.2;
    for (const [q, c] of m.contours.entries()) {
      ctx.strokeStyle = rgbCss(viridis(t0 + ((t1 - t0) * q) / Math.max(1, n - 1)));
      const s = c.segments;
      ctx.beginPath();
      for (let k = 0; k < s.length; k += 4) {
        ctx.moveTo(x(s[k]!), y(s[k + 1]!));
        ctx.lineTo(x(s[k + 2]!), y(s[k + 3]!));
      }
      ctx.stroke();
    }
    ctx.restore();
    this.cache = { canvas, key };
    return canvas;
  }

  private draw(ctx: CanvasRenderingContext2D, w: number, h: number, theme: Theme): void {
    const m = this.model;
    const box = plotBox(w, h, { left: 54, right: 14, top: 10, bottom: 40 });
    if (!m || m.xs.length < 2 || m.ys.length < 2) {
      ctx.fillStyle = theme.muted;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText('no data yet', w / 2, h / 2);
      this.last = null;
      return;
    }
    const x = linearScale([m.xs[0]!, m.xs[m.xs.length - 1]!], [box.left, box.right]);
    const y = linearScale([m.ys[0]!, m.ys[m.ys.length - 1]!], [box.bottom, box.top]);
    this.last = { box, x, y };
    const layer = this.staticLayer(m, w, h, theme, box, x, y);
    ctx.drawImage(layer, 0, 0, w, h);
    const pathColor = this.pathColor(theme);
    const key = `${pathColor}|${theme.dark}`;
    if (key !== this.legendColors) {
      this.legendColors = key;
      this.root.style.setProperty('--gl-ls-path-color', pathColor);
    }

    ctx.save();
    ctx.beginPath();
    ctx.rect(box.left - 6, box.top - 6, box.width + 12, box.height + 12);
    ctx.clip();
    // the grid's lowest point: a cross
    if (m.gridMin) {
      const gx = x(m.gridMin.x);
      const gy = y(m.gridMin.y);
      ctx.strokeStyle = theme.fg;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(gx - 5, gy - 5);
      ctx.lineTo(gx + 5, gy + 5);
      ctx.moveTo(gx + 5, gy - 5);
      ctx.lineTo(gx - 5, gy + 5);
      ctx.stroke();
    }
    for (const [k, v] of this.variants.entries()) this.drawPath(ctx, v.path, x, y, this.variantColor(k), theme, 1.5);
    this.drawPath(ctx, m.path, x, y, pathColor, theme, 2);
    // the selection: a ring on a path point, a crosshair on a point of the surface
    const sel = this.selectedPoint();
    if (sel) {
      const sx = x(sel[0]);
      const sy = y(sel[1]);
      ctx.strokeStyle = theme.fg;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      if (this.selected?.kind === 'path') ctx.arc(sx, sy, 7, 0, Math.PI * 2);
      else {
        ctx.moveTo(sx - 8, sy);
        ctx.lineTo(sx - 3, sy);
        ctx.moveTo(sx + 3, sy);
        ctx.lineTo(sx + 8, sy);
        ctx.moveTo(sx, sy - 8);
        ctx.lineTo(sx, sy - 3);
        ctx.moveTo(sx, sy + 3);
        ctx.lineTo(sx, sy + 8);
      }
      ctx.stroke();
    }
    ctx.restore();
  }

  private legendColors = '';

  /** A path: its polyline, small dots per point, the start as a ring and the last point filled. */
  private drawPath(ctx: CanvasRenderingContext2D, p: { x: number[]; y: number[] }, x: AxisScale, y: AxisScale, color: string, theme: Theme, width: number): void {
    const n = p.x.length;
    if (n === 0) return;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = width;
    ctx.lineJoin = 'round';
    ctx.beginPath();
    for (let k = 0; k < n; k++) {
      if (k === 0) ctx.moveTo(x(p.x[k]!), y(p.y[k]!));
      else ctx.lineTo(x(p.x[k]!), y(p.y[k]!));
    }
    ctx.stroke();
    if (n <= 120) {
      ctx.beginPath();
      for (let k = 1; k < n - 1; k++) {
        ctx.moveTo(x(p.x[k]!) + 2, y(p.y[k]!));
        ctx.arc(x(p.x[k]!), y(p.y[k]!), 2, 0, Math.PI * 2);
      }
      ctx.fill();
    }
    // start: a ring with the background inside
    ctx.beginPath();
    ctx.arc(x(p.x[0]!), y(p.y[0]!), 5, 0, Math.PI * 2);
    ctx.fillStyle = theme.bg;
    ctx.fill();
    ctx.lineWidth = 2;
    ctx.stroke();
    // now: a filled dot with a background outline
    if (n > 1) {
      ctx.beginPath();
      ctx.arc(x(p.x[n - 1]!), y(p.y[n - 1]!), 5.5, 0, Math.PI * 2);
      ctx.fillStyle = color;
      ctx.fill();
      ctx.strokeStyle = theme.bg;
      ctx.lineWidth = 1.5;
      ctx.stroke();
    }
  }
}
