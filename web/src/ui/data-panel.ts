// The Data panel: a built-in dataset and its options (from gradlab.datasets()), or your
// own data: CSV pasted or uploaded (dataset `csv`), or points clicked on the plane
// (dataset `points`). It edits the spec's `data` block and shows a small preview.
import type { DatasetInfo, DatasetOption } from '../engine/types';
import { button, clear, field, h, InlineError } from './dom';
import { formatNumber } from '../viz/format';

export type DataBlock = { dataset?: string; options?: Record<string, unknown>; batch?: unknown };

/** What the engine's catalog holds when the module cannot list it yet (names only). */
const FALLBACK: DatasetInfo[] = [
  ...['circle', 'xor', 'gaussians', 'spiral', 'moons'].map((name) => ({ name, task: 'classification', options: [] })),
  ...['sine', 'polynomial', 'plane'].map((name) => ({ name, task: 'regression', options: [] })),
  ...['copy', 'reverse', 'delayed_recall', 'parity', 'timing', 'lookahead'].map((name) => ({ name, task: 'sequence', options: [] })),
  { name: 'adding', task: 'sequence_regression', options: [] },
  { name: 'order', task: 'sequence_classification', options: [] },
  ...['char_lm', 'next_word'].map((name) => ({ name, task: 'language_model', options: [] })),
  ...['dates', 'number_words'].map((name) => ({ name, task: 'seq2seq', options: [] })),
  ...['gan_ring', 'gan_grid', 'gan_spiral', 'gan_moons', 'gan_points'].map((name) => ({ name, task: 'gan', options: [] })),
  ...['shapes', 'digits'].map((name) => ({ name, task: 'classification', options: [] })),
  { name: 'csv', task: 'user', options: [] },
  { name: 'points', task: 'classification', options: [] },
];

const HIDDEN_OPTIONS = new Set(['csv_text', 'target_column', 'csv_task', 'points']);

export class DataPanel {
  readonly root: HTMLElement;
  private readonly select: HTMLSelectElement;
  private readonly description: HTMLParagraphElement;
  private readonly options: HTMLDivElement;
  private readonly own: HTMLDivElement;
  private readonly preview: HTMLDivElement;
  private readonly error: InlineError;
  private catalog: DatasetInfo[] = FALLBACK;
  private block: DataBlock = {};
  private points: Array<[number, number, number]> = [];
  private pointClass = 0;

  constructor(host: HTMLElement, private readonly onChange: (data: DataBlock) => void) {
    this.select = h('select', { id: 'dataset' });
    this.description = h('p', { class: 'muted small' });
    this.options = h('div', { class: 'dataset-options' });
    this.own = h('div', { class: 'own-data' });
    this.preview = h('div', { class: 'data-preview', 'data-view': 'data-preview' });
    this.root = h('div', { class: 'data-panel' }, field('Dataset', this.select), this.description, this.options, this.own);
    this.error = new InlineError(this.root);
    this.root.append(this.preview);
    host.append(this.root);
    this.select.addEventListener('change', () => this.chooseDataset(this.select.value));
  }

  setCatalog(catalog: DatasetInfo[] | null): void {
    if (catalog && catalog.length > 0) this.catalog = catalog;
    this.render();
  }

  /** Show the spec's data block (after a lesson load or an edit elsewhere). */
  show(block: DataBlock): void {
    this.block = structuredClone(block);
    const pts = this.block.options?.points;
    this.points = Array.isArray(pts) ? (pts as Array<[number, number, number]>).map((p) => [Number(p[0]), Number(p[1]), Number(p[2] ?? 0)]) : [];
    this.render();
  }

  showError(text: string): void {
    this.error.show(text);
  }

  /** Rows of the data (from session.data, or whatever the workspace has): a small table. */
  showPreview(rows: { inputs: unknown; targets: unknown; source_vocab?: string[]; target_vocab?: string[] } | null, note = ''): void {
    clear(this.preview);
    (this.preview as HTMLElement & { gradlabData?: unknown }).gradlabData = rows;
    if (!rows) {
      if (note) this.preview.append(h('p', { class: 'muted small', text: note }));
      return;
    }
    const inputs = asRows(rows.inputs);
    const targets = asRows(rows.targets);
    const table = h('table', { class: 'preview-table' });
    table.append(h('caption', { class: 'muted small', text: `first ${Math.min(inputs.length, 8)} examples` }));
    table.append(h('tr', {}, h('th', { text: 'input' }), h('th', { text: 'target' })));
    for (let i = 0; i < Math.min(inputs.length, 8); i++) {
      const input = rows.source_vocab ? tokensOf(inputs[i], rows.source_vocab) : null;
      const target = tokensOf(targets[i], rows.target_vocab ?? rows.source_vocab);
      table.append(h('tr', {}, h('td', { text: input ?? short(inputs[i]) }), h('td', { text: target ?? short(targets[i]) })));
    }
    this.preview.append(table);
  }

  private info(name: string | undefined): DatasetInfo | undefined {
    return this.catalog.find((d) => d.name === name);
  }

  private render(): void {
    clear(this.select);
    const groups = new Map<string, HTMLOptGroupElement>();
    for (const d of this.catalog) {
      const task = d.name === 'csv' || d.name === 'points' ? 'your own data' : d.task.replace(/_/g, ' ');
      let g = groups.get(task);
      if (!g) {
        g = h('optgroup', { label: task });
        groups.set(task, g);
        this.select.append(g);
      }
      g.append(h('option', { value: d.name, text: d.name }));
    }
    if (this.block.batch !== undefined) {
      this.select.prepend(h('option', { value: '', text: '(explicit batch in the spec)' }));
    }
    this.select.value = this.block.dataset ?? '';
    const info = this.info(this.block.dataset);
    this.description.textContent = info?.description ?? '';
    clear(this.options);
    for (const opt of info?.options ?? []) if (!HIDDEN_OPTIONS.has(opt.name)) this.options.append(this.optionField(opt));
    clear(this.own);
    if (this.block.dataset === 'csv') this.renderCsv();
    if (this.block.dataset === 'points' || this.block.dataset === 'gan_points') this.renderPoints();
  }

  private optionField(opt: DatasetOption): HTMLElement {
    const current = this.block.options?.[opt.name];
    const input = h('input', {
      type: opt.type === 'bool' ? 'checkbox' : opt.type === 'string' ? 'text' : 'number',
      id: `data-${opt.name}`,
      min: opt.min,
      max: opt.max,
      step: opt.type === 'int' ? 1 : 'any',
    });
    if (input.type === 'checkbox') input.checked = Boolean(current ?? opt.default);
    else input.value = current !== undefined ? String(current) : opt.default === null ? '' : String(opt.default);
    input.addEventListener('change', () => {
      let v: unknown = input.type === 'checkbox' ? input.checked : input.type === 'number' ? Number(input.value) : input.value;
      if (input.type === 'number' && (input.value.trim() === '' || !Number.isFinite(v as number))) {
        this.error.show(`${opt.name} must be a number`);
        return;
      }
      if (typeof v === 'number' && ((opt.min !== undefined && v < opt.min) || (opt.max !== undefined && v > opt.max))) {
        this.error.show(`${opt.name} must be from ${opt.min} to ${opt.max}, found ${v}`);
        return;
      }
      if (opt.type === 'int' && typeof v === 'number') v = Math.round(v);
      this.error.show('');
      this.emit({ ...this.block, options: { ...(this.block.options ?? {}), [opt.name]: v } });
    });
    return field(opt.name.replace(/_/g, ' '), input, opt.description);
  }

  private chooseDataset(name: string): void {
    if (!name) return;
    this.error.show('');
    const block: DataBlock = { dataset: name, options: {} };
    if (name === 'csv') block.options = { csv_text: 'x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n', target_column: 'label' };
    if (name === 'points' || name === 'gan_points') block.options = { points: [[-0.5, -0.5, 0], [0.5, 0.5, 1]] };
    this.block = block;
    this.points = name === 'points' || name === 'gan_points' ? [[-0.5, -0.5, 0], [0.5, 0.5, 1]] : [];
    this.render();
    this.emit(block);
  }

  private renderCsv(): void {
    const text = h('textarea', { id: 'csv-text', rows: 6, spellcheck: 'false', class: 'mono' });
    text.value = String(this.block.options?.csv_text ?? '');
    const target = h('input', { id: 'csv-target', type: 'text', value: String(this.block.options?.target_column ?? '') });
    const file = h('input', { id: 'csv-file', type: 'file', accept: '.csv,text/csv,text/plain' });
    const apply = button('Use this CSV');
    apply.addEventListener('click', () => {
      const header = text.value.split(/\r?\n/, 1)[0] ?? '';
      const columns = header.split(',').map((c) => c.trim());
      if (text.value.trim() === '') return this.error.show('paste CSV text with a header row first');
      if (!columns.includes(target.value.trim())) {
        return this.error.show(`the target column "${target.value}" is not in the header (${columns.join(', ')})`);
      }
      this.error.show('');
      this.emit({ dataset: 'csv', options: { ...(this.block.options ?? {}), csv_text: text.value, target_column: target.value.trim() } });
    });
    file.addEventListener('change', () => {
      const f = file.files?.[0];
      if (!f) return;
      if (f.size > 20_000_000) return this.error.show(`${f.name} is larger than 20 MB`);
      void f.text().then((t) => {
        text.value = t;
        const header = t.split(/\r?\n/, 1)[0]?.split(',') ?? [];
        if (header.length > 0 && !header.map((c) => c.trim()).includes(target.value)) target.value = header[header.length - 1]!.trim();
      });
    });
    this.own.append(
      field('CSV text (header row first)', text),
      field('Upload a CSV file', file),
      field('Target column', target),
      apply,
    );
  }

  private renderPoints(): void {
    const classes = h('select', { id: 'point-class' });
    for (let k = 0; k < 4; k++) classes.append(h('option', { value: k, text: `class ${k}` }));
    classes.value = String(this.pointClass);
    classes.addEventListener('change', () => (this.pointClass = Number(classes.value)));
    const canvas = h('canvas', { class: 'points-canvas', width: 240, height: 240, tabindex: 0, 'aria-label': 'Click to add a point of the chosen class; shift-click removes the nearest' });
    const draw = () => drawPoints(canvas, this.points);
    canvas.addEventListener('click', (e) => {
      const r = canvas.getBoundingClientRect();
      const x = ((e.clientX - r.left) / r.width) * 2 - 1;
      const y = 1 - ((e.clientY - r.top) / r.height) * 2;
      if (e.shiftKey) {
        let best = -1;
        let bestD = Infinity;
        this.points.forEach((p, i) => {
          const d = (p[0] - x) ** 2 + (p[1] - y) ** 2;
          if (d < bestD) [best, bestD] = [i, d];
        });
        if (best >= 0) this.points.splice(best, 1);
      } else this.points.push([round3(x), round3(y), this.pointClass]);
      draw();
    });
    const apply = button('Train on these points');
    apply.addEventListener('click', () => {
      if (this.points.length < 2) return this.error.show('add at least two points');
      this.error.show('');
      this.emit({ ...this.block, options: { ...(this.block.options ?? {}), points: this.points.map((p) => [...p]) } });
    });
    const clearBtn = button('Clear');
    clearBtn.addEventListener('click', () => {
      this.points = [];
      draw();
    });
    this.own.append(field('Class of new points', classes), canvas, h('div', { class: 'row' }, apply, clearBtn));
    requestAnimationFrame(draw);
  }

  private emit(block: DataBlock): void {
    this.block = structuredClone(block);
    this.onChange(structuredClone(block));
  }
}

const POINT_COLORS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7'];

function drawPoints(canvas: HTMLCanvasElement, points: Array<[number, number, number]>): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const { width: w, height: hgt } = canvas;
  const cs = getComputedStyle(canvas);
  ctx.fillStyle = cs.getPropertyValue('--bg').trim() || '#fff';
  ctx.fillRect(0, 0, w, hgt);
  ctx.strokeStyle = cs.getPropertyValue('--grid').trim() || '#ddd';
  ctx.beginPath();
  ctx.moveTo(w / 2, 0);
  ctx.lineTo(w / 2, hgt);
  ctx.moveTo(0, hgt / 2);
  ctx.lineTo(w, hgt / 2);
  ctx.stroke();
  for (const [x, y, c] of points) {
    ctx.fillStyle = POINT_COLORS[c % POINT_COLORS.length]!;
    ctx.beginPath();
    ctx.arc(((x + 1) / 2) * w, ((1 - y) / 2) * hgt, 4, 0, Math.PI * 2);
    ctx.fill();
  }
}

/** Nested arrays, or {shape, data} (row-major, data possibly a typed array), as rows. */
export function asRows(t: unknown): unknown[] {
  if (Array.isArray(t)) return t;
  const o = t as { shape?: number[]; data?: ArrayLike<number> } | null;
  if (!o || !Array.isArray(o.shape) || !o.data) return [];
  const n = o.shape[0] ?? 0;
  const per = o.shape.slice(1).reduce((a, b) => a * b, 1);
  const data = Array.from(o.data as ArrayLike<number>);
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(per === 1 && o.shape.length === 1 ? data[i] : data.slice(i * per, (i + 1) * per));
  return out;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** Token ids as their vocabulary's strings (characters joined, words spaced), or null
 * when `v` is not a row of ids in the vocabulary. Padding and end markers are left out. */
export function tokensOf(v: unknown, vocab: readonly string[] | undefined): string | null {
  if (!vocab || vocab.length === 0) return null;
  const ids = Array.isArray(v) ? v : [v];
  if (!ids.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < vocab.length)) return null;
  const words = (ids as number[]).map((i) => vocab[i] ?? '').filter((w) => w !== '<pad>' && w !== '<eos>' && w !== '<bos>');
  const chars = vocab.every((w) => w.length <= 1 || w.startsWith('<'));
  const text = words.join(chars ? '' : ' ');
  return text.length > 60 ? text.slice(0, 57) + '…' : text;
}

/** An example's value as text: numbers through the one formatter (3 significant digits), arrays in brackets. */
function short(v: unknown): string {
  const text = (x: unknown): string => (typeof x === 'number' ? formatNumber(x) : Array.isArray(x) ? `[${x.map(text).join(', ')}]` : (JSON.stringify(x) ?? ''));
  const s = text(v);
  return s.length > 60 ? s.slice(0, 57) + '…' : s;
}
