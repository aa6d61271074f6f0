// GatesView (data-view "gates"): what the gates did at every time step, one heatmap [T x H]
// per gate (rows: time step t, columns: hidden unit), mean over the batch; sigmoid gates on
// a 0..1 scale, tanh maps on a -1..1 diverging scale; with the share of saturated units.
// Includes the contract's clamp control (select#clamp-gate, input#clamp-value), applied on
// change through `onClamp(gate | null, value)` (or a bubbling `gradlab-clamp` event
// {gate, value} when no callback is given). Input: the `recurrent` snapshot.
// gradlabData: {kind, stream, T, H, gates: [{name, activation, mean, saturated_fraction, values}]}.
//
//   const v = new GatesView(host, {onClamp: (gate, value) => client.clamp(gate, value)});
//   v.update(await client.snapshot('recurrent'));

import { Heatmap } from '../../viz/heatmap';
import { formatNumber } from '../../viz/scales';
import { GATE_MEANING, gateModel, type RecurrentSnapshot } from './models';
import { el, emit, labelled, setGradlabData, viewRoot } from './view';

export interface GatesOptions {
  onClamp?: (gate: string | null, value: number) => void;
  clampControl?: boolean; // default true (for LSTM and GRU)
  /** the clamp the session runs under now (its spec's /training/clamp), shown by the control */
  clampNow?: () => { gate: string; value: number } | null;
}

export class GatesView {
  readonly root: HTMLDivElement;
  private readonly controls: HTMLDivElement;
  private readonly streamSelect: HTMLSelectElement;
  private readonly gateSelect: HTMLSelectElement;
  private readonly valueInput: HTMLInputElement;
  private readonly clampRow: HTMLDivElement;
  private readonly maps: HTMLDivElement;
  private cards: Array<{ card: HTMLDivElement; title: HTMLDivElement; stats: HTMLDivElement; map: Heatmap }> = [];
  private snapshot: RecurrentSnapshot | null = null;
  private stream = 0;
  private clampKind = '';

  constructor(host: HTMLElement, private readonly options: GatesOptions = {}) {
    this.root = viewRoot(
      host,
      'gates',
      'Gate activations at each time step (rows) and hidden unit (columns), averaged over the batch. A gate near 0 blocks, near 1 passes; “saturated” units (below 0.05 or above 0.95; tanh beyond ±0.95) pass almost no gradient.',
    ).root;
    this.controls = el('div', 'gl-row');
    this.streamSelect = el('select');
    this.streamSelect.addEventListener('change', () => {
      this.stream = Number(this.streamSelect.value);
      if (this.snapshot) this.draw(this.snapshot);
    });
    this.gateSelect = el('select');
    this.gateSelect.id = 'clamp-gate';
    this.valueInput = el('input');
    this.valueInput.type = 'number';
    this.valueInput.id = 'clamp-value';
    this.valueInput.step = '0.1';
    this.valueInput.value = '0';
    const apply = (): void => {
      const gate = this.gateSelect.value === 'none' ? null : this.gateSelect.value;
      const value = Number(this.valueInput.value);
      if (!Number.isFinite(value)) return;
      emit(this.root, 'clamp', { gate, value }, this.options.onClamp ? (d) => this.options.onClamp!(d.gate, d.value) : undefined);
    };
    this.gateSelect.addEventListener('change', () => {
      this.valueInput.disabled = this.gateSelect.value === 'none';
      apply();
    });
    this.valueInput.addEventListener('change', apply);
    this.clampRow = el('div', 'gl-row');
    this.clampRow.append(labelled('Clamp gate (first layer)', this.gateSelect), labelled('to value', this.valueInput));
    this.clampRow.hidden = true;
    this.controls.append(labelled('Layer', this.streamSelect));
    this.root.append(this.controls, this.clampRow);
    this.maps = el('div', 'gl-cols');
    this.root.appendChild(this.maps);
    setGradlabData(this.root, { gates: [] });
  }

  update(snapshot: RecurrentSnapshot): void {
    this.snapshot = snapshot;
    const bidi = snapshot.streams.some((s) => s.direction === 1);
    const labels = snapshot.streams.map((s) => `${s.layer}${bidi ? (s.direction ? ' backward ←' : ' forward →') : ''}`);
    if (this.streamSelect.options.length !== labels.length) {
      this.streamSelect.replaceChildren(...labels.map((l, i) => new Option(l, String(i))));
      this.stream = Math.min(this.stream, labels.length - 1);
    }
    this.streamSelect.value = String(this.stream);
    this.controls.hidden = labels.length <= 1;
    this.syncClampControl(snapshot.kind);
    this.showClampNow();
    this.draw(snapshot);
  }

  /** the session's clamp the control last showed (JSON), so only a change of it moves the control */
  private clampShown: string | undefined;

  /**
   * The control shows the session's clamp when it changes (a run restored, a link opened, a
   * lesson step), unless the student is at it; a snapshot that arrives before the workspace
   * has the student's new clamp leaves the control alone.
   */
  private showClampNow(): void {
    if (!this.options.clampNow || this.clampRow.contains(document.activeElement)) return;
    const c = this.options.clampNow();
    const key = JSON.stringify(c);
    if (key === this.clampShown) return;
    this.clampShown = key;
    const gate = c && [...this.gateSelect.options].some((o) => o.value === c.gate) ? c.gate : 'none';
    this.gateSelect.value = gate;
    if (c && gate !== 'none') this.valueInput.value = String(c.value);
    this.valueInput.disabled = gate === 'none';
  }

  /** The gate currently chosen in the clamp control (null = none). */
  get clampGate(): string | null {
    return this.gateSelect.value === 'none' || this.gateSelect.value === '' ? null : this.gateSelect.value;
  }

  dispose(): void {
    for (const c of this.cards) c.map.dispose();
    this.root.remove();
  }

  private syncClampControl(kind: string): void {
    if (kind === this.clampKind) return;
    this.clampKind = kind;
    const gates = gateModel({ kind, T: 0, B: 0, H: 0, batch_element: null, streams: [] }).clampable;
    const keep = this.gateSelect.value;
    this.gateSelect.replaceChildren(new Option('none', 'none'), ...gates.map((g) => new Option(g, g)));
    this.gateSelect.value = gates.includes(keep) ? keep : 'none';
    this.valueInput.disabled = this.gateSelect.value === 'none';
    this.clampRow.hidden = this.options.clampControl === false || gates.length === 0;
  }

  private draw(snapshot: RecurrentSnapshot): void {
    const m = gateModel(snapshot, this.stream);
    while (this.cards.length > m.gates.length) this.cards.pop()!.card.remove();
    while (this.cards.length < m.gates.length) {
      const card = el('div', 'gl-card');
      const title = el('div', 'gl-view-title');
      const stats = el('div', 'gl-stats');
      card.append(title, stats);
      this.maps.appendChild(card);
      const map = new Heatmap(card, { xLabel: 'hidden unit', yLabel: 'time step t', cellText: false, maxCell: 18, minCell: 3, maxGrid: 150, valueName: 'activation' });
      this.cards.push({ card, title, stats, map });
    }
    m.gates.forEach((g, i) => {
      const c = this.cards[i]!;
      c.title.textContent = GATE_MEANING[g.name] ?? `gate ${g.name}`;
      c.stats.textContent = `${g.activation}; mean ${formatNumber(g.mean)}; saturated ${formatNumber(100 * g.saturated_fraction)}% of units`;
      c.map.setScale(g.diverging ? 'diverging' : 'sequential', g.domain);
      c.map.update({ rows: g.T, cols: g.H, values: g.values, rowLabels: Array.from({ length: g.T }, (_, t) => String(t)) });
    });
    setGradlabData(this.root, {
      kind: m.kind,
      stream: m.stream,
      T: m.T,
      H: m.H,
      gates: m.gates.map((g) => ({ name: g.name, activation: g.activation, mean: g.mean, saturated_fraction: g.saturated_fraction, values: g.values })),
    });
  }
}
