// ImageGridView (data-view "image-grid"): test images as small grey tiles, each captioned
// with its true label and the model's prediction, wrong ones marked (red, ✗). FiltersView
// (data-view "filters"): the first conv layer's kernels, one tile per filter and input
// channel, blue < 0 < red on one scale. Inputs: the `image_predictions` and `filters`
// snapshots; the numbers drawn are in ./images-model (gradlabData is that model).
//
//   const grid = new ImageGridView(host);
//   grid.update(await client.snapshot('image_predictions'));

import { diverging, rgbCss, formatNumber } from '../../viz/scales';
import { filtersModel, imageGridModel, type FiltersSnapshot, type ImagePredictionsSnapshot } from './images-model';
import { DataTable, type TableContent } from '../../viz/surface';
import { el, onSelectParameter, setGradlabData, viewRoot, type ParameterSelection } from './view';

/** A canvas of w x h cells drawn `cell` px each by `colour(i)` (row-major). */
function tileCanvas(w: number, h: number, cell: number, colour: (i: number) => string, label: string): HTMLCanvasElement {
  const canvas = el('canvas', 'gl-tile');
  canvas.width = w * cell;
  canvas.height = h * cell;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  const ctx = canvas.getContext('2d');
  if (ctx)
    for (let i = 0; i < w * h; i++) {
      ctx.fillStyle = colour(i);
      ctx.fillRect((i % w) * cell, Math.floor(i / w) * cell, cell, cell);
    }
  return canvas;
}

/** What both image views share: a caption over a wrapping grid of captioned tiles. */
abstract class TileGridView {
  readonly root: HTMLDivElement;
  protected readonly caption: HTMLParagraphElement;
  protected readonly grid: HTMLDivElement;
  /** the tiles' numbers as a table on demand (the text alternative of the pictures) */
  protected readonly table: DataTable;

  constructor(host: HTMLElement, name: string, what: string) {
    const v = viewRoot(host, name, ' ');
    this.root = v.root;
    this.caption = v.caption;
    this.grid = el('div', 'gl-image-grid');
    this.table = new DataTable(() => this.tableContent(), what);
    const tableRow = el('div', 'gl-table-row');
    tableRow.appendChild(this.table.toggle);
    this.root.append(this.grid, tableRow, this.table.box);
    setGradlabData(this.root, { tiles: [] });
  }

  protected abstract tableContent(): TableContent;

  /** A figure with a w x h tile drawn `cell` px per value and a caption under it. */
  protected figure(w: number, h: number, cell: number, colour: (i: number) => string, label: string, text: string, wrong = false): HTMLElement {
    const fig = el('figure', wrong ? 'gl-image gl-wrong' : 'gl-image');
    fig.append(tileCanvas(w, h, cell, colour, label), el('figcaption', undefined, text));
    return fig;
  }

  dispose(): void {
    this.root.remove();
  }
}

export class ImageGridView extends TileGridView {
  private model: ReturnType<typeof imageGridModel> | null = null;

  constructor(host: HTMLElement, private readonly options: { maxImages?: number; pixel?: number } = {}) {
    super(host, 'image-grid', 'image grid');
  }

  protected tableContent(): TableContent {
    const tiles = this.model?.tiles ?? [];
    const predicted = tiles.some((t) => t.predicted !== null);
    return {
      caption: 'The images shown: their index in the split, the true label' + (predicted ? ', the prediction and whether it is right' : ''),
      head: predicted ? ['image', 'true label', 'prediction', 'right'] : ['image', 'true label'],
      rows: tiles.map((t) => (predicted ? [t.index, t.target, t.predicted, t.correct === null ? null : t.correct ? 'yes' : 'no ✗'] : [t.index, t.target])),
    };
  }

  update(snapshot: ImagePredictionsSnapshot): void {
    const m = imageGridModel(snapshot, this.options.maxImages ?? 64);
    const pixel = this.options.pixel ?? Math.max(2, Math.round(48 / Math.max(1, m.tiles[0]?.width ?? 16)));
    const split = m.split === 'train' ? 'training' : 'test';
    this.caption.textContent =
      m.accuracy === null
        ? `First ${split} images with their labels.`
        : `First ${split} images: true label, then the prediction (✗ when wrong). ${m.wrong} of ${m.tiles.length} wrong, accuracy ${formatNumber(m.accuracy)}.`;
    this.grid.replaceChildren(
      ...m.tiles.map((t) => {
        const grey = (i: number) => {
          const g = Math.round(255 * (t.pixels[i] ?? 0));
          return `rgb(${g}, ${g}, ${g})`;
        };
        const text = t.predicted === null ? t.target : `${t.target} → ${t.predicted}${t.correct ? '' : ' ✗'}`;
        return this.figure(t.width, t.height, pixel, grey, `image ${t.index}: ${t.target}`, text, t.correct === false);
      }),
    );
    this.model = m;
    this.table.refresh();
    setGradlabData(this.root, m);
  }
}

export class FiltersView extends TileGridView {
  /** the parameter picked in another view (the network diagram): this layer's kernels are outlined */
  private picked: ParameterSelection | null = null;
  private layer = '';
  private readonly stopFollowing: () => void;

  private model: ReturnType<typeof filtersModel> | null = null;

  constructor(host: HTMLElement, private readonly options: { cell?: number } = {}) {
    super(host, 'filters', 'filters');
    this.stopFollowing = onSelectParameter(this.root, (s) => {
      this.picked = s;
      this.mark();
    });
  }

  /** Outline the tiles of the picked weight (one kernel when an element [o, c, ...] is given) or bias ([o]: filter o). */
  private mark(): void {
    const p = this.picked;
    const weight = p?.name === `${this.layer}.weight`;
    const bias = p?.name === `${this.layer}.bias`;
    let n = 0;
    for (const fig of this.grid.querySelectorAll<HTMLElement>('figure')) {
      const o = Number(fig.dataset['filter']);
      const c = Number(fig.dataset['channel']);
      const at = p?.index ?? [];
      const on = (weight && (at.length < 2 || (at[0] === o && at[1] === c))) || (bias && (at.length < 1 || at[0] === o));
      fig.classList.toggle('gl-selected', on);
      if (on) n++;
    }
    const data = (this.root as HTMLElement & { gradlabData?: Record<string, unknown> }).gradlabData;
    if (data) data['selected'] = n > 0 ? { name: p!.name, tiles: n } : null;
  }

  /** One row per kernel (filter, input channel): its weights row by row, as the engine has them. */
  protected tableContent(): TableContent {
    const m = this.model;
    const t0 = m?.tiles[0];
    const head = ['filter.channel', 'bias'];
    if (t0) for (let r = 0; r < t0.height; r++) for (let c = 0; c < t0.width; c++) head.push(`w[${r},${c}]`);
    return {
      caption: `${m?.description ?? 'Filters'}: each kernel's bias and weights, row by row`,
      head,
      rows: (m?.tiles ?? []).map((t) => [`${t.filter}.${t.channel}`, t.bias, ...t.weights]),
      note: m && m.tiles.length > 0 ? `${m.tiles.length} kernels of ${t0!.height}x${t0!.width}.` : undefined,
    };
  }

  override dispose(): void {
    this.stopFollowing();
    super.dispose();
  }

  update(snapshot: FiltersSnapshot): void {
    const m = filtersModel(snapshot);
    const cell = this.options.cell ?? 10;
    this.caption.textContent = `${m.description}: each kernel, blue < 0 < red, ±${formatNumber(m.scale)} at full colour.`;
    this.grid.replaceChildren(
      ...m.tiles.map((t) => {
        const colour = (i: number) => rgbCss(diverging(t.values[i] ?? 0, 1));
        const text = t.channel > 0 ? `${t.filter}.${t.channel}` : String(t.filter);
        const fig = this.figure(t.width, t.height, cell, colour, `filter ${t.filter}, channel ${t.channel}`, text);
        fig.dataset['filter'] = String(t.filter);
        fig.dataset['channel'] = String(t.channel);
        return fig;
      }),
    );
    this.layer = snapshot.layer;
    this.model = m;
    this.table.refresh();
    setGradlabData(this.root, { ...m, selected: null });
    this.mark();
  }
}
