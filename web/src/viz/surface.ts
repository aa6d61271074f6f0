// The canvas underneath every plot: sized in CSS pixels, drawn at devicePixelRatio, redrawn
// on the next animation frame when its box resizes, the theme changes or requestDraw() is
// called; plus the small DOM helpers the views share (text is always textContent).
//
//   const s = new Surface(host, (ctx, w, h, theme) => { ctx.fillStyle = theme.fg; ... }, {height: 200});
//   s.requestDraw();   // coalesced: at most one draw per frame
//   s.dispose();

import '../views.css';
import { formatNumber } from './format';

export interface Theme {
  bg: string;
  fg: string;
  muted: string;
  accent: string;
  grid: string;
  danger: string;
  font: string; // CSS font for labels, e.g. "12px system-ui"
  fontSize: number;
  dark: boolean;
}

/** The element property end-to-end tests read: the numbers a view last drew. */
export type DataElement = HTMLElement & { gradlabData?: unknown };

export function setGradlabData(el: HTMLElement, data: unknown): void {
  (el as DataElement).gradlabData = data;
}

/** Theme colours from the CSS custom properties in scope at `el` (fallbacks: light theme). */
export function readTheme(el: Element): Theme {
  const cs = getComputedStyle(el);
  const v = (name: string, fallback: string): string => cs.getPropertyValue(name).trim() || fallback;
  const bg = v('--bg', '#ffffff');
  const fontSize = 12;
  const family = cs.fontFamily || 'system-ui, sans-serif';
  return {
    bg,
    fg: v('--fg', '#1a1a1a'),
    muted: v('--muted', '#6b6b6b'),
    accent: v('--accent', '#0072b2'),
    grid: v('--grid', '#e3e3e3'),
    danger: v('--danger', '#c0392b'),
    font: `${fontSize}px ${family}`,
    fontSize,
    dark: document.documentElement.getAttribute('data-theme') === 'dark',
  };
}

/** document.createElement with a class and optional text (textContent, never HTML). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

export type DrawFn = (ctx: CanvasRenderingContext2D, width: number, height: number, theme: Theme) => void;

export interface SurfaceOptions {
  height?: number; // CSS px; default 220
  aspect?: number; // height = width * aspect (overrides height), e.g. 1 for square fields
  maxHeight?: number;
  label?: string; // aria-label of the canvas
}

/**
 * One queue of canvases to redraw, drained on animation frames within a time budget, so
 * that many views updating at once spread over several frames instead of making one long
 * task (each redrawn canvas also costs the compositor a copy at commit). Canvases outside
 * the viewport are not drawn; they draw when they scroll into view.
 */
class DrawQueue {
  /** ms of drawing per frame before the rest waits for the next frame */
  static readonly BUDGET_MS = 8;
  private readonly queue = new Set<Surface>();
  private frame = 0;

  add(s: Surface): void {
    this.queue.add(s);
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.run());
  }

  delete(s: Surface): void {
    this.queue.delete(s);
  }

  private run(): void {
    this.frame = 0;
    const t0 = performance.now();
    for (const s of this.queue) {
      this.queue.delete(s);
      s.drawIfVisible();
      if (performance.now() - t0 > DrawQueue.BUDGET_MS) break;
    }
    if (this.queue.size > 0) this.frame = requestAnimationFrame(() => this.run());
  }
}

const drawQueue = new DrawQueue();

export class Surface {
  readonly wrap: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  width = 0;
  height = 0;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly resize: ResizeObserver;
  private readonly themeWatch: MutationObserver;
  private readonly visibility: IntersectionObserver | null;
  private disposed = false;
  /** the wrapper's width from the ResizeObserver (reading clientWidth would force layout) */
  private cssWidth = 0;
  private theme: Theme | null = null;
  /** in (or near) the viewport; assumed until the observer says otherwise */
  private visible = true;
  /** a draw was asked for while out of view */
  private stale = false;

  constructor(
    host: HTMLElement,
    private readonly draw: DrawFn,
    private readonly options: SurfaceOptions = {},
  ) {
    this.wrap = el('div', 'gl-surface');
    this.canvas = el('canvas');
    this.canvas.setAttribute('role', 'img');
    if (options.label) this.canvas.setAttribute('aria-label', options.label);
    this.wrap.appendChild(this.canvas);
    host.appendChild(this.wrap);
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('this browser gave no 2-D canvas context');
    this.ctx = ctx;
    this.resize = new ResizeObserver((entries) => {
      const w = entries[entries.length - 1]?.contentRect.width ?? 0;
      if (w > 0 && Math.floor(w) !== Math.floor(this.cssWidth)) {
        this.cssWidth = w;
        this.requestDraw();
      } else if (w > 0) this.cssWidth = w;
    });
    this.resize.observe(this.wrap);
    this.themeWatch = new MutationObserver(() => {
      this.theme = null;
      this.requestDraw();
    });
    this.themeWatch.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme', 'class'] });
    this.visibility =
      typeof IntersectionObserver === 'function'
        ? new IntersectionObserver(
            (entries) => {
              const e = entries[entries.length - 1];
              if (!e) return;
              this.visible = e.isIntersecting;
              if (this.visible && this.stale) this.requestDraw();
            },
            { rootMargin: '100px' },
          )
        : null;
    this.visibility?.observe(this.wrap);
    this.requestDraw();
  }

  /** Coalesced: at most one draw per frame, and none while the canvas is out of view. */
  requestDraw(): void {
    if (this.disposed) return;
    drawQueue.add(this);
  }

  /** The queue's entry point: draws now if in view, else remembers to draw when it is. */
  drawIfVisible(): void {
    if (this.disposed) return;
    if (!this.visible) {
      this.stale = true;
      return;
    }
    this.drawNow();
  }

  /** Draws synchronously (tests and screenshots); normally use requestDraw(). */
  drawNow(): void {
    if (this.disposed) return;
    drawQueue.delete(this);
    this.stale = false;
    if (this.cssWidth <= 0) this.cssWidth = this.wrap.clientWidth;
    const w = Math.max(50, Math.floor(this.cssWidth || 300));
    let h = this.options.aspect ? Math.round(w * this.options.aspect) : (this.options.height ?? 220);
    if (this.options.maxHeight) h = Math.min(h, this.options.maxHeight);
    const dpr = window.devicePixelRatio || 1;
    const pw = Math.round(w * dpr);
    const ph = Math.round(h * dpr);
    if (this.canvas.width !== pw || this.canvas.height !== ph) {
      this.canvas.width = pw;
      this.canvas.height = ph;
      // width comes from CSS (100% of the wrapper); setting it in px here would let the
      // canvas push its container wider on every resize
      this.canvas.style.height = `${h}px`;
    }
    this.width = w;
    this.height = h;
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    this.theme ??= readTheme(this.wrap);
    ctx.font = this.theme.font;
    this.draw(ctx, w, h, this.theme);
  }

  /** Changes the CSS height (for content-sized plots); true when it changed (then redraw). */
  setHeight(h: number): boolean {
    if (this.options.height === h && !this.options.aspect) return false;
    this.options.height = h;
    this.options.aspect = undefined;
    return true;
  }

  /** Pointer position in CSS px relative to the canvas. */
  pointer(e: PointerEvent | MouseEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  dispose(): void {
    this.disposed = true;
    drawQueue.delete(this);
    this.resize.disconnect();
    this.themeWatch.disconnect();
    this.visibility?.disconnect();
    this.wrap.remove();
  }
}

/** A tooltip box inside a Surface's wrapper, placed next to the pointer. */
export class Tooltip {
  readonly box: HTMLDivElement;
  constructor(private readonly surface: Surface) {
    this.box = el('div', 'gl-tooltip');
    this.box.hidden = true;
    surface.wrap.appendChild(this.box);
  }
  show(x: number, y: number, lines: string[]): void {
    this.box.replaceChildren(...lines.map((l) => el('div', undefined, l)));
    this.box.hidden = false;
    const w = this.surface.width;
    const bw = this.box.offsetWidth || 120;
    const left = x + 14 + bw > w ? Math.max(0, x - 14 - bw) : x + 14;
    this.box.style.left = `${left}px`;
    this.box.style.top = `${Math.max(0, y - 10)}px`;
  }
  hide(): void {
    this.box.hidden = true;
  }
}

/** Where the keyboard cursor's read-out goes: a point on the canvas (CSS px) and its lines. */
export interface CursorRead {
  x: number;
  y: number;
  lines: string[];
}

export interface KeyCursorOptions {
  /** the positions the arrow keys move over (row 0 at the top; 1 row for a 1-D chart) */
  grid: () => { rows: number; cols: number };
  /** what to show at a position; null: nothing there */
  read: (row: number, col: number) => CursorRead | null;
  /** where focus starts: the first column (default) or the last (the latest step of a curve) */
  start?: 'first' | 'last';
  /** the cursor moved (null: it left, on blur), to mark it in the drawing */
  onMove?: (cell: { row: number; col: number } | null) => void;
}

let cursorIds = 0;

/**
 * The keyboard twin of a plot's hover read-out: the canvas takes focus, ← → (and ↑ ↓ on a
 * 2-D grid), Home, End, Page Up and Page Down move a cursor, the tooltip shows what hover
 * would show there, and a polite live region says it (screen readers announce each move).
 */
export class KeyCursor {
  readonly readout: HTMLParagraphElement;
  row = 0;
  col = 0;
  private placed = false;
  private active = false;

  constructor(
    surface: Surface,
    private readonly tooltip: Tooltip,
    private readonly options: KeyCursorOptions,
  ) {
    const c = surface.canvas;
    c.tabIndex = 0;
    this.readout = el('p', 'gl-sr-only gl-cursor-readout');
    this.readout.id = `gl-cursor-${++cursorIds}`;
    this.readout.setAttribute('aria-live', 'polite');
    surface.wrap.appendChild(this.readout);
    c.setAttribute('aria-describedby', this.readout.id);
    c.setAttribute('aria-keyshortcuts', 'ArrowLeft ArrowRight ArrowUp ArrowDown Home End PageUp PageDown');
    c.setAttribute('aria-roledescription', 'chart: arrow keys read the values');
    c.addEventListener('focus', () => {
      this.active = true;
      if (!this.placed) {
        const { rows, cols } = options.grid();
        this.row = 0;
        this.col = options.start === 'last' ? cols - 1 : 0;
        this.placed = rows > 0 && cols > 0;
      }
      this.show(true);
    });
    c.addEventListener('blur', () => {
      this.active = false;
      this.tooltip.hide();
      options.onMove?.(null);
    });
    c.addEventListener('keydown', (e) => this.key(e));
  }

  /** The data changed: the tooltip follows the cursor (the live region speaks on keys only). */
  refresh(): void {
    if (this.active) this.show(false);
  }

  private key(e: KeyboardEvent): void {
    const { rows, cols } = this.options.grid();
    if (rows <= 0 || cols <= 0) return;
    const page = Math.max(1, Math.round(cols / 10));
    const moves: Record<string, () => void> = {
      ArrowLeft: () => (this.col -= 1),
      ArrowRight: () => (this.col += 1),
      ArrowUp: () => (this.row -= 1),
      ArrowDown: () => (this.row += 1),
      Home: () => (this.col = 0),
      End: () => (this.col = cols - 1),
      PageUp: () => (this.col -= page),
      PageDown: () => (this.col += page),
    };
    const move = moves[e.key];
    if (!move || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    move();
    this.placed = true;
    this.show(true);
  }

  private show(speak: boolean): void {
    const { rows, cols } = this.options.grid();
    if (rows <= 0 || cols <= 0) {
      this.tooltip.hide();
      if (speak) this.readout.textContent = 'no data yet';
      return;
    }
    this.row = Math.min(rows - 1, Math.max(0, this.row));
    this.col = Math.min(cols - 1, Math.max(0, this.col));
    const r = this.options.read(this.row, this.col);
    this.options.onMove?.({ row: this.row, col: this.col });
    if (!r) {
      this.tooltip.hide();
      if (speak) this.readout.textContent = 'no value here';
      return;
    }
    this.tooltip.show(r.x, r.y, r.lines);
    if (speak) this.readout.textContent = r.lines.join('; ');
  }
}

/** A cell of a data table: a number (formatted to 6 significant digits) or text. */
export type TableCell = number | string | null;

export interface TableContent {
  caption: string;
  head: string[];
  rows: TableCell[][];
  /** said under the table, e.g. that long series show every k-th row */
  note?: string;
}

/**
 * A chart's numbers as a table on demand: a "Table" toggle (aria-expanded) and, when open, a
 * scrolling table built from `content()`, rebuilt on refresh() only while open. Numbers keep
 * 6 significant digits; `data-value` holds the full number for tests.
 */
export class DataTable {
  readonly toggle: HTMLButtonElement;
  readonly box: HTMLDivElement;

  constructor(private readonly content: () => TableContent, what = 'chart') {
    this.box = el('div', 'gl-data-table');
    this.box.id = `gl-table-${++cursorIds}`;
    this.box.hidden = true;
    this.toggle = el('button', 'gl-table-toggle', 'Table');
    this.toggle.type = 'button';
    this.toggle.setAttribute('aria-expanded', 'false');
    this.toggle.setAttribute('aria-controls', this.box.id);
    this.toggle.setAttribute('aria-label', `Table: the ${what}'s numbers`);
    this.toggle.title = `Show the ${what}'s numbers as a table`;
    this.toggle.addEventListener('click', () => {
      this.box.hidden = !this.box.hidden;
      this.toggle.setAttribute('aria-expanded', String(!this.box.hidden));
      // built now, not after the once-a-second limit: 0 would defer the first table by up
      // to a second when the page is younger than that (performance.now() counts from load)
      this.built = -Infinity;
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      this.refresh();
    });
  }

  get open(): boolean {
    return !this.box.hidden;
  }

  private built = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** Rebuilds the open table, at most once a second while the data streams in (training). */
  refresh(): void {
    if (this.box.hidden || this.timer !== null) return;
    const wait = this.built + 1000 - performance.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.refresh();
      }, wait);
      return;
    }
    this.built = performance.now();
    const c = this.content();
    const table = el('table', 'gl-table');
    table.appendChild(el('caption', 'gl-sr-only', c.caption));
    const head = el('tr');
    for (const h of c.head) {
      const th = el('th', undefined, h);
      th.scope = 'col';
      head.appendChild(th);
    }
    table.appendChild(el('thead')).appendChild(head);
    const body = table.appendChild(el('tbody'));
    for (const row of c.rows) {
      const tr = body.appendChild(el('tr'));
      row.forEach((v, i) => {
        const cell = el(i === 0 ? 'th' : 'td', typeof v === 'number' ? 'gl-num' : undefined, cellText(v));
        if (i === 0) (cell as HTMLTableCellElement).scope = 'row';
        if (typeof v === 'number') cell.dataset.value = String(v);
        tr.appendChild(cell);
      });
    }
    this.box.replaceChildren(table, ...(c.note ? [el('p', 'gl-muted', c.note)] : []));
  }
}

function cellText(v: TableCell): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  return formatNumber(v, 6); // the full value is in the cell's data-value
}
