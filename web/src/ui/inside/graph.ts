// GraphView (data-view "graph"): the computation graph of a tiny network, left (inputs and
// parameters) to right (the loss), each node with its value and its gradient ∂L/∂node, each
// edge with its local derivative ∂node/∂input where both are single numbers. Pointing at a
// node (or focusing it with Tab) writes out the chain rule for it:
// ∂L/∂x = Σ over x's uses of ∂L/∂use × local. Reshapes are folded into edges (toggle).
// Input: the `graph` snapshot (core/inspect/graph.h). gradlabData: the layout (graphLayout).
//
//   const v = new GraphView(host);
//   v.update(await client.snapshot('graph'));

import { formatNumber } from '../../viz/scales';
import { graphLayout, sharedLeafSums, type GraphLayout, type GraphSnapshot, type LaidNode, type SharedLeafSum } from './models';
import { el, labelled, setGradlabData, viewRoot } from './view';

const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function numbers(v: number[], max = 3): string {
  if (v.length === 0) return '—';
  const s = v.slice(0, max).map((x) => formatNumber(x)).join(', ');
  return v.length > max ? `${s}, …` : s;
}

export class GraphView {
  readonly root: HTMLDivElement;
  private readonly scroller: HTMLDivElement;
  private readonly readout: HTMLParagraphElement;
  private readonly hide: HTMLInputElement;
  /** unrolled recurrent nets: each shared weight's gradient as the sum of its per-step uses */
  private readonly shared: HTMLDivElement;
  private sums: SharedLeafSum[] = [];
  private snapshot: GraphSnapshot | null = null;
  private layout: GraphLayout | null = null;

  constructor(host: HTMLElement) {
    this.root = viewRoot(
      host,
      'graph',
      'Every number the loss was computed from, left to right. Each box: its value and ∂L/∂(box), the gradient backprop found. Each arrow: the local derivative ∂(to)/∂(from). Point at a box to see the chain rule add up.',
    ).root;
    this.hide = el('input');
    this.hide.type = 'checkbox';
    this.hide.checked = true;
    this.hide.addEventListener('change', () => this.snapshot && this.update(this.snapshot));
    const row = el('div', 'gl-row');
    row.appendChild(labelled('Fold reshapes into arrows', this.hide));
    this.scroller = el('div', 'gl-graph-box');
    this.readout = el('p', 'gl-readout', 'Point at a box, or Tab to one (← → move between boxes).');
    this.readout.setAttribute('aria-live', 'polite');
    this.shared = el('div', 'gl-graph-shared');
    this.root.append(row, this.scroller, this.readout, this.shared);
    setGradlabData(this.root, null);
  }

  update(snapshot: GraphSnapshot): void {
    this.snapshot = snapshot;
    const L = graphLayout(snapshot, { hideReshapes: this.hide.checked });
    this.layout = L;
    // scales down to the card's width, but not below 90% (then the box scrolls sideways)
    const root = svg('svg', { width: '100%', viewBox: `0 0 ${L.width} ${L.height}`, role: 'group', 'aria-label': 'computation graph' });
    root.style.minWidth = `${Math.round(L.width * 0.9)}px`;
    root.style.maxWidth = `${L.width}px`;
    const defs = svg('defs', {});
    const marker = svg('marker', { id: 'gl-arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    marker.appendChild(svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'gl-g-arrowhead' }));
    defs.appendChild(marker);
    root.appendChild(defs);
    const byId = new Map(L.nodes.map((n) => [n.id, n]));
    const hw = L.nodeWidth / 2;
    const hh = L.nodeHeight / 2;
    for (const e of L.edges) {
      const a = byId.get(e.from)!;
      const b = byId.get(e.to)!;
      const x0 = a.x + hw;
      const x1 = b.x - hw;
      const mx = (x0 + x1) / 2;
      root.appendChild(svg('path', { d: `M${x0},${a.y} C${mx},${a.y} ${mx},${b.y} ${x1},${b.y}`, class: 'gl-g-edge', 'marker-end': 'url(#gl-arrow)' }));
      if (e.local !== null) {
        const label = svg('text', { x: mx, y: (a.y + b.y) / 2 - 4, class: 'gl-g-local', 'text-anchor': 'middle' }, `×${formatNumber(e.local)}`);
        root.appendChild(label);
      }
    }
    const nodes: SVGGElement[] = [];
    for (const n of L.nodes) {
      const g = svg('g', {
        class: `gl-g-node gl-g-${n.kind}`,
        tabindex: 0,
        'data-node': n.id,
        role: 'button', // named by its texts and <title>
      });
      g.appendChild(svg('rect', { x: n.x - hw, y: n.y - hh, width: L.nodeWidth, height: L.nodeHeight, rx: 6 }));
      const title = n.label.length > 20 ? `${n.label.slice(0, 19)}…` : n.label;
      g.appendChild(svg('text', { x: n.x, y: n.y - hh + 15, 'text-anchor': 'middle', class: 'gl-g-title' }, title));
      g.appendChild(svg('text', { x: n.x, y: n.y - hh + 32, 'text-anchor': 'middle' }, numbers(n.value, 2)));
      g.appendChild(
        svg('text', { x: n.x, y: n.y - hh + 48, 'text-anchor': 'middle', class: 'gl-g-grad' }, n.grad ? `∂L/∂ ${numbers(n.grad, 2)}` : 'no gradient'),
      );
      g.appendChild(svg('title', {}, `${n.label} (${n.op}, shape [${n.shape.join('×')}]) value ${numbers(n.value, 8)}; ∂L/∂ ${n.grad ? numbers(n.grad, 8) : 'none'}`));
      const show = (): void => this.explain(n);
      g.addEventListener('pointerenter', show);
      g.addEventListener('focus', show);
      g.addEventListener('keydown', (e) => {
        const step = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? -1 : 0;
        const sibling = step ? nodes[nodes.indexOf(g) + step] : undefined;
        if (!step) return;
        e.preventDefault();
        sibling?.focus();
      });
      nodes.push(g);
      root.appendChild(g);
    }
    this.scroller.replaceChildren(root);
    this.sums = sharedLeafSums(snapshot);
    this.shared.replaceChildren(
      ...(this.sums.length === 0
        ? []
        : [
            el('p', 'gl-muted', 'Shared weights: the same weight is used at every step, so backprop through time adds one contribution per use:'),
            ...this.sums.map((s) => el('p', 'gl-graph-sum', s.text)),
          ]),
    );
    setGradlabData(this.root, {
      shared: this.sums,
      nodes: L.nodes.map((n) => ({ id: n.id, label: n.label, op: n.op, kind: n.kind, x: n.x, y: n.y, value: n.value, grad: n.grad })),
      edges: L.edges,
      width: L.width,
      height: L.height,
      root: L.root,
    });
  }

  dispose(): void {
    this.root.remove();
  }

  private explain(n: LaidNode): void {
    const L = this.layout;
    if (!L) return;
    const byId = new Map(L.nodes.map((x) => [x.id, x]));
    const uses = L.edges.filter((e) => e.from === n.id);
    if (n.id === L.root) {
      this.readout.textContent = `${n.label} is the loss L = ${numbers(n.value)}; ∂L/∂L = 1 starts backprop.`;
      return;
    }
    if (!n.grad) {
      this.readout.textContent = `${n.label} = ${numbers(n.value)} is data, not a parameter: no gradient is needed for it.`;
      return;
    }
    const shared = this.sums.find((s) => s.node === n.id);
    if (shared) {
      this.readout.textContent = shared.text;
      return;
    }
    const terms = uses.map((e) => {
      const u = byId.get(e.to)!;
      return e.local !== null && u.grad?.length === 1 ? { text: `${formatNumber(u.grad[0]!)} × ${formatNumber(e.local)}`, v: u.grad[0]! * e.local } : null;
    });
    if (n.grad.length === 1 && terms.length > 0 && terms.every((t) => t !== null)) {
      const sum = terms.reduce((s, t) => s + t!.v, 0);
      this.readout.textContent = `∂L/∂(${n.label}) = Σ ∂L/∂(use) × local = ${terms.map((t) => t!.text).join(' + ')} = ${formatNumber(sum, 4)} (engine: ${formatNumber(n.grad[0]!, 4)})`;
    } else {
      this.readout.textContent = `∂L/∂(${n.label}) = ${numbers(n.grad, 6)} — a ${n.value.length}-number tensor, so its local derivatives are matrices (not written on the arrows).`;
    }
  }
}
