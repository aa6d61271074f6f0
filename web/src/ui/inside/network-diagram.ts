// NetworkDiagramView (data-view "network-diagram"): the network as TensorFlow Playground
// draws it. Runs of Linear layers are columns of units joined by one edge per weight, blue
// for a negative weight and red for a positive one, wider for a larger |w|; a unit's fill is
// its bias. Recurrent layers are a cell with its loop (unrolled over a few steps on demand),
// embeddings, attention and the rest are blocks, a GAN is its generator and critic. Large
// layers show their first units and how many more there are. Input: the worker's `weights`
// snapshot (src/engine/weights.ts); it redraws on every snapshot, so it is live while training.
// With 2-D data the worker's `unit_fields` arrive too: each unit of the first Linear layers
// then shows its activation over the plane (a thumbnail), ringed by its bias.
// Hover, or focus and the arrow keys, read a unit, an edge or a block out; Page Down / Up
// walk a unit's incoming weights; a click pins the read-out and emits `gradlab-select-parameter`
// ({name, index}) for other views.
// gradlabData: {kind, step, edges: [{param, row, col, weight, sign, color, width}], weight_count,
// edges_drawn, columns: [...], units: [...], blocks: [...], unrolled, selected, unit_fields, thumbnails}.
import type { UnitFieldLayer, UnitFieldsSnapshot, WeightsSnapshot } from '../../engine/weights';
import { diverging, formatNumber } from '../../viz/scales';
import { DataTable, type TableCell } from '../../viz/surface';
import {
  biasColor,
  buildDiagram,
  edgeColor,
  edgeWidth,
  mlpStages,
  type BlockStage,
  type Column,
  type Diagram,
  type Edge,
  type MlpStage,
  type Stage,
} from './network-diagram-model';
import { el, emit, labelled, setGradlabData, viewRoot } from './view';
import './network-diagram.css';

const SVG = 'http://www.w3.org/2000/svg';
// units: radius and spacing; with activation thumbnails (2-D data) larger, the bias a ring round the thumbnail
const PLAIN_UNITS = { r: 10, gap: 28, thumb: 0 };
const FIELD_UNITS = { r: 14, gap: 34, thumb: 18 };
const COL_GAP = 120;
const MIN_COL_GAP = 64; // a deep MLP's columns close up to this to fit the card
const HEAD = 40; // column labels above the units
const PAD = 44; // left and right of an MLP stage
const BLOCK_W = 190;
const SMALL_BLOCK_W = 120; // a block without parameters (last step, flatten, ...)
const LINE_H = 15;
const CHAR_W = 6.2; // px per character of the 11 px block text, for wrapping
const LOOP_SPACE = 48; // above a recurrent cell, for its loop and its label
/** a diagram narrower than this share of its natural width scrolls instead */
const MIN_SCALE = 0.75;
const STAGE_GAP = 46;
const ROW_TITLE = 22;
/** steps an unrolled recurrent layer is drawn over */
export const UNROLL_STEPS = 4;
const CELL_W = 92;

const HINT = 'Hover over a unit, an edge or a block, or focus the diagram and use the arrow keys (Page Down / Up: a unit’s incoming weights).';

type Key = { kind: 'unit'; stage: number; column: number; unit: number } | { kind: 'edge'; stage: number; edge: number } | { kind: 'block'; stage: number };

interface Placed {
  stage: Stage;
  x: number;
  y: number;
  w: number;
  h: number;
  /** MLP: each column's x and its units' y */
  colX: number[];
  unitY: number[][];
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, parent?: Element): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent?.appendChild(e);
  return e;
}

function text(parent: Element, x: number, y: number, s: string, cls: string, anchor = 'middle'): SVGTextElement {
  const t = svg('text', { x, y, class: cls, 'text-anchor': anchor }, parent);
  t.textContent = s;
  return t;
}

function keyString(k: Key): string {
  return k.kind === 'unit' ? `u:${k.stage}:${k.column}:${k.unit}` : k.kind === 'edge' ? `e:${k.stage}:${k.edge}` : `b:${k.stage}`;
}

function parseKey(s: string | null | undefined): Key | null {
  if (!s) return null;
  const [kind, ...n] = s.split(':');
  const v = n.map(Number);
  if (kind === 'u' && v.length === 3) return { kind: 'unit', stage: v[0]!, column: v[1]!, unit: v[2]! };
  if (kind === 'e' && v.length === 2) return { kind: 'edge', stage: v[0]!, edge: v[1]! };
  if (kind === 'b' && v.length === 1) return { kind: 'block', stage: v[0]! };
  return null;
}

function blockWidth(s: BlockStage, unrolled: boolean): number {
  if (s.recurrent && unrolled) return UNROLL_STEPS * CELL_W + 40;
  return s.params.length > 0 ? BLOCK_W : SMALL_BLOCK_W;
}

/** Words into lines of at most `chars` characters. */
export function wrap(line: string, chars: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const word of line.split(' ')) {
    if (cur && cur.length + 1 + word.length > chars) {
      out.push(cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  if (cur) out.push(cur);
  return out;
}

/** A parameter's short name in a block: weight_hh_l0 -> W_hh, bias -> b, ..._reverse -> (rev). */
export function shortName(name: string): string {
  const last = name.split('.').pop() ?? name;
  const rev = last.endsWith('_reverse') ? ' rev' : '';
  const base = last.replace(/_reverse$/, '').replace(/_l0$/, '');
  const m = /^(weight|bias)(?:_(.*))?$/.exec(base);
  return m ? `${m[1] === 'weight' ? 'W' : 'b'}${m[2] ? `_${m[2]}` : ''}${rev}` : base + rev;
}

/** The text lines a folded block draws under its title. */
function blockLines(s: BlockStage, w: number): string[] {
  const chars = Math.floor((w - 12) / CHAR_W);
  return s.lines.flatMap((l) => wrap(l, chars)).slice(0, 4);
}

function blockHeight(s: BlockStage, unrolled: boolean): number {
  if (s.recurrent && unrolled) return 150;
  const lines = blockLines(s, blockWidth(s, unrolled)).length + (s.params.length > 0 ? 1 : 0);
  return 30 + LINE_H * lines + 8 + (s.recurrent ? LOOP_SPACE : 0);
}

function mlpHeight(s: MlpStage, gap: number): number {
  return Math.max(...s.columns.map((c) => c.units.length * gap + (c.more > 0 ? 22 : 0)));
}

/** Structure only (what is drawn, not the values): a change rebuilds the SVG. */
function signature(d: Diagram, unrolled: boolean): string {
  const stage = (s: Stage): string =>
    s.kind === 'mlp' ? `m${s.columns.map((c) => `${c.label}/${c.size}/${c.units.length}/${c.activation}`).join(',')}` : `b${s.type}/${s.title}/${s.lines.length}`;
  return `${d.kind}|${unrolled}|${d.rows.map((r) => `${r.title}:${r.stages.map(stage).join(';')}`).join('|')}`;
}

export class NetworkDiagramView {
  readonly root: HTMLDivElement;
  private readonly frame: HTMLDivElement;
  private readonly readout: HTMLParagraphElement;
  private readonly unroll: HTMLInputElement;
  private readonly unrollRow: HTMLDivElement;
  private readonly status: HTMLParagraphElement;
  private svgEl: SVGSVGElement | null = null;
  private diagram: Diagram | null = null;
  private stages: Stage[] = [];
  private placed: Placed[] = [];
  private sig = '';
  private step: number | null = null;
  private updates = 0;
  /** drawn elements by key (edges, units, blocks' value lines) */
  private edgeEls: SVGLineElement[][] = [];
  private unitEls: SVGCircleElement[][][] = [];
  /** per MLP stage, column, unit: the activation thumbnail (hidden until a field arrives) */
  private thumbEls: Array<Array<Array<SVGImageElement | null>>> = [];
  private fields: UnitFieldsSnapshot | null = null;
  private fieldsDrawn: UnitFieldsSnapshot | null = null;
  private thumbCanvas: HTMLCanvasElement | null = null;
  /** unit sizes of the current layout */
  private u = PLAIN_UNITS;
  private blockValueEls: SVGTextElement[][] = [];
  private focusRing: SVGGElement | null = null;
  private current: Key | null = null;
  private pinned = false;
  private keyboard = false;
  /** the drawn weights, biases and blocks' norms as a table on demand */
  private readonly table = new DataTable(() => this.tableContent(), 'network diagram');

  constructor(host: HTMLElement, private readonly options: { onSelect?: (d: { name: string; index: number[] }) => void } = {}) {
    this.root = viewRoot(
      host,
      'network-diagram',
      'The network: each Linear layer’s weights as edges between units (blue negative, red positive, wider for a larger |w|), each unit filled by its bias (on 2-D data: showing its activation over the plane); other layers as blocks. Live while training.',
    ).root;
    this.status = el('p', 'gl-nd-status');
    this.unroll = el('input');
    this.unroll.type = 'checkbox';
    this.unroll.addEventListener('change', () => this.redraw(true));
    this.unrollRow = el('div', 'gl-row');
    this.unrollRow.appendChild(labelled(`Unroll the recurrent layer over ${UNROLL_STEPS} steps`, this.unroll));
    this.unrollRow.hidden = true;
    this.frame = el('div', 'gl-nd-frame');
    this.readout = el('p', 'gl-readout', HINT);
    this.readout.id = `gl-nd-readout-${Math.random().toString(36).slice(2, 9)}`;
    this.readout.setAttribute('aria-live', 'polite');
    const tableRow = el('div', 'gl-table-row');
    tableRow.appendChild(this.table.toggle);
    this.root.append(this.status, this.unrollRow, this.frame, this.readout, tableRow, this.table.box);
    setGradlabData(this.root, { kind: null, step: null, edges: [], weight_count: 0, edges_drawn: 0, columns: [], units: [], blocks: [], unrolled: false, selected: null, updates: 0 });
  }

  update(data: WeightsSnapshot | { weights: WeightsSnapshot; unit_fields?: UnitFieldsSnapshot; step?: number }): void {
    const snap = 'weights' in data ? data.weights : data;
    this.fields = 'weights' in data ? (data.unit_fields ?? null) : null;
    this.step = 'weights' in data && typeof data.step === 'number' ? data.step : null;
    this.diagram = buildDiagram(snap);
    this.updates++;
    this.redraw(false);
  }

  dispose(): void {
    this.root.remove();
  }

  private redraw(force: boolean): void {
    const d = this.diagram;
    if (!d) return;
    const unrolled = this.unroll.checked;
    this.stages = d.rows.flatMap((r) => r.stages);
    this.unrollRow.hidden = !this.stages.some((s) => s.kind === 'block' && s.recurrent);
    const sig = `${signature(d, unrolled)}|${this.fields !== null}`;
    if (force || sig !== this.sig || !this.svgEl) {
      this.sig = sig;
      this.build(d, unrolled);
    }
    this.paint();
    this.publish(unrolled);
    this.table.refresh();
    if (this.current) this.show(this.current);
  }

  /** A row per drawn edge (its weight), per drawn unit (its bias) and per block parameter (its norm). */
  private tableContent() {
    const rows: TableCell[][] = [];
    for (const s of this.stages) {
      if (s.kind === 'mlp') {
        for (const e of s.edges) rows.push([`${e.param}[${e.row}, ${e.col}]`, 'weight', e.weight]);
        for (const c of s.columns) if (c.biasParam) for (const u of c.units) rows.push([`${c.biasParam}[${u.index}]`, 'bias', u.bias]);
      } else for (const p of s.params) rows.push([`${p.name} [${p.shape.join('×')}]`, `‖·‖ (${s.title})`, p.norm]);
    }
    return { caption: 'network diagram', head: ['parameter', 'what', 'value'], rows };
  }

  /** Lays the diagram out and creates its elements (values are set by paint()). */
  private build(d: Diagram, unrolled: boolean): void {
    const root = svg('svg', { class: 'gl-nd-svg', tabindex: 0, role: 'group', 'aria-describedby': this.readout.id });
    root.setAttribute('aria-label', 'Network diagram. Arrow keys move between units and blocks; Page Down and Page Up step through a unit’s incoming weights; Enter pins the read-out.');
    const defs = svg('defs', {}, root);
    const marker = svg('marker', { id: `${this.readout.id}-arrow`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
    svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'gl-nd-arrowhead' }, marker);
    const arrow = `url(#${this.readout.id}-arrow)`;
    this.placed = [];
    this.edgeEls = [];
    this.unitEls = [];
    this.thumbEls = [];
    this.fieldsDrawn = null;
    this.u = this.fields ? FIELD_UNITS : PLAIN_UNITS;
    this.blockValueEls = [];
    let y = 8;
    let width = 0;
    let index = 0;
    // a row wider than the card can show at MIN_SCALE goes on in a new line below
    const room = Math.max(520, ((this.frame.clientWidth || 600) - 8) / MIN_SCALE); // 8: the frame's padding
    const colGap = (s: MlpStage): number => Math.max(MIN_COL_GAP, Math.min(COL_GAP, (room - 16 - 2 * PAD) / Math.max(1, s.columns.length - 1)));
    const stageW = (s: Stage): number => (s.kind === 'mlp' ? (s.columns.length - 1) * colGap(s) + 2 * PAD : blockWidth(s, unrolled));
    const stageH = (s: Stage): number => (s.kind === 'mlp' ? mlpHeight(s, this.u.gap) + HEAD : blockHeight(s, unrolled));
    for (const row of d.rows) {
      if (row.title) {
        text(root, 8, y + 14, row.title, 'gl-nd-row-title', 'start');
        y += ROW_TITLE;
      }
      const lines: Stage[][] = [[]];
      let used = 8;
      for (const s of row.stages) {
        const w = stageW(s) + STAGE_GAP;
        if (used + w > room && lines[lines.length - 1]!.length > 0) {
          lines.push([]);
          used = 8 + STAGE_GAP;
        }
        lines[lines.length - 1]!.push(s);
        used += w;
      }
      lines.forEach((line, li) => {
        const rowH = Math.max(60, ...line.map(stageH));
        let x = li > 0 ? 8 + STAGE_GAP : 8;
        line.forEach((s) => {
          const w = stageW(s);
          const p: Placed = { stage: s, x, y, w, h: rowH, colX: [], unitY: [] };
          if (index > 0 && s !== row.stages[0]) svg('line', { x1: x - STAGE_GAP + 4, y1: y + rowH / 2, x2: x - 4, y2: y + rowH / 2, class: 'gl-nd-flow', 'marker-end': arrow }, root);
          if (s.kind === 'mlp') this.buildMlp(root, p, s, index, colGap(s));
          else this.buildBlock(root, p, s, index, unrolled, arrow);
          this.placed.push(p);
          index++;
          x += w + STAGE_GAP;
        });
        width = Math.max(width, x - STAGE_GAP + 8);
        y += rowH + 16;
      });
    }
    this.focusRing = svg('g', { class: 'gl-nd-focus' }, root);
    root.setAttribute('viewBox', `0 0 ${width} ${y}`);
    root.setAttribute('width', String(width));
    root.setAttribute('height', String(y));
    // scaled down to the card's width, but not below MIN_SCALE (then it scrolls)
    root.style.minWidth = `${Math.round(width * MIN_SCALE)}px`;
    root.addEventListener('pointermove', (e) => this.hover(e));
    root.addEventListener('pointerleave', () => {
      if (!this.pinned && !this.keyboard) this.show(null);
    });
    root.addEventListener('click', (e) => this.click(e));
    root.addEventListener('keydown', (e) => this.key(e));
    root.addEventListener('focus', () => {
      this.keyboard = true;
      if (!this.current) this.show(this.firstKey());
    });
    root.addEventListener('blur', () => {
      this.keyboard = false;
      if (!this.pinned) this.show(null);
    });
    this.svgEl?.remove();
    this.svgEl = root;
    this.frame.appendChild(root);
    if (this.current && !this.exists(this.current)) {
      this.current = null;
      this.pinned = false;
    }
  }

  private buildMlp(root: SVGSVGElement, p: Placed, s: MlpStage, index: number, gap: number): void {
    const g = svg('g', { class: 'gl-nd-mlp' }, root);
    const top = p.y + HEAD;
    const bodyH = p.h - HEAD;
    s.columns.forEach((c, ci) => {
      const cx = p.x + PAD + ci * gap;
      p.colX.push(cx);
      const colH = c.units.length * this.u.gap + (c.more > 0 ? 22 : 0);
      const y0 = top + (bodyH - colH) / 2 + this.u.gap / 2;
      p.unitY.push(c.units.map((_, i) => y0 + i * this.u.gap));
      // closed-up columns (a deep MLP) use short labels: "h3", "16 · σ"
      const narrow = gap < 100;
      const act = c.activation && narrow ? c.activation.replace('sigmoid', 'σ').replace('leaky_relu', 'lrelu') : c.activation;
      text(g, cx, p.y + 14, narrow ? c.label.replace(/^hidden /, 'h') : c.label, 'gl-nd-col-title');
      text(g, cx, p.y + 28, `${c.size}${act ? ` · ${act}` : ''}`, 'gl-nd-col-sub');
      if (c.more > 0) text(g, cx, y0 + c.units.length * this.u.gap - 4, `… ${c.more} more`, 'gl-nd-more');
    });
    // edges under the units; a wide transparent twin on top of each makes thin ones easy to hover
    const edges = svg('g', { class: 'gl-nd-edges' }, g);
    const hits = svg('g', { class: 'gl-nd-hits' }, g);
    const els: SVGLineElement[] = [];
    s.edges.forEach((e, ei) => {
      const x1 = p.colX[e.from]!;
      const x2 = p.colX[e.from + 1]!;
      const y1 = p.unitY[e.from]![e.col]!;
      const y2 = p.unitY[e.from + 1]![e.row]!;
      els.push(svg('line', { x1: x1 + this.u.r, y1, x2: x2 - this.u.r, y2, class: 'gl-nd-edge' }, edges));
      svg('line', { x1: x1 + this.u.r, y1, x2: x2 - this.u.r, y2, class: 'gl-nd-hit', 'data-key': keyString({ kind: 'edge', stage: index, edge: ei }) }, hits);
    });
    this.edgeEls[index] = els;
    const units = svg('g', { class: 'gl-nd-units' }, g);
    this.unitEls[index] = s.columns.map((c, ci) =>
      c.units.map((_, ui) =>
        svg('circle', { cx: p.colX[ci]!, cy: p.unitY[ci]![ui]!, r: this.u.r, class: 'gl-nd-unit', 'data-key': keyString({ kind: 'unit', stage: index, column: ci, unit: ui }) }, units),
      ),
    );
    // a unit's activation over the plane, on top of its circle (its bias stays as the ring)
    this.thumbEls[index] = s.columns.map((c, ci) =>
      c.units.map((_, ui) => {
        if (c.layer === null || this.u.thumb === 0) return null;
        const t = this.u.thumb / 2;
        const img = svg('image', { x: p.colX[ci]! - t, y: p.unitY[ci]![ui]! - t, width: this.u.thumb, height: this.u.thumb, class: 'gl-nd-thumb', visibility: 'hidden', 'data-key': keyString({ kind: 'unit', stage: index, column: ci, unit: ui }) }, units);
        img.setAttribute('preserveAspectRatio', 'none');
        return img;
      }),
    );
  }

  private buildBlock(root: SVGSVGElement, p: Placed, s: BlockStage, index: number, unrolled: boolean, arrow: string): void {
    const g = svg('g', { class: `gl-nd-block gl-nd-block-${s.type}`, 'data-key': keyString({ kind: 'block', stage: index }) }, root);
    const loopSpace = s.recurrent ? LOOP_SPACE : 0;
    const boxH = blockHeight(s, false) - loopSpace;
    const by = s.recurrent && unrolled ? p.y + (p.h - 130) / 2 + 16 : p.y + (p.h - boxH - loopSpace) / 2 + loopSpace;
    const values: SVGTextElement[] = [];
    if (s.recurrent && unrolled) {
      // the same cell at steps 1..N: x_t in from below, h_t on to the next step
      text(g, p.x + p.w / 2, by - 16, `${s.title} unrolled: the same weights at every step`, 'gl-nd-block-title');
      for (let t = 0; t < UNROLL_STEPS; t++) {
        const cx = p.x + 20 + t * CELL_W;
        svg('rect', { x: cx, y: by, width: CELL_W - 26, height: 56, rx: 8, class: 'gl-nd-box' }, g);
        text(g, cx + (CELL_W - 26) / 2, by + 24, s.recurrent.cell.toUpperCase(), 'gl-nd-block-title');
        text(g, cx + (CELL_W - 26) / 2, by + 42, `h_${t + 1}`, 'gl-nd-block-line');
        svg('line', { x1: cx + (CELL_W - 26) / 2, y1: by + 84, x2: cx + (CELL_W - 26) / 2, y2: by + 58, class: 'gl-nd-flow', 'marker-end': arrow }, g);
        text(g, cx + (CELL_W - 26) / 2, by + 98, `x_${t + 1}`, 'gl-nd-block-line');
        if (t > 0) svg('line', { x1: cx - 26, y1: by + 28, x2: cx - 2, y2: by + 28, class: 'gl-nd-flow', 'marker-end': arrow }, g);
      }
      svg('line', { x1: p.x + 2, y1: by + 28, x2: p.x + 18, y2: by + 28, class: 'gl-nd-flow', 'marker-end': arrow }, g);
      text(g, p.x + 4, by + 18, 'h_0', 'gl-nd-block-line', 'start');
      values.push(text(g, p.x + p.w / 2, by + 122, '', 'gl-nd-block-line'));
    } else {
      svg('rect', { x: p.x, y: by, width: p.w, height: boxH, rx: 10, class: 'gl-nd-box' }, g);
      text(g, p.x + p.w / 2, by + 20, s.title, 'gl-nd-block-title');
      const lines = blockLines(s, p.w);
      lines.forEach((line, i) => text(g, p.x + p.w / 2, by + 38 + i * LINE_H, line, 'gl-nd-block-line'));
      if (s.params.length > 0) values.push(text(g, p.x + p.w / 2, by + 38 + lines.length * LINE_H, '', 'gl-nd-block-line gl-nd-block-value'));
      if (s.recurrent) {
        // the loop: h_t leaves the cell's top right and comes back as h_{t-1} at its top left
        const l = p.x + p.w * 0.3;
        const r = p.x + p.w * 0.7;
        svg('path', { d: `M${r},${by} C${r},${by - 34} ${l},${by - 34} ${l},${by - 2}`, class: 'gl-nd-loop', 'marker-end': arrow }, g);
        text(g, p.x + p.w / 2, by - 36, 'h_{t−1} back through W_hh', 'gl-nd-block-line');
      }
    }
    this.blockValueEls[index] = values;
  }

  /** Sets the values: edge colours and widths, bias fills, blocks' norms. */
  private paint(): void {
    this.stages.forEach((s, i) => {
      if (s.kind === 'mlp') {
        const els = this.edgeEls[i] ?? [];
        s.edges.forEach((e, ei) => {
          const line = els[ei];
          if (!line) return;
          line.setAttribute('stroke', edgeColor(e.weight, s.maxAbs));
          line.setAttribute('stroke-width', edgeWidth(e.weight, s.maxAbs).toFixed(2)); // format-ok: SVG attribute
          line.setAttribute('stroke-opacity', (0.35 + 0.65 * Math.min(1, Math.abs(e.weight) / (s.maxAbs || 1))).toFixed(2));  // format-ok: SVG attribute
        });
        s.columns.forEach((c, ci) =>
          c.units.forEach((u, ui) => {
            const fill = biasColor(u.bias, s.maxAbsBias);
            const circle = this.unitEls[i]?.[ci]?.[ui];
            if (!circle) return;
            if (fill) circle.setAttribute('fill', fill);
            else circle.removeAttribute('fill');
            circle.classList.toggle('gl-nd-nobias', fill === null);
          }),
        );
      } else {
        const v = this.blockValueEls[i]?.[0];
        if (v) v.textContent = s.params.slice(0, 2).map((p) => `‖${shortName(p.name)}‖ ${formatNumber(p.norm)}`).join(' · ');
      }
    });
    this.paintFields();
    const stages = this.diagram ? mlpStages(this.diagram) : [];
    const weights = stages.reduce((n, s) => n + s.weightCount, 0);
    const drawn = stages.reduce((n, s) => n + s.edges.length, 0);
    const bits = [this.step !== null ? `training step ${this.step}` : `update ${this.updates}`];
    const n = this.fields?.layers.length ?? 0;
    if (n > 0) bits.push(`${n === 1 ? 'the first layer’s units show' : `the first ${n} layers’ units show`} their activation over the plane`);
    if (weights > 0) bits.push(drawn === weights ? `${weights} weights, one edge each` : `${drawn} of ${weights} weights drawn (large layers show their first units)`);
    this.status.textContent = bits.join(' · ');
  }

  /** The field of the Linear layer `layer`, or null. */
  private fieldOf(layer: number | null): UnitFieldLayer | null {
    return layer === null ? null : (this.fields?.layers.find((l) => l.layer === layer) ?? null);
  }

  /** Each unit's activation over the plane as its thumbnail (diverging: blue < 0 < red, per unit's own range). */
  private paintFields(): void {
    if (this.fields === this.fieldsDrawn) return;
    this.fieldsDrawn = this.fields;
    this.stages.forEach((s, i) => {
      if (s.kind !== 'mlp') return;
      s.columns.forEach((c, ci) => {
        const f = this.fieldOf(c.layer);
        c.units.forEach((u, ui) => {
          const img = this.thumbEls[i]?.[ci]?.[ui];
          if (!img) return;
          const unit = f?.units.find((x) => x.index === u.index);
          if (!f || !unit) {
            img.setAttribute('visibility', 'hidden');
            return;
          }
          // a sigmoid's output is centred on 0.5 (white), anything else on 0, blue below, red above
          const centre = c.activation?.includes('sigmoid') ? 0.5 : 0;
          img.setAttribute('href', this.thumbnail(f, unit.values, centre, centre === 0.5 ? 0.5 : Math.max(Math.abs(unit.min), Math.abs(unit.max))));
          img.setAttribute('visibility', 'visible');
        });
      });
    });
  }

  private thumbnail(f: UnitFieldLayer, values: number[], centre: number, maxAbs: number): string {
    const canvas = (this.thumbCanvas ??= document.createElement('canvas'));
    canvas.width = f.nx;
    canvas.height = f.ny;
    const ctx = canvas.getContext('2d');
    if (!ctx) return '';
    const img = ctx.createImageData(f.nx, f.ny);
    for (let y = 0; y < f.ny; y++)
      for (let x = 0; x < f.nx; x++) {
        const [r, g, b] = diverging((values[y * f.nx + x] ?? centre) - centre, maxAbs);
        const o = ((f.ny - 1 - y) * f.nx + x) * 4; // row 0 is y_min: at the bottom
        img.data[o] = r;
        img.data[o + 1] = g;
        img.data[o + 2] = b;
        img.data[o + 3] = 255;
      }
    ctx.putImageData(img, 0, 0);
    return canvas.toDataURL('image/png');
  }

  private publish(unrolled: boolean): void {
    const edges: unknown[] = [];
    const columns: unknown[] = [];
    const units: unknown[] = [];
    const blocks: unknown[] = [];
    let weightCount = 0;
    this.stages.forEach((s, i) => {
      if (s.kind === 'mlp') {
        weightCount += s.weightCount;
        for (const e of s.edges) edges.push({ stage: i, param: e.param, row: e.row, col: e.col, weight: e.weight, sign: Math.sign(e.weight), color: edgeColor(e.weight, s.maxAbs), width: edgeWidth(e.weight, s.maxAbs) });
        s.columns.forEach((c, ci) => {
          columns.push({ stage: i, label: c.label, size: c.size, shown: c.units.length, more: c.more, activation: c.activation });
          const f = this.fieldOf(c.layer);
          for (const u of c.units) {
            const field = f?.units.find((x) => x.index === u.index);
            units.push({ stage: i, column: ci, index: u.index, bias: u.bias, bias_param: c.biasParam, fill: biasColor(u.bias, s.maxAbsBias), layer: c.layer, field: field ? { min: field.min, max: field.max } : null });
          }
        });
      } else {
        blocks.push({ stage: i, type: s.type, title: s.title, recurrent: s.recurrent !== null, steps_drawn: s.recurrent ? (unrolled ? UNROLL_STEPS : 1) : null, params: s.params });
      }
    });
    setGradlabData(this.root, {
      kind: this.diagram?.kind ?? null,
      step: this.step,
      rows: this.diagram?.rows.map((r) => ({ title: r.title, stages: r.stages.map((s) => (s.kind === 'mlp' ? 'mlp' : s.type)) })) ?? [],
      edges,
      weight_count: weightCount,
      edges_drawn: edges.length,
      columns,
      units,
      blocks,
      unrolled,
      selected: this.current ? { key: keyString(this.current), pinned: this.pinned, text: this.readout.textContent } : null,
      unit_fields: this.fields,
      thumbnails: this.thumbEls.flat(2).filter((t) => t?.getAttribute('visibility') === 'visible').length,
      updates: this.updates,
    });
  }

  // --- read-outs ---------------------------------------------------------------------

  private columnLabel(s: MlpStage, c: Column): string {
    return c.label + (s.title ? ` (${s.title.split(':')[0]})` : '');
  }

  describe(k: Key): string {
    const s = this.stages[k.stage];
    if (!s) return HINT;
    if (k.kind === 'block' && s.kind === 'block') {
      const params = s.params.map((p) => `${p.name} [${p.shape.join('×')}] ‖·‖ ${formatNumber(p.norm)}`).join('; ');
      return `${s.title}: ${s.lines.join('; ')}${params ? `. Parameters: ${params}` : ''}`;
    }
    if (s.kind !== 'mlp') return HINT;
    if (k.kind === 'unit') {
      const c = s.columns[k.column];
      const u = c?.units[k.unit];
      if (!c || !u) return HINT;
      if (k.column === 0) return `${this.columnLabel(s, c)}, unit ${u.index + 1} of ${c.size}`;
      const act = c.activation ? `, then ${c.activation}` : '';
      const bias = c.biasParam && u.bias !== null ? `bias ${c.biasParam}[${u.index}] = ${formatNumber(u.bias, 4)}` : 'no bias';
      const field = this.fieldOf(c.layer)?.units.find((x) => x.index === u.index);
      const range = field ? `; over the plane from ${formatNumber(field.min)} to ${formatNumber(field.max)}` : '';
      return `${this.columnLabel(s, c)}, unit ${u.index + 1} of ${c.size}${act}: ${bias}${range}; ${s.columns[k.column - 1]!.units.length} incoming weights (Page Down)`;
    }
    if (k.kind === 'edge') {
      const e = s.edges[k.edge];
      if (!e) return HINT;
      const a = s.columns[e.from]!;
      const b = s.columns[e.from + 1]!;
      return `${e.param}[${e.row}, ${e.col}] = ${formatNumber(e.weight, 4)} (${e.weight < 0 ? 'negative: blue' : e.weight > 0 ? 'positive: red' : 'zero'}): ${a.label} unit ${e.col + 1} → ${b.label} unit ${e.row + 1}`;
    }
    return HINT;
  }

  private exists(k: Key): boolean {
    const s = this.stages[k.stage];
    if (!s) return false;
    if (k.kind === 'block') return s.kind === 'block';
    if (s.kind !== 'mlp') return false;
    if (k.kind === 'edge') return k.edge < s.edges.length;
    return k.unit < (s.columns[k.column]?.units.length ?? 0);
  }

  private show(k: Key | null): void {
    this.current = k && this.exists(k) ? k : null;
    const ring = this.focusRing;
    ring?.replaceChildren();
    const cur = this.current;
    this.readout.textContent = cur ? this.describe(cur) : HINT;
    if (cur && ring) {
      const p = this.placed[cur.stage]!;
      if (cur.kind === 'unit') svg('circle', { cx: p.colX[cur.column]!, cy: p.unitY[cur.column]![cur.unit]!, r: this.u.r + 4, class: 'gl-nd-ring' }, ring);
      else if (cur.kind === 'edge') {
        const e = (p.stage as MlpStage).edges[cur.edge]!;
        svg('line', { x1: p.colX[e.from]! + this.u.r, y1: p.unitY[e.from]![e.col]!, x2: p.colX[e.from + 1]! - this.u.r, y2: p.unitY[e.from + 1]![e.row]!, class: 'gl-nd-ring' }, ring);
      } else svg('rect', { x: p.x - 4, y: p.y - 4, width: p.w + 8, height: p.h + 8, rx: 12, class: 'gl-nd-ring' }, ring);
    }
    const data = (this.root as HTMLElement & { gradlabData?: Record<string, unknown> }).gradlabData;
    if (data) data['selected'] = cur ? { key: keyString(cur), pinned: this.pinned, text: this.readout.textContent } : null;
  }

  private hover(e: PointerEvent): void {
    if (this.pinned) return;
    const target = (e.target as Element | null)?.closest?.('[data-key]');
    const k = parseKey(target?.getAttribute('data-key'));
    if (k) this.show(k);
    else if (!this.keyboard) this.show(null);
  }

  private click(e: MouseEvent): void {
    const target = (e.target as Element | null)?.closest?.('[data-key]');
    const k = parseKey(target?.getAttribute('data-key'));
    if (!k) {
      this.pinned = false;
      this.show(null);
      return;
    }
    const same = this.current && keyString(this.current) === keyString(k);
    this.pinned = !(same && this.pinned);
    this.show(k);
    if (this.pinned) this.select(k);
  }

  /** Tells other views which parameter (and element) was picked. */
  private select(k: Key): void {
    const s = this.stages[k.stage];
    if (!s) return;
    let detail: { name: string; index: number[] } | null = null;
    if (s.kind === 'mlp' && k.kind === 'edge') {
      const e = s.edges[k.edge]!;
      detail = { name: e.param, index: [e.row, e.col] };
    } else if (s.kind === 'mlp' && k.kind === 'unit') {
      const c = s.columns[k.column]!;
      if (c.biasParam) detail = { name: c.biasParam, index: [c.units[k.unit]!.index] };
    } else if (s.kind === 'block' && s.params[0]) detail = { name: s.params[0].name, index: [] };
    if (detail) emit(this.root, 'select-parameter', detail, this.options.onSelect);
  }

  /** Groups for the arrow keys: each MLP column (its units), each block. */
  private groups(): Key[][] {
    const out: Key[][] = [];
    this.stages.forEach((s, i) => {
      if (s.kind === 'mlp') s.columns.forEach((c, ci) => out.push(c.units.map((_, ui) => ({ kind: 'unit', stage: i, column: ci, unit: ui }))));
      else out.push([{ kind: 'block', stage: i }]);
    });
    return out.filter((g) => g.length > 0);
  }

  private firstKey(): Key | null {
    return this.groups()[0]?.[0] ?? null;
  }

  private key(e: KeyboardEvent): void {
    const groups = this.groups();
    if (groups.length === 0) return;
    let cur = this.current;
    // an edge's position for moving on: its output unit
    if (cur?.kind === 'edge') {
      const s = this.stages[cur.stage] as MlpStage;
      const edge = s.edges[cur.edge]!;
      if (e.key !== 'PageDown' && e.key !== 'PageUp') cur = { kind: 'unit', stage: cur.stage, column: edge.from + 1, unit: s.columns[edge.from + 1]!.units.findIndex((u) => u.index === edge.row) };
    }
    const gi = cur ? groups.findIndex((g) => g.some((k) => keyString(k) === keyString(cur!))) : -1;
    const pos = gi >= 0 ? groups[gi]!.findIndex((k) => keyString(k) === keyString(cur!)) : 0;
    let next: Key | null = null;
    const at = (g: number, p: number): Key => {
      const grp = groups[Math.max(0, Math.min(groups.length - 1, g))]!;
      return grp[Math.max(0, Math.min(grp.length - 1, p))]!;
    };
    switch (e.key) {
      case 'ArrowRight':
        next = at(gi + 1, pos);
        break;
      case 'ArrowLeft':
        next = at(Math.max(0, gi - 1), pos);
        break;
      case 'ArrowDown':
        next = at(Math.max(0, gi), pos + 1);
        break;
      case 'ArrowUp':
        next = at(Math.max(0, gi), pos - 1);
        break;
      case 'Home':
        next = at(0, 0);
        break;
      case 'End':
        next = at(groups.length - 1, 0);
        break;
      case 'PageDown':
      case 'PageUp':
        next = this.nextEdge(this.current, e.key === 'PageDown' ? 1 : -1);
        break;
      case 'Enter':
        if (this.current) {
          this.pinned = !this.pinned;
          if (this.pinned) this.select(this.current);
          this.show(this.current);
        }
        e.preventDefault();
        return;
      case 'Escape':
        this.pinned = false;
        this.show(null);
        return;
      default:
        return;
    }
    e.preventDefault();
    if (next) this.show(next);
  }

  /** The next (dir 1) or previous incoming edge of the current unit, or after the current edge. */
  private nextEdge(cur: Key | null, dir: number): Key | null {
    if (!cur || cur.kind === 'block') return cur;
    const s = this.stages[cur.stage];
    if (!s || s.kind !== 'mlp') return cur;
    let column: number;
    let row: number;
    let from = -1;
    if (cur.kind === 'unit') {
      if (cur.column === 0) return cur;
      column = cur.column;
      row = s.columns[column]!.units[cur.unit]!.index;
    } else {
      const e = s.edges[cur.edge]!;
      column = e.from + 1;
      row = e.row;
      from = cur.edge;
    }
    const incoming = s.edges.map((e, i) => [e, i] as [Edge, number]).filter(([e]) => e.from === column - 1 && e.row === row).map(([, i]) => i);
    if (incoming.length === 0) return cur;
    const at = incoming.indexOf(from);
    const n = at < 0 ? (dir > 0 ? 0 : incoming.length - 1) : (at + dir + incoming.length) % incoming.length;
    return { kind: 'edge', stage: cur.stage, edge: incoming[n]! };
  }
}
