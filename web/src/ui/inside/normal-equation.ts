// NormalEquationView (data-view "normal-equation"): linear regression's closed form beside
// gradient descent. Whether the closed form applies to this spec (and why not), the weights
// and training error of both, and what each costs: operations counted for the normal
// equations and for one full-batch gradient step, and the time this machine took for each.
// Input: the `normal_equation` snapshot (core/session/supervised_runner.cpp).
// gradlabData: the NormalEquationModel below.

import { formatNumber, formatSeconds } from '../../viz/format';
import { el, setGradlabData, viewRoot } from './view';

/** How many weights the table lists (a hyperplane can have thousands). */
export const SHOWN_WEIGHTS = 8;

export interface NormalEquationModel {
  applies: boolean;
  reason: string | null;
  /** one row per listed weight, then the bias */
  rows: Array<{ name: string; closed: number | null; descent: number | null; difference: number | null }>;
  /** weights not listed */
  hidden: number;
  mse: { closed: number | null; descent: number | null };
  steps: number | null;
  cost: {
    samples: number;
    features: number;
    flops: { closed: number; step: number; ratio: number };
    seconds: { closed: number | null; step: number | null; ratio: number | null };
    formulas: { closed: string; step: string };
  } | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const data = (t: unknown): unknown[] => ((t as { data?: unknown[] } | null)?.data ?? []);

export function normalEquationModel(s: Record<string, unknown>): NormalEquationModel {
  const closed = (s['closed_form'] ?? {}) as Record<string, unknown>;
  const descent = (s['gradient_descent'] ?? {}) as Record<string, unknown>;
  const cw = data(closed['weight']);
  const dw = data(descent['weight']);
  const row = (name: string, c: unknown, d: unknown) => {
    const a = num(c);
    const b = num(d);
    return { name, closed: a, descent: b, difference: a !== null && b !== null ? b - a : null };
  };
  const rows = cw.slice(0, SHOWN_WEIGHTS).map((c, i) => row(`w${i + 1}`, c, dw[i]));
  const cb = data(closed['bias']);
  if (cb.length > 0) rows.push(row('b', cb[0], data(descent['bias'])[0]));
  const c = s['cost'] as Record<string, Record<string, unknown>> | undefined;
  let cost: NormalEquationModel['cost'] = null;
  if (c && c['flops'] && c['seconds']) {
    const f = c['flops'];
    const t = c['seconds'];
    cost = {
      samples: Number(c['samples'] ?? 0),
      features: Number(c['features'] ?? 0),
      flops: { closed: Number(f['normal_equations'] ?? 0), step: Number(f['gradient_step'] ?? 0), ratio: Number(f['normal_equations_per_step'] ?? 0) },
      seconds: { closed: num(t['closed_form']), step: num(t['gradient_step']), ratio: num(t['closed_form_per_step']) },
      formulas: { closed: String(c['formulas']?.['normal_equations'] ?? ''), step: String(c['formulas']?.['gradient_step'] ?? '') },
    };
  }
  return {
    applies: s['applies'] !== false,
    reason: typeof s['reason'] === 'string' ? s['reason'] : null,
    rows,
    hidden: Math.max(0, cw.length - SHOWN_WEIGHTS),
    mse: { closed: num(closed['mse']), descent: num(descent['mse']) },
    steps: num(descent['steps']),
    cost,
  };
}

/** 6963991 -> "6.96 M" (operations), 0.00042 -> "0.42 ms" (seconds). */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const units: Array<[number, string]> = [[1e9, ' G'], [1e6, ' M'], [1e3, ' k']];
  for (const [size, unit] of units) if (Math.abs(n) >= size) return `${formatNumber(n / size)}${unit}`;
  return String(Math.round(n));
}
export { formatSeconds };

function table(head: string[], rows: Array<Array<string | HTMLElement>>, numeric: number[]): HTMLTableElement {
  const t = el('table', 'gl-table');
  const tr = el('tr');
  for (const h of head) tr.appendChild(el('th', undefined, h));
  t.appendChild(el('thead')).appendChild(tr);
  const body = el('tbody');
  for (const r of rows) {
    const row = el('tr');
    r.forEach((cell, i) => {
      const td = el('td', numeric.includes(i) ? 'gl-num' : undefined);
      if (typeof cell === 'string') td.textContent = cell;
      else td.appendChild(cell);
      row.appendChild(td);
    });
    body.appendChild(row);
  }
  t.appendChild(body);
  return t;
}

export class NormalEquationView {
  readonly root: HTMLDivElement;
  private readonly status: HTMLParagraphElement;
  private readonly weights: HTMLDivElement;
  private readonly cost: HTMLDivElement;

  constructor(host: HTMLElement) {
    this.root = viewRoot(
      host,
      'normal-equation',
      'The closed form solves XᵀX β = Xᵀy once; gradient descent walks to the same weights step by step. Below: both sets of weights, and what each costs.',
    ).root;
    this.status = el('p', 'gl-readout');
    this.weights = el('div');
    this.cost = el('div');
    this.root.append(this.status, this.weights, this.cost);
    setGradlabData(this.root, null);
  }

  update(snapshot: Record<string, unknown>): void {
    const m = normalEquationModel(snapshot);
    this.status.textContent = m.applies
      ? `Closed form and gradient descent (after ${m.steps ?? 0} steps) minimise the same loss.`
      : `The closed form does not apply here: ${m.reason ?? ''}`;
    this.status.className = `gl-readout ${m.applies ? '' : 'gl-danger'}`;
    const f = (v: number | null) => (v === null ? '—' : formatNumber(v));
    const rows = m.rows.map((r) => [r.name, f(r.closed), f(r.descent), f(r.difference)]);
    rows.push(['training MSE', f(m.mse.closed), f(m.mse.descent), f(m.mse.closed !== null && m.mse.descent !== null ? m.mse.descent - m.mse.closed : null)]);
    this.weights.replaceChildren(table(['quantity', 'closed form', 'gradient descent', 'difference'], rows, [1, 2, 3]));
    if (m.hidden > 0) this.weights.appendChild(el('p', 'muted small', `… and ${m.hidden} more weights (${m.hidden + SHOWN_WEIGHTS} in all).`));
    if (m.cost) {
      const c = m.cost;
      const formula = (text: string) => el('code', 'small', text);
      this.cost.replaceChildren(
        el('p', 'gl-caption', `Cost with N = ${c.samples} training samples and d = ${c.features} features (operations counted; time measured on this machine, which moves with its load):`),
        table(
          ['method', 'operations', 'time', 'counted as'],
          [
            ['closed form (normal equations)', formatCount(c.flops.closed), formatSeconds(c.seconds.closed), formula(c.formulas.closed)],
            ['one gradient step (full batch)', formatCount(c.flops.step), formatSeconds(c.seconds.step), formula(c.formulas.step)],
            ['one solve ÷ one step', `${formatNumber(c.flops.ratio)}×`, c.seconds.ratio === null ? '—' : `${formatNumber(c.seconds.ratio)}×`, ''],
          ],
          [1, 2],
        ),
      );
    } else {
      this.cost.replaceChildren();
    }
    // Many features: the weights cannot all be listed and the cost is the story, so it goes first.
    const costFirst = m.cost !== null && m.cost.features > SHOWN_WEIGHTS;
    if (costFirst !== (this.cost.previousElementSibling === this.status)) {
      if (costFirst) this.status.after(this.cost);
      else this.weights.after(this.cost);
    }
    setGradlabData(this.root, m);
  }

  dispose(): void {
    this.root.remove();
  }
}
