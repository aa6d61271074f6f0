// GradcheckView (data-view "gradcheck"): "can I trust these gradients?" — for every parameter
// the largest relative error between backprop's gradient and a finite-difference estimate,
// against the tolerance, with a button that runs the check. Input: `session.checkGradients()`
// ({ok, tolerance, eps, parameters: [...]}) or the `gradcheck` snapshot ({entries: [...]}).
// The button calls `onRun()` (or dispatches a bubbling `gradlab-gradcheck` event).
// gradlabData: {ok, tolerance, eps, rows: [{name, shape, max_rel_error, max_abs_error, ok}]}.
//
//   const v = new GradcheckView(host, {onRun: async () => v.update(await client.checkGradients())});

import { formatNumber } from '../../viz/scales';
import { gradcheckModel } from './models';
import { button, el, emit, onSelectParameter, setGradlabData, viewRoot } from './view';

export class GradcheckView {
  readonly root: HTMLDivElement;
  private readonly summary: HTMLParagraphElement;
  private readonly body: HTMLTableSectionElement;
  /** the parameter picked in another view (the network diagram): its row is marked */
  private picked: string | null = null;
  private readonly stopFollowing: () => void;

  constructor(host: HTMLElement, private readonly options: { onRun?: () => void } = {}) {
    this.root = viewRoot(
      host,
      'gradcheck',
      'Backprop’s gradient of each parameter compared with a finite-difference estimate (nudge each weight by ±ε and watch the loss). Relative errors far below the tolerance mean the gradients are right.',
    ).root;
    const row = el('div', 'gl-row');
    row.appendChild(button('Check gradients', () => emit(this.root, 'gradcheck', null, this.options.onRun ? () => this.options.onRun!() : undefined), 'gradcheck-run'));
    this.summary = el('p', 'gl-readout');
    const table = el('table', 'gl-table');
    const head = el('thead');
    const tr = el('tr');
    for (const h of ['parameter', 'shape', 'max relative error', 'max absolute error', 'result']) tr.appendChild(el('th', undefined, h));
    head.appendChild(tr);
    this.body = el('tbody');
    table.append(head, this.body);
    this.root.append(row, this.summary, table);
    setGradlabData(this.root, null);
    this.stopFollowing = onSelectParameter(this.root, (s) => {
      this.picked = s?.name ?? null;
      this.mark();
    });
  }

  private mark(): void {
    let found: HTMLTableRowElement | null = null;
    for (const tr of this.body.rows) {
      const on = tr.dataset['param'] === this.picked;
      tr.classList.toggle('gl-selected', on);
      if (on) found = tr;
    }
    found?.scrollIntoView({ block: 'nearest' });
    const data = (this.root as HTMLElement & { gradlabData?: Record<string, unknown> | null }).gradlabData;
    if (data) data['selected'] = found ? this.picked : null;
  }

  update(report: Record<string, unknown>): void {
    const m = gradcheckModel(report);
    this.body.replaceChildren(
      ...m.rows.map((r) => {
        const tr = el('tr');
        tr.dataset['param'] = r.name;
        const name = el('td');
        name.appendChild(el('code', undefined, r.name));
        const ok = el('td', r.ok ? 'gl-ok' : 'gl-danger', r.ok ? '✓ ok' : '✗ too large');
        tr.append(name, el('td', undefined, r.shape), el('td', 'gl-num', formatNumber(r.max_rel_error)), el('td', 'gl-num', formatNumber(r.max_abs_error)), ok);
        return tr;
      }),
    );
    this.summary.textContent = `${m.ok ? 'All gradients agree' : 'Some gradients disagree'} (tolerance ${formatNumber(m.tolerance)}, ε = ${formatNumber(m.eps)}).`;
    this.summary.className = `gl-readout ${m.ok ? 'gl-ok' : 'gl-danger'}`;
    setGradlabData(this.root, { ...m, selected: null });
    this.mark();
  }

  dispose(): void {
    this.stopFollowing();
    this.root.remove();
  }
}
