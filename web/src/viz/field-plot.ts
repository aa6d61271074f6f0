// FieldPlot (data-view "field"): the `field` snapshot drawn as TensorFlow Playground does:
// a 2-D classifier's decision field as the background (p(class 1) from class 0's colour
// through white at the boundary to class 1's colour; several classes: the predicted class,
// paler where the model is unsure; a 2-D regressor: its value in viridis) with the training
// points coloured by class on top; or, for 1-D inputs, the model's curve y(x) with the points.
// `fieldModel(snapshot)` is the pure part (tested); the class draws it.
//
//   const f = new FieldPlot(host);
//   f.update(await client.snapshot('field'));   // {kind: 'field' | 'curve', ...} (core/inspect/field.h)

import { binaryField, CLASS_COLORS, classColor, extent, hexToRgb, mix, rgbCss, viridis, type Rgb } from './scales';
import { ScatterPlot, type GridBackground, type PointLayer, type ScatterData } from './scatter-plot';
import { el, setGradlabData } from './surface';

export interface TensorLike {
  shape: number[];
  data: ArrayLike<number>;
}

/** The `field` snapshot (supervised runner): a 2-D field or a 1-D curve, with data points. */
export interface FieldSnapshot {
  kind: 'field' | 'curve';
  // kind "field" (core/inspect/field.h DecisionField)
  grid?: { x_min: number; x_max: number; y_min: number; y_max: number; nx: number; ny: number };
  output?: string; // softmax | exp | sigmoid | identity
  classification?: boolean;
  channels?: number;
  values?: TensorLike; // [ny, nx, C]
  predicted?: TensorLike | null; // [ny, nx]
  // kind "curve"
  x?: TensorLike; // [n, 1]
  y?: TensorLike; // [n, 1]
  points: TensorLike; // [N, 2] or [N, 1]
  targets: TensorLike; // [N] class ids, [N, 1] 0/1 or values
}

export type FieldMode = 'binary' | 'multiclass' | 'regression' | 'curve';

export interface FieldModel {
  mode: FieldMode;
  /** Background values [ny * nx] (row 0 = bottom): p(class 1), predicted class, or the value. */
  background: number[] | null;
  nx: number;
  ny: number;
  xRange: [number, number];
  yRange: [number, number];
  valueRange: [number, number];
  classes: number; // number of classes among points and channels (0 for regression)
  /** Points grouped by class (classification) or a single group with their values. */
  groups: Array<{ label: number; xy: number[]; values?: number[] }>;
  curve: { x: number[]; y: number[] } | null;
}

export function fieldModel(s: FieldSnapshot): FieldModel {
  const pts = s.points;
  const dims = pts.shape[1] ?? 1;
  const n = pts.shape[0] ?? 0;
  const targets = Array.from(s.targets.data);
  if (s.kind === 'curve') {
    const xy: number[] = [];
    for (let i = 0; i < n; i++) xy.push(pts.data[i * dims]!, targets[i]!);
    const cx = Array.from(s.x?.data ?? []);
    const cy = Array.from(s.y?.data ?? []);
    return {
      mode: 'curve',
      background: null,
      nx: 0,
      ny: 0,
      xRange: extent([...cx, ...xy.filter((_, i) => i % 2 === 0)]),
      yRange: extent([...cy, ...targets]),
      valueRange: extent(cy),
      classes: 0,
      groups: [{ label: 0, xy }],
      curve: { x: cx, y: cy },
    };
  }
  const g = s.grid ?? { x_min: -1, x_max: 1, y_min: -1, y_max: 1, nx: 0, ny: 0 };
  const C = s.channels ?? s.values?.shape[2] ?? 1;
  const cells = g.nx * g.ny;
  const vals = s.values?.data ?? [];
  let mode: FieldMode;
  const background: number[] = new Array<number>(cells);
  if (!s.classification) {
    mode = 'regression';
    for (let i = 0; i < cells; i++) background[i] = vals[i * C]!;
  } else if (C <= 2) {
    mode = 'binary';
    // softmax/exp over 2 classes: channel 1; sigmoid with one output: p(class 1) itself
    const ch = C === 2 ? 1 : 0;
    for (let i = 0; i < cells; i++) background[i] = vals[i * C + ch]!;
  } else {
    mode = 'multiclass';
    const pred = s.predicted?.data;
    for (let i = 0; i < cells; i++) {
      if (pred) background[i] = pred[i]!;
      else {
        let best = 0;
        for (let c = 1; c < C; c++) if (vals[i * C + c]! > vals[i * C + best]!) best = c;
        background[i] = best;
      }
    }
  }
  const groups: FieldModel['groups'] = [];
  if (mode === 'regression') {
    const xy: number[] = [];
    for (let i = 0; i < n; i++) xy.push(pts.data[i * dims]!, pts.data[i * dims + 1]!);
    groups.push({ label: 0, xy, values: targets.slice(0, n) });
  } else {
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const k = Math.round(targets[i]!);
      if (!byClass.has(k)) byClass.set(k, []);
      byClass.get(k)!.push(pts.data[i * dims]!, pts.data[i * dims + 1]!);
    }
    for (const k of [...byClass.keys()].sort((a, b) => a - b)) groups.push({ label: k, xy: byClass.get(k)! });
  }
  const maxLabel = groups.reduce((m, gr) => Math.max(m, gr.label), -1);
  return {
    mode,
    background,
    nx: g.nx,
    ny: g.ny,
    xRange: [g.x_min, g.x_max],
    yRange: [g.y_min, g.y_max],
    valueRange: mode === 'binary' ? [0, 1] : extent(background),
    classes: mode === 'regression' ? 0 : Math.max(C === 1 ? 2 : C, maxLabel + 1),
    groups,
    curve: null,
  };
}

export interface FieldPlotOptions {
  xLabel?: string;
  yLabel?: string;
}

export class FieldPlot {
  readonly root: HTMLDivElement;
  private readonly plot: ScatterPlot;
  private readonly caption: HTMLParagraphElement;

  constructor(host: HTMLElement, private readonly options: FieldPlotOptions = {}) {
    this.root = el('div', 'gl-view gl-field');
    this.root.dataset['view'] = 'field';
    this.caption = el('p', 'gl-caption');
    this.root.appendChild(this.caption);
    host.appendChild(this.root);
    this.plot = new ScatterPlot(this.root, {
      xLabel: options.xLabel ?? 'x₁ (input 1)',
      yLabel: options.yLabel ?? 'x₂ (input 2)',
      label: 'decision field',
    });
  }

  update(snapshot: FieldSnapshot): void {
    const m = fieldModel(snapshot);
    const data: ScatterData = { layers: [] };
    const neutral: Rgb = [245, 245, 245];
    if (m.mode === 'curve') {
      this.caption.textContent = 'The model’s output y(x) along the input (line) and the training points.';
      this.plot.setEqualAxes(false);
      this.plot.update({
        layers: [{ name: 'training points', xy: m.groups[0]!.xy, color: CLASS_COLORS[1]!, radius: 3.5 }],
        curve: { name: 'model y(x)', x: m.curve!.x, y: m.curve!.y, color: CLASS_COLORS[0]! },
      });
      this.setAxes('x (input)', 'y (output)');
    } else {
      const bgColor =
        m.mode === 'binary'
          ? (v: number) => binaryField(v)
          : m.mode === 'multiclass'
            ? (v: number) => mix(hexToRgb(classColor(v)), neutral, 0.55)
            : (v: number) => viridis((v - m.valueRange[0]) / (m.valueRange[1] - m.valueRange[0] || 1));
      const background: GridBackground = {
        nx: m.nx,
        ny: m.ny,
        values: m.background!,
        xRange: m.xRange,
        yRange: m.yRange,
        color: bgColor,
        name: m.mode === 'binary' ? 'p(class 1)' : m.mode === 'multiclass' ? 'predicted class' : 'model output',
        legend:
          m.mode === 'multiclass'
            ? undefined
            : { lo: m.valueRange[0], hi: m.valueRange[1], at: bgColor, mid: m.mode === 'binary' ? 0.5 : undefined },
      };
      data.background = background;
      if (m.mode === 'regression') {
        const g = m.groups[0]!;
        // points coloured by their target on the same scale, outlined to stand out
        const [lo, hi] = extent([...(g.values ?? []), ...m.valueRange]);
        const colors = (g.values ?? []).map((v) => rgbCss(viridis((v - lo) / (hi - lo || 1))));
        const layer: PointLayer = { name: 'training points (colour = target)', xy: g.xy, color: colors[0] ?? '#888', colors, stroke: true };
        data.layers = [layer];
        this.caption.textContent = 'Background: the model’s output over the plane. Dots: training points, coloured by target.';
      } else {
        data.layers = m.groups.map((g) => ({
          name: `class ${g.label}`,
          xy: g.xy,
          color: classColor(g.label),
          stroke: true,
          radius: 3.5,
        }));
        this.caption.textContent =
          m.mode === 'binary'
            ? 'Background: the model’s probability of class 1 (white = 0.5, the decision boundary). Dots: training points.'
            : 'Background: the class the model predicts there (paler colours). Dots: training points by class.';
      }
      this.plot.setEqualAxes(true);
      this.plot.update(data);
      this.setAxes(this.options.xLabel ?? 'x₁ (input 1)', this.options.yLabel ?? 'x₂ (input 2)');
    }
    setGradlabData(this.root, {
      kind: snapshot.kind,
      mode: m.mode,
      nx: m.nx,
      ny: m.ny,
      x_range: m.xRange,
      y_range: m.yRange,
      value_range: m.valueRange,
      points: m.groups.reduce((s, g) => s + g.xy.length / 2, 0),
      classes: m.classes,
    });
  }

  dispose(): void {
    this.plot.dispose();
    this.root.remove();
  }

  private setAxes(x: string, y: string): void {
    this.plot.setLabels(x, y);
  }
}
