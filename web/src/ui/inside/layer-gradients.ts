// LayerGradientsView (data-view "layer-gradients"): for every top-level layer of a sequential
// model, from the input layer (left) to the output layer (right), ‖dL/dW_l‖ (its weights'
// gradient) and ‖dL/da_l‖ (the gradient reaching its output), on a log axis, so a gradient
// that vanishes or explodes with depth is a slope. Values on hover and by keyboard (focus the
// chart, ← →), and the numbers as a table on demand. Input: the `layers` snapshot
// (docs/spec.md); pass `{layers, step}` to say which training step it was taken at.
// gradlabData: {step, loss, labels, layers, drawn: [{key, name, points: [position, value][]}],
// skipped, ratio, domain} (docs/CONTRACT.md).
//
//   const v = new LayerGradientsView(host);
//   v.update({layers: await client.snapshot('layers'), step: 0});

import { drawAxes, formatPow10, plotBox, type Box } from '../../viz/axes';
import { formatNumber, logScale, type AxisScale } from '../../viz/scales';
import { Surface, Tooltip, type Theme } from '../../viz/surface';
import {
  hasWeights,
  layerGradientModel,
  skippedText,
  valueAt,
  type LayerGradientModel,
  type LayersSnapshot,
  type LayerSeriesKey,
} from './layer-gradients-model';
import { el, onSelectParameter, setGradlabData, viewRoot, type ParameterSelection } from './view';

const HINT = 'Hover over the chart, or focus it and use ← →, to read each layer’s values.';

export class LayerGradientsView {
  readonly root: HTMLDivElement;
  private readonly surface: Surface;
  private readonly tooltip: Tooltip;
  private readonly status: HTMLParagraphElement;
  /** the legend's entries, coloured from the theme when drawn */
  private readonly legendItems: Record<LayerSeriesKey, HTMLSpanElement>;
  private legendColors = '';
  private readonly readout: HTMLParagraphElement;
  private readonly notes: HTMLUListElement;
  private readonly details: HTMLDetailsElement;
  private readonly table: HTMLTableElement;
  private snapshot: LayersSnapshot = { layers: [] };
  private model: LayerGradientModel = layerGradientModel({ layers: [] });
  private step: number | null = null;
  /** the layer read out (hover or keyboard), by position; null: none */
  private selected: number | null = null;
  private keyboard = false;
  /** the parameter another view picked (the network diagram), and the layer that holds it */
  private picked: ParameterSelection | null = null;
  private pickedLayer: number | null = null;
  private readonly stopFollowing: () => void;
  private last: { box: Box; slot: number; y: AxisScale } | null = null;
  private colors: Record<LayerSeriesKey, string> = { weight_grad: '#0072b2', output_grad: '#d55e00' };

  constructor(host: HTMLElement, options: { height?: number } = {}) {
    this.root = viewRoot(
      host,
      'layer-gradients',
      'For each layer from the input (left) to the output (right): the size of the gradient of its weights, ‖∂L/∂W‖, and of the gradient reaching its output, ‖∂L/∂a‖, from one forward and backward pass on a batch. On this log scale, a line that falls from right to left is a gradient vanishing on its way back to the input.',
    ).root;
    this.status = el('p', 'gl-stats');
    const legend = el('div', 'gl-legend');
    const item = (key: LayerSeriesKey, text: string, dashed: boolean): [LayerSeriesKey, HTMLSpanElement] => {
      const it = el('span', 'gl-legend-item gl-lg-item');
      const sw = el('span', 'gl-swatch');
      if (dashed) sw.classList.add('gl-swatch-dashed');
      const marker = el('span', `gl-lg-marker gl-lg-${key}`);
      it.append(sw, marker, document.createTextNode(text));
      legend.appendChild(it);
      return [key, it];
    };
    this.legendItems = Object.fromEntries([
      item('weight_grad', '‖∂L/∂W‖ of the layer’s weights', false),
      item('output_grad', '‖∂L/∂a‖ reaching the layer’s output', true),
    ]) as Record<LayerSeriesKey, HTMLSpanElement>;
    const head = el('div', 'gl-chart-head');
    head.appendChild(legend);
    this.root.append(this.status, head);
    this.surface = new Surface(this.root, (ctx, w, h, t) => this.draw(ctx, w, h, t), {
      height: options.height ?? 260,
      label: 'Gradient norms per layer, input to output, log scale',
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
      if (this.selected === null && this.model.labels.length > 0) this.select(0);
    });
    c.addEventListener('blur', () => {
      this.keyboard = false;
      this.select(null);
    });
    this.readout = el('p', 'gl-readout', HINT);
    this.readout.id = `gl-lg-readout-${Math.random().toString(36).slice(2, 9)}`;
    this.readout.setAttribute('aria-live', 'polite');
    c.setAttribute('aria-describedby', this.readout.id);
    this.notes = el('ul', 'gl-readout-list');
    this.table = el('table', 'gl-table');
    this.details = el('details', 'gl-lg-details');
    this.details.append(el('summary', undefined, 'Show the numbers as a table'), this.table);
    this.details.addEventListener('toggle', () => this.renderTable());
    this.root.append(this.readout, this.notes, this.details);
    setGradlabData(this.root, { step: null, labels: [], layers: [], drawn: [], skipped: [], ratio: {}, selected_layer: null });
    this.stopFollowing = onSelectParameter(this.root, (s) => {
      this.picked = s;
      this.follow();
      this.surface.requestDraw();
    });
  }

  /** The layer holding the picked parameter: outlined on the chart, read out, its table row marked. */
  private follow(): void {
    const name = this.picked?.name;
    const p = name === undefined ? -1 : (this.snapshot.layers ?? []).findIndex((l) => (l.parameters ?? []).includes(name));
    this.pickedLayer = p >= 0 ? p : null;
    if (this.pickedLayer !== null && !this.keyboard) this.readout.textContent = `${name}: ${this.describe(this.pickedLayer)}`;
    if (this.details.open) this.renderTable();
    const data = (this.root as HTMLElement & { gradlabData?: Record<string, unknown> }).gradlabData;
    if (data) data['selected_layer'] = this.pickedLayer === null ? null : { position: this.pickedLayer, parameter: name };
  }

  update(data: LayersSnapshot | { layers: LayersSnapshot; step?: number }): void {
    const stepped = !Array.isArray((data as LayersSnapshot).layers);
    const snap = stepped ? (data as { layers: LayersSnapshot }).layers : (data as LayersSnapshot);
    this.step = stepped && typeof (data as { step?: number }).step === 'number' ? (data as { step: number }).step : null;
    this.snapshot = snap;
    this.model = layerGradientModel(snap);
    const m = this.model;
    if (this.selected !== null && this.selected >= m.labels.length) this.selected = null;
    const bits: string[] = [];
    if (this.step !== null) bits.push(`training step ${this.step}`);
    if (m.loss !== null) bits.push(`loss ${formatNumber(m.loss, 4)}${m.batchSize !== null ? ` on a batch of ${m.batchSize}` : ''}`);
    bits.push(`${m.labels.length} layers`);
    this.status.textContent = bits.join(' · ');
    this.renderNotes();
    if (this.selected !== null) this.readout.textContent = this.describe(this.selected);
    if (this.details.open) this.renderTable();
    this.surface.requestDraw();
    setGradlabData(this.root, {
      step: this.step,
      loss: m.loss,
      batch_size: m.batchSize,
      labels: m.labels,
      layers: (snap.layers ?? []).map((l) => ({
        index: l.index,
        type: l.type,
        weight_grad_norm: l.weight_grad_norm,
        bias_grad_norm: l.bias_grad_norm,
        weight_norm: l.weight_norm,
        output_grad_norm: l.output_grad_norm,
      })),
      drawn: m.series.map((s) => ({ key: s.key, name: s.name, points: s.points })),
      skipped: m.skipped,
      ratio: m.ratio,
      domain: m.domain,
      selected_layer: null,
    });
    this.follow();
  }

  dispose(): void {
    this.stopFollowing();
    this.surface.dispose();
    this.root.remove();
  }

  private renderNotes(): void {
    const m = this.model;
    const items: HTMLLIElement[] = [];
    const w = m.ratio.weight_grad;
    if (w)
      items.push(
        el('li', undefined, `‖∂L/∂W‖ at layer ${m.labels[w.last]} is ${times(w.ratio)} that at layer ${m.labels[w.first]}.`),
      );
    const a = m.ratio.output_grad;
    if (a) items.push(el('li', undefined, `‖∂L/∂a‖ at layer ${m.labels[a.last]} is ${times(a.ratio)} that at layer ${m.labels[a.first]}.`));
    const skipped = skippedText(m.skipped);
    if (skipped) {
      const li = el('li', 'gl-danger', skipped);
      items.push(li);
    }
    if (m.noWeights.length > 0 && m.noWeights.length < m.labels.length)
      items.push(el('li', 'gl-muted', `Layers without weights (${[...new Set(m.noWeights.map((p) => m.types[p]))].join(', ')}) have only ‖∂L/∂a‖.`));
    this.notes.replaceChildren(...items);
  }

  private renderTable(): void {
    if (!this.details.open) return;
    const head = el('tr');
    for (const t of ['layer', 'type', 'output shape', '‖∂L/∂W‖', '‖∂L/∂b‖', '‖W‖', '‖∂L/∂a‖']) {
      const th = el('th', undefined, t);
      th.scope = 'col';
      head.appendChild(th);
    }
    const rows = (this.snapshot.layers ?? []).map((l, position) => {
      const tr = el('tr');
      if (position === this.pickedLayer) tr.className = 'gl-selected';
      const cell = (text: string, num = false): void => {
        tr.appendChild(el('td', num ? 'gl-num' : undefined, text));
      };
      const w = hasWeights(l);
      cell(String(l.index), true);
      cell(l.type);
      cell(l.output_shape ? `[${l.output_shape.join(', ')}]` : '');
      // gradients span many decades: one exponent format for the whole column
      cell(w ? expo(l.weight_grad_norm) : 'no weights', w);
      cell(l.bias_grad_norm === null ? '—' : expo(l.bias_grad_norm), true);
      cell(l.weight_norm === null ? '—' : formatNumber(l.weight_norm, 4), true);
      cell(expo(l.output_grad_norm), true);
      return tr;
    });
    const caption = el('caption', 'gl-muted', this.status.textContent ?? '');
    const thead = el('thead');
    thead.appendChild(head);
    const tbody = el('tbody');
    tbody.append(...rows);
    this.table.replaceChildren(caption, thead, tbody);
  }

  /** The readout of one layer: label, shape, and both values (or why one is not drawn). */
  private describe(position: number): string {
    const l = this.snapshot.layers[position];
    if (!l) return HINT;
    const shape = l.output_shape ? ` [${l.output_shape.join('×')}]` : '';
    const value = (key: LayerSeriesKey, raw: number | null): string => {
      const s = this.model.series.find((x) => x.key === key)!;
      const v = valueAt(s, position);
      if (v !== null) return formatNumber(v, 4);
      if (key === 'weight_grad' && !hasWeights(l)) return '— (no weights)';
      return raw === 0 ? '0 (not on the log axis)' : '— (missing)';
    };
    return `Layer ${l.index} ${l.type}${shape}: ‖∂L/∂W‖ ${value('weight_grad', l.weight_grad_norm)}, ‖∂L/∂a‖ ${value('output_grad', l.output_grad_norm)}`;
  }

  private select(position: number | null): void {
    if (position === this.selected) return;
    this.selected = position;
    if (position === null) {
      this.tooltip.hide();
      this.readout.textContent = HINT;
      this.follow();
    } else {
      this.readout.textContent = this.describe(position);
      this.placeTooltip();
    }
    this.surface.requestDraw();
  }

  private placeTooltip(): void {
    const p = this.selected;
    if (p === null || !this.last) return;
    const { box, slot, y } = this.last;
    if (!this.snapshot.layers[p]) return;
    const text = this.describe(p);
    const colon = text.indexOf(': ');
    const tip = this.tooltip.box;
    this.tooltip.show(box.left, box.top, [text.slice(0, colon), ...text.slice(colon + 2).split(', ')]);
    // beside the layer's column, in the corner of the plot that hides the fewest points
    const tw = tip.offsetWidth;
    const th = tip.offsetHeight;
    const cx = box.left + (p + 0.5) * slot;
    const xs = [cx + slot / 2 + 6, cx - slot / 2 - 6 - tw].filter((x) => x >= 0 && x + tw <= this.surface.width);
    const ys = [box.top + 2, box.bottom - th - 2];
    const drawn = this.model.series.flatMap((s) => s.points.map(([q, v]) => [box.left + (q + 0.5) * slot, y(v)] as const));
    let best = { x: xs[0] ?? box.left, y: ys[0]!, hidden: Infinity };
    for (const x of xs)
      for (const yy of ys) {
        const hidden = drawn.filter(([px, py]) => px > x - 6 && px < x + tw + 6 && py > yy - 6 && py < yy + th + 6).length;
        if (hidden < best.hidden) best = { x, y: yy, hidden };
      }
    tip.style.left = `${Math.round(best.x)}px`;
    tip.style.top = `${Math.round(best.y)}px`;
  }

  private hover(e: PointerEvent): void {
    if (!this.last) return;
    const p = this.surface.pointer(e);
    const { box, slot } = this.last;
    const n = this.model.labels.length;
    if (n === 0 || p.x < box.left || p.x > box.right || p.y < box.top || p.y > box.bottom + 4) {
      if (!this.keyboard) this.select(null);
      return;
    }
    this.select(Math.min(n - 1, Math.max(0, Math.floor((p.x - box.left) / slot))));
    this.placeTooltip();
  }

  private key(e: KeyboardEvent): void {
    const n = this.model.labels.length;
    if (n === 0) return;
    const cur = this.selected ?? -1;
    let next: number | null;
    if (e.key === 'ArrowRight' || e.key === 'ArrowUp') next = Math.min(n - 1, cur + 1);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowDown') next = Math.max(0, cur < 0 ? 0 : cur - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = n - 1;
    else if (e.key === 'Escape') next = null;
    else return;
    e.preventDefault();
    this.keyboard = next !== null;
    this.select(next);
  }

  private draw(ctx: CanvasRenderingContext2D, w: number, h: number, theme: Theme): void {
    const m = this.model;
    const n = m.labels.length;
    this.colors = { weight_grad: theme.accent, output_grad: theme.dark ? '#e69f00' : '#d55e00' };
    const key = `${this.colors.weight_grad} ${this.colors.output_grad}`;
    if (key !== this.legendColors) {
      this.legendColors = key;
      for (const k of ['weight_grad', 'output_grad'] as const) this.legendItems[k].style.setProperty('--gl-lg-color', this.colors[k]);
    }
    // x labels: index over type when every type fits its slot, else "index type" slanted
    const left = 58;
    const right = 14;
    const slot = n > 0 ? (w - left - right) / n : 1;
    let widest = 0;
    for (let i = 0; i < n; i++) widest = Math.max(widest, ctx.measureText(m.types[i]!).width);
    const slanted = widest + 4 > slot;
    let longest = 0;
    if (slanted) for (const l of m.labels) longest = Math.max(longest, ctx.measureText(l).width);
    const labelDepth = slanted ? Math.min(110, 10 + longest * Math.SQRT1_2 + 8) : 34;
    const box = plotBox(w, h, { left, right, top: 12, bottom: labelDepth + 20 });
    const y = logScale(m.domain, [box.bottom, box.top]);
    const xAxis = logScale([1, 10], [box.left, box.right]); // for drawAxes only; no x ticks
    drawAxes(ctx, box, xAxis, y, theme, { yLabel: 'gradient norm (log scale)', xTicks: [], yFormat: formatPow10 });
    this.last = { box, slot, y };
    const cx = (p: number): number => box.left + (p + 0.5) * slot;

    // the selected layer's column
    if (this.selected !== null && this.selected < n) {
      ctx.fillStyle = theme.grid;
      ctx.globalAlpha = 0.6;
      ctx.fillRect(box.left + this.selected * slot, box.top, slot, box.bottom - box.top);
      ctx.globalAlpha = 1;
    }

    // the layer of the parameter picked in another view: outlined in the accent colour
    if (this.pickedLayer !== null && this.pickedLayer < n) {
      ctx.strokeStyle = theme.accent;
      ctx.lineWidth = 2;
      ctx.strokeRect(box.left + this.pickedLayer * slot + 1, box.top + 1, slot - 2, box.bottom - box.top - 2);
    }

    // layer labels under the axis
    ctx.fillStyle = theme.fg;
    for (let i = 0; i < n; i++) {
      const x = cx(i);
      ctx.strokeStyle = theme.muted;
      ctx.beginPath();
      ctx.moveTo(Math.round(x) + 0.5, box.bottom);
      ctx.lineTo(Math.round(x) + 0.5, box.bottom + 4);
      ctx.stroke();
      const strong = i === this.selected;
      ctx.fillStyle = strong ? theme.fg : theme.muted;
      if (slanted) {
        ctx.save();
        ctx.translate(x + 3, box.bottom + 8);
        ctx.rotate(-Math.PI / 4);
        ctx.textAlign = 'right';
        ctx.textBaseline = 'middle';
        ctx.fillStyle = strong ? theme.fg : theme.muted;
        ctx.fillText(m.labels[i]!, 0, 0);
        ctx.restore();
      } else {
        ctx.textAlign = 'center';
        ctx.textBaseline = 'top';
        ctx.fillStyle = theme.fg;
        ctx.fillText(String(i), x, box.bottom + 6);
        ctx.fillStyle = strong ? theme.fg : theme.muted;
        ctx.fillText(m.types[i]!, x, box.bottom + 20);
      }
    }
    ctx.fillStyle = theme.muted;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText('layer (input → output)', (box.left + box.right) / 2, h - 2);

    if (n === 0 || m.series.every((s) => s.points.length === 0)) {
      ctx.fillStyle = theme.muted;
      ctx.textBaseline = 'middle';
      ctx.fillText(n === 0 ? 'no data yet' : 'no positive gradient norm to draw', (box.left + box.right) / 2, (box.top + box.bottom) / 2);
      return;
    }

    // the two series: lines broken where a value is left off the log axis, then markers
    for (const s of m.series) {
      const color = this.colors[s.key];
      const gaps = new Set(m.skipped.filter((k) => k.key === s.key).map((k) => k.position));
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.setLineDash(s.key === 'output_grad' ? [6, 4] : []);
      ctx.beginPath();
      let prev = -1;
      for (const [p, v] of s.points) {
        let broken = prev < 0;
        for (let q = prev + 1; q < p && !broken; q++) if (gaps.has(q)) broken = true;
        if (broken) ctx.moveTo(cx(p), y(v));
        else ctx.lineTo(cx(p), y(v));
        prev = p;
      }
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = color;
      for (const [p, v] of s.points) {
        const r = p === this.selected ? 5 : 3.5;
        ctx.beginPath();
        if (s.key === 'weight_grad') ctx.arc(cx(p), y(v), r, 0, Math.PI * 2);
        else ctx.rect(cx(p) - r, y(v) - r, 2 * r, 2 * r);
        ctx.fill();
        if (p === this.selected) {
          ctx.strokeStyle = theme.bg;
          ctx.lineWidth = 1.5;
          ctx.stroke();
        }
      }
      // values left off the axis: an open triangle pointing down at the bottom edge
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      for (const k of m.skipped) {
        if (k.key !== s.key) continue;
        const x = cx(k.position) + (s.key === 'weight_grad' ? -3 : 3);
        ctx.beginPath();
        ctx.moveTo(x - 4, box.bottom - 9);
        ctx.lineTo(x + 4, box.bottom - 9);
        ctx.lineTo(x, box.bottom - 2);
        ctx.closePath();
        ctx.stroke();
      }
    }
  }
}

/** A ratio in words: "4.98e8 times", "about the same as", "1/3.2 of". */
function times(r: number): string {
  if (!(r > 0) || !Number.isFinite(r)) return `${formatNumber(r)} times`;
  if (r >= 1.5) return `${formatNumber(r)} times`;
  if (r > 1 / 1.5) return 'about the same as';
  return `1/${formatNumber(1 / r)} of`;
}

function expo(v: number | null): string {
  return formatNumber(v, 4);
}
