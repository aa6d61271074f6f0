// The data-shaping half of the "inside the network" views (src/ui/inside/models.ts), run on
// real engine snapshots in test/fixtures (see its README for how each was made).
import { describe, expect, it } from 'vitest';
import {
  attentionModel,
  effectiveSources,
  cellText,
  emptyNormHistory,
  ganLossLines,
  ganLossSeries,
  ganModel,
  gateModel,
  gradcheckModel,
  gradNormSeries,
  graphLayout,
  histogramEdges,
  jacobianModel,
  predictionsModel,
  pushNorms,
  selfAttentionModel,
  type AttentionSnapshot,
  type CoverageSnapshot,
  type CriticFieldSnapshot,
  type GanSamplesSnapshot,
  type GraphSnapshot,
  type ParameterStatsJson,
  type PredictionsSnapshot,
  type RecurrentSnapshot,
  type SelfAttentionSnapshot,
  type StepJacobianJson,
} from '../../src/ui/inside/models';

// The fixtures as text (import.meta.glob: no Node types needed).
const FIXTURES = import.meta.glob<string>('../fixtures/*.json', { query: '?raw', import: 'default', eager: true });
const fixture = <T>(name: string): T => {
  const text = FIXTURES[`../fixtures/${name}`];
  if (text === undefined) throw new Error(`no fixture ${name}`);
  return JSON.parse(text) as T;
};

describe('attentionModel', () => {
  const s = fixture<AttentionSnapshot>('dates-attention.attention.json');
  const m = attentionModel(s);
  it('is [target x source] with a token per row and column', () => {
    expect(m.weights.length).toBe(s.Tq);
    expect(m.weights.every((r) => r.length === s.Tk)).toBe(true);
    expect(m.target_tokens).toEqual(s.target_tokens);
    expect(m.source_tokens).toEqual(s.source_tokens);
  });
  it('each row is a distribution: non-negative and sums to 1', () => {
    for (const row of m.weights) for (const w of row) expect(w).toBeGreaterThanOrEqual(0);
    for (const sum of m.row_sums) expect(sum).toBeCloseTo(1, 5);
    m.row_sums.forEach((v, i) => expect(v).toBeCloseTo(s.row_sums![i]!, 6));
  });
  it('argmax agrees with the engine', () => {
    expect(m.argmax).toEqual(s.argmax);
  });
  it('each row has its effective number of sources, exp(entropy), between 1 and the key count', () => {
    expect(m.spread.length).toBe(s.Tq);
    for (const v of m.spread) {
      expect(v).toBeGreaterThanOrEqual(1 - 1e-9);
      expect(v).toBeLessThanOrEqual(s.Tk + 1e-9);
    }
    expect(effectiveSources([0, 1, 0])).toBeCloseTo(1, 12);
    expect(effectiveSources([0.5, 0.5, 0])).toBeCloseTo(2, 12);
    expect(effectiveSources([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(4, 12);
    expect(effectiveSources([0.7, 0.1, 0.1, 0.1])).toBeCloseTo(Math.exp(-(0.7 * Math.log(0.7) + 0.3 * Math.log(0.1))), 12);
  });
  it('takes nested arrays too and labels positions when tokens are missing', () => {
    const n = attentionModel({ batch_element: 0, Tq: 2, Tk: 2, weights: [[0.25, 0.75], [1, 0]], source_tokens: [], target_tokens: [] });
    expect(n.source_tokens).toEqual(['0', '1']);
    expect(n.argmax).toEqual([1, 0]);
  });
});

describe('gradNormSeries', () => {
  it('a 2-layer bidirectional tanh RNN: one finite row per layer and direction, vanishing towards t = 0', () => {
    const s = fixture<RecurrentSnapshot>('rnn-tanh-bidi.recurrent.json');
    const g = gradNormSeries(s);
    expect(g.norms.length).toBe(4);
    expect(g.labels).toEqual(['layer 0 forward →', 'layer 0 backward ←', 'layer 1 forward →', 'layer 1 backward ←']);
    for (const row of g.norms) {
      expect(row.length).toBe(s.T);
      for (const v of row) expect(Number.isFinite(v) && v >= 0).toBe(true);
    }
    for (const i of [0, 1, 2]) {
      expect(g.norms[i]!.every((v) => v > 0)).toBe(true);
      expect(g.ratio[i]!).toBeLessThan(0.01); // an untrained tanh RNN: gradients vanish over 12 steps
    }
    // last_step reads only h_{T-1}; the top backward direction computes it first, so no
    // gradient reaches its other steps
    const top = g.norms[3]!;
    expect(top[s.T - 1]).toBeGreaterThan(0);
    expect(top.slice(0, -1).every((v) => v === 0)).toBe(true);
  });
  it('an LSTM stream with the cell path: its norms, first/last ratio and the mean forget gate; other cells have none', () => {
    const s: RecurrentSnapshot = {
      kind: 'lstm', T: 3, B: 1, H: 2, batch_element: null,
      streams: [{ layer: 0, direction: 0, grad_norm: [0.1, 0.2, 0.4], has_grad: true, gates: [],
                  cell_grad_norm: [0.3, 0.35, 0.4], forget_gate_mean: [0.6, 0.7, 0.8] }],
    };
    const g = gradNormSeries(s);
    expect(g.cellNorms).toEqual([[0.3, 0.35, 0.4]]);
    expect(g.cellRatio[0]).toBeCloseTo(0.75, 12);
    expect(g.ratio[0]).toBeCloseTo(0.25, 12);
    expect(g.forgetMean[0]).toBeCloseTo(0.7, 12);
    const rnn = gradNormSeries(fixture<RecurrentSnapshot>('rnn-tanh-bidi.recurrent.json'));
    expect(rnn.cellNorms.every((row) => row.length === 0)).toBe(true);
    expect(rnn.cellRatio.every((r) => r === null)).toBe(true);
  });
  it('LSTM on the adding problem: the gradient reaching early steps is smaller (ratio < 1)', () => {
    const g = gradNormSeries(fixture<RecurrentSnapshot>('lstm-small.recurrent.json'));
    expect(g.norms.length).toBe(1);
    expect(g.ratio[0]).not.toBeNull();
    expect(g.ratio[0]!).toBeGreaterThan(0);
    expect(g.ratio[0]!).toBeLessThan(1);
  });
  it('the forget gate clamped to 0 cuts the path through the cell: the early gradient shrinks further', () => {
    const free = gradNormSeries(fixture<RecurrentSnapshot>('lstm-small.recurrent.json'));
    const cut = gradNormSeries(fixture<RecurrentSnapshot>('lstm-small.recurrent-clamp-f0.json'));
    expect(cut.ratio[0]!).toBeLessThan(free.ratio[0]!);
  });
});

describe('gateModel', () => {
  it('LSTM: gates i f g o as [T x H] maps with the right ranges and clampable gates', () => {
    const s = fixture<RecurrentSnapshot>('lstm-small.recurrent.json');
    const m = gateModel(s);
    expect(m.gates.map((g) => g.name)).toEqual(['i', 'f', 'g', 'o']);
    expect(m.clampable).toEqual(['i', 'f', 'g', 'o']);
    for (const g of m.gates) {
      expect(g.values.length).toBe(s.T * s.H);
      const [lo, hi] = g.domain;
      for (const v of g.values) {
        expect(v).toBeGreaterThanOrEqual(lo - 1e-6);
        expect(v).toBeLessThanOrEqual(hi + 1e-6);
      }
    }
    expect(m.gates[2]!.diverging).toBe(true); // g is tanh
  });
  it("a coupled input-forget LSTM offers the clamps its snapshot lists (f = 1 - i has none of its own)", () => {
    const s = { ...fixture<RecurrentSnapshot>('lstm-small.recurrent.json'), clampable: ['i', 'g', 'o'] };
    expect(gateModel(s).clampable).toEqual(['i', 'g', 'o']);
    expect(gateModel(s).gates.map((g) => g.name)).toEqual(['i', 'f', 'g', 'o']); // f is still shown
  });
  it('a clamped forget gate shows the clamp value everywhere', () => {
    const m = gateModel(fixture<RecurrentSnapshot>('lstm-small.recurrent-clamp-f0.json'));
    const f = m.gates.find((g) => g.name === 'f')!;
    expect(f.values.every((v) => v === 0)).toBe(true);
  });
  it('an RNN has no gates to clamp, only its hidden state map', () => {
    const m = gateModel(fixture<RecurrentSnapshot>('rnn-tanh-bidi.recurrent.json'), 1);
    expect(m.clampable).toEqual([]);
    expect(m.gates.map((g) => g.name)).toEqual(['h']);
    expect(m.stream).toBe('layer 0 backward ←');
  });
});

describe('jacobianModel', () => {
  it('LSTM: singular values per step, sorted, with the full state Jacobian', () => {
    const m = jacobianModel(fixture<StepJacobianJson[]>('lstm-small.jacobian.json'));
    expect(m.t).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(m.full).not.toBeNull();
    for (let t = 0; t < m.t.length; t++)
      for (let k = 1; k < m.hh.length; k++) expect(m.hh[k]![t]!).toBeLessThanOrEqual(m.hh[k - 1]![t]! + 1e-12);
    expect(m.boundFromEnd[m.t.length - 1]).toBe(1);
    expect(m.boundFromEnd.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
  });
  it('RNN: picks one layer and direction; no full Jacobian', () => {
    const all = fixture<StepJacobianJson[]>('rnn-tanh-bidi.jacobian.json');
    const m = jacobianModel(all, 0, 0);
    expect(m.full).toBeNull();
    expect(m.t.length).toBe(12);
    expect(m.hh[0]!.every((v) => v > 0)).toBe(true);
  });
});

describe('params: histograms and norm history', () => {
  const trained = fixture<ParameterStatsJson[]>('xor.params.trained-wasm.json');
  const fresh = fixture<ParameterStatsJson[]>('xor.params.init.json');
  it('histogram edges: bins + 1, from lo to hi, and counts add up to the parameter size', () => {
    for (const p of trained) {
      const e = histogramEdges(p.value.histogram);
      expect(e.length).toBe(p.value.histogram.counts.length + 1);
      expect(e[0]).toBeCloseTo(p.value.histogram.lo);
      expect(e[e.length - 1]).toBeCloseTo(p.value.histogram.hi);
      const n = p.value.histogram.counts.reduce((a, b) => a + b, 0) + p.value.histogram.below + p.value.histogram.above;
      expect(n).toBe(p.shape.reduce((a, b) => a * b, 1));
    }
  });
  it('history: fresh (no gradient: null) then trained; a repeat replaces; names tracked', () => {
    let h = emptyNormHistory();
    h = pushNorms(h, 0, fresh);
    h = pushNorms(h, 500, trained);
    h = pushNorms(h, 501, trained); // identical numbers: not a new point
    expect(h.x).toEqual([0, 501]);
    expect(h.names).toEqual(trained.map((p) => p.name));
    expect(h.grad[0]![0]).toBeNull();
    expect(h.grad[0]![1]).toBeGreaterThan(0);
    expect(h.value[0]![1]).toBe(trained[0]!.value.norm);
    h = pushNorms(h, 0, fresh); // back to step 0 (a reset): the record starts over
    expect(h.x).toEqual([0]);
    expect(h.grad[0]![0]).toBeNull();
  });
  it('an engine restored to an earlier step keeps the history up to it', () => {
    const at = (k: number) => trained.map((q) => ({ ...q, value: { ...q.value, norm: q.value.norm + k } }));
    let h = emptyNormHistory();
    for (const s of [0, 100, 200, 300, 400]) h = pushNorms(h, s, at(s));
    h = pushNorms(h, 250, at(1000)); // restored to step 250 after a trap at 400
    expect(h.x).toEqual([0, 100, 200, 250]);
    expect(h.value[0]).toEqual([0, 100, 200, 1000].map((k) => trained[0]!.value.norm + k));
    expect(h.value.every((s) => s.length === h.x.length) && h.grad.every((s) => s.length === h.x.length)).toBe(true);
    h = pushNorms(h, 200, at(2000)); // to a step it has: that point is the new one
    expect(h.x).toEqual([0, 100, 200]);
    expect(h.value[0]![2]).toBe(trained[0]!.value.norm + 2000);
  });
  it('history stays bounded and keeps its first and last points', () => {
    let h = emptyNormHistory();
    for (let i = 0; i < 100; i++) {
      const p = trained.map((q) => ({ ...q, value: { ...q.value, norm: q.value.norm + i } }));
      h = pushNorms(h, i, p, 40);
    }
    expect(h.x.length).toBeLessThanOrEqual(40);
    expect(h.x[0]).toBe(0);
    expect(h.x[h.x.length - 1]).toBe(99);
    expect(h.value.every((s) => s.length === h.x.length)).toBe(true);
  });
});

describe('ganModel', () => {
  const samples = fixture<GanSamplesSnapshot>('gan-ring-wgan-gp.samples.json');
  const field = fixture<CriticFieldSnapshot>('gan-ring-wgan-gp.critic_field.json');
  const coverage = fixture<CoverageSnapshot>('gan-ring-wgan-gp.coverage.json');
  it('points, the critic grid and arrows line up', () => {
    const m = ganModel({ samples, critic_field: field, coverage });
    expect(m.real.length).toBe(samples.real.shape[0]! * 2);
    expect(m.field!.values.length).toBe(m.field!.nx * m.field!.ny);
    expect(m.arrows).not.toBeNull();
    expect(m.arrows!.origins.length).toBe(m.arrows!.vectors.length);
    expect(m.arrows!.vectors.every(Number.isFinite)).toBe(true);
    expect(m.coverage!.num_modes).toBe(8);
  });
  it('a WGAN critic is a score, not a probability', () => {
    const m = ganModel({ samples, critic_field: field });
    expect(m.probability).toBe(false);
    expect(m.valueRange[0]).toBeLessThan(m.valueRange[1]);
  });
  // The arrows should point uphill on D: compare each with the field's own gradient there
  // (central differences of the bilinearly interpolated grid); return the median cosine.
  const uphill = (m: ReturnType<typeof ganModel>): number => {
    const f = m.field!;
    const val = (x: number, y: number): number => {
      const k = Math.min(f.nx - 1.001, Math.max(0, ((x - f.xRange[0]) / (f.xRange[1] - f.xRange[0])) * (f.nx - 1)));
      const j = Math.min(f.ny - 1.001, Math.max(0, ((y - f.yRange[0]) / (f.yRange[1] - f.yRange[0])) * (f.ny - 1)));
      const k0 = Math.floor(k);
      const j0 = Math.floor(j);
      const a = k - k0;
      const b = j - j0;
      const v = (jj: number, kk: number): number => f.values[jj * f.nx + kk]!;
      return v(j0, k0) * (1 - a) * (1 - b) + v(j0, k0 + 1) * a * (1 - b) + v(j0 + 1, k0) * (1 - a) * b + v(j0 + 1, k0 + 1) * a * b;
    };
    const h = (f.xRange[1] - f.xRange[0]) / (f.nx - 1);
    const { origins, vectors } = m.arrows!;
    const cos: number[] = [];
    for (let i = 0; i < origins.length; i += 2) {
      const [x, y, ax, ay] = [origins[i]!, origins[i + 1]!, vectors[i]!, vectors[i + 1]!];
      const gx = (val(x + h, y) - val(x - h, y)) / (2 * h);
      const gy = (val(x, y + h) - val(x, y - h)) / (2 * h);
      const d = Math.hypot(gx, gy) * Math.hypot(ax, ay);
      if (d > 0) cos.push((gx * ax + gy * ay) / d);
    }
    expect(cos.length).toBeGreaterThan(10);
    cos.sort((p, q) => p - q);
    return cos[cos.length >> 1]!;
  };
  it('WGAN-GP: the arrows point uphill on the critic score', () => {
    expect(uphill(ganModel({ samples, critic_field: field }))).toBeGreaterThan(0.8);
  });
  it('minimax GAN (arrows from critic_field): D is a probability and the arrows point uphill on it', () => {
    const m = ganModel({
      samples: fixture<GanSamplesSnapshot>('gan-ring-minimax.samples-wasm.json'),
      critic_field: fixture<CriticFieldSnapshot>('gan-ring-minimax.critic_field-wasm.json'),
    });
    expect(m.probability).toBe(true);
    expect(m.valueRange).toEqual([0, 1]);
    expect(m.arrows!.origins.length).toBe(64 * 2); // the critic_field's own arrows, not the 512 samples
    expect(uphill(m)).toBeGreaterThan(0.8);
  });
  it('loss series from metrics that include single-player steps (null for the player that did not move)', () => {
    const rows = fixture<Array<Record<string, unknown>>>('gan-ring-minimax.metrics-wasm.json');
    const s = ganLossSeries(rows);
    expect(s.step.length).toBe(rows.length);
    expect(s.d[s.d.length - 1]).toBeNull();
    expect(s.g[s.g.length - 1]).not.toBeNull();
    // each player's line holds only its own steps, no gaps
    const lines = ganLossLines(s);
    expect(lines.d.loss.every(Number.isFinite) && lines.g.loss.every(Number.isFinite)).toBe(true);
    expect(lines.d.step.length).toBe(s.d.filter((v) => v !== null).length);
    expect(lines.g.step.length).toBe(s.g.filter((v) => v !== null).length);
  });
  it('steps by hand, one player at a time, make two lines without gaps', () => {
    const s = { step: [1, 1, 1, 1], d: [0.7, null, 0.6, null], g: [null, -0.1, null, -0.2] };
    expect(ganLossLines(s)).toEqual({ d: { step: [1, 1], loss: [0.7, 0.6] }, g: { step: [1, 1], loss: [-0.1, -0.2] } });
  });
  it('loss series of both players from metrics rows', () => {
    const rows = fixture<Array<Record<string, unknown>>>('gan-ring-wgan-gp.metrics.json');
    const s = ganLossSeries(rows);
    expect(s.step.length).toBe(rows.length);
    expect(s.step[0]).toBe(rows[0]!['step']);
    expect(s.d.every((v) => v === null || Number.isFinite(v))).toBe(true);
    expect(s.g.some((v) => v !== null)).toBe(true);
  });
});

describe('graphLayout', () => {
  const g = fixture<GraphSnapshot>('tiny-chain-rule.graph.json');
  for (const hideReshapes of [true, false]) {
    it(`no two nodes overlap, and every edge goes left to right (hideReshapes ${hideReshapes})`, () => {
      const L = graphLayout(g, { hideReshapes });
      for (let a = 0; a < L.nodes.length; a++)
        for (let b = a + 1; b < L.nodes.length; b++) {
          const A = L.nodes[a]!;
          const B = L.nodes[b]!;
          const apart = Math.abs(A.x - B.x) >= L.nodeWidth || Math.abs(A.y - B.y) >= L.nodeHeight;
          expect(apart, `nodes ${A.id} and ${B.id} overlap`).toBe(true);
        }
      const byId = new Map(L.nodes.map((n) => [n.id, n]));
      for (const e of L.edges) expect(byId.get(e.from)!.x).toBeLessThan(byId.get(e.to)!.x);
      for (const n of L.nodes) {
        expect(n.x + L.nodeWidth / 2).toBeLessThanOrEqual(L.width);
        expect(n.y + L.nodeHeight / 2).toBeLessThanOrEqual(L.height);
      }
    });
  }
  it('folding reshapes keeps every parameter, the loss at the far right, and the chain rule', () => {
    const L = graphLayout(g);
    expect(L.nodes.some((n) => n.op === 'reshape' && n.kind === 'op')).toBe(false);
    const params = L.nodes.filter((n) => n.kind === 'parameter').map((n) => n.label);
    expect(params.sort()).toEqual(['layers.0.bias', 'layers.0.weight', 'layers.2.bias', 'layers.2.weight']);
    const root = L.nodes.find((n) => n.id === g.root)!;
    expect(root.kind).toBe('loss');
    expect(Math.max(...L.nodes.map((n) => n.column))).toBe(root.column);
    // dL/d(input) = sum over its uses of dL/d(user) * local, wherever the local is known
    const byId = new Map(L.nodes.map((n) => [n.id, n]));
    let checked = 0;
    for (const n of L.nodes) {
      const out = L.edges.filter((e) => e.from === n.id);
      if (n.grad?.length !== 1 || out.length === 0 || out.some((e) => e.local === null || byId.get(e.to)!.grad?.length !== 1)) continue;
      const sum = out.reduce((s, e) => s + byId.get(e.to)!.grad![0]! * e.local!, 0);
      expect(n.grad[0]).toBeCloseTo(sum, 5);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(4);
  });
});

describe('gradcheckModel', () => {
  it('reads the gradcheck snapshot ({entries}) and checkGradients() ({parameters})', () => {
    const snap = gradcheckModel(fixture<Record<string, unknown>>('xor.gradcheck.json'));
    expect(snap.rows.map((r) => r.name)).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.2.weight', 'layers.2.bias']);
    expect(snap.rows[0]!.shape).toBe('8×2');
    expect(snap.ok).toBe(true);
    const api = gradcheckModel({
      ok: false,
      tolerance: 0.01,
      eps: 0.001,
      parameters: [{ name: 'w', shape: [], max_rel_error: 0.5, max_abs_error: 0.1, max_abs_grad: 1, ok: false }],
    });
    expect(api.ok).toBe(false);
    expect(api.rows[0]).toEqual({ name: 'w', shape: 'scalar', max_rel_error: 0.5, max_abs_error: 0.1, ok: false });
  });
});

describe('predictionsModel', () => {
  it('a sequence labelling task: rows input/target/predicted, the wrong step marked', () => {
    const ex = predictionsModel(fixture<PredictionsSnapshot>('parity.predictions.handmade.json'));
    expect(ex.length).toBe(2);
    expect(ex[0]!.rows.map((r) => r.label)).toEqual(['input', 'target', 'predicted']);
    expect(ex[0]!.rows[2]!.wrong).toEqual([false, false, false, false, true, false]);
    expect(ex[0]!.mismatches).toBe(1);
    expect(ex[1]!.mismatches).toBe(0);
    expect(ex[0]!.rows[0]!.cells).toEqual(['1', '0', '1', '1', '0', '0']);
  });
  it('seq2seq tokens: strings kept verbatim (also ones that look like HTML)', () => {
    const ex = predictionsModel(fixture<PredictionsSnapshot>('seq2seq.predictions.handmade.json'));
    expect(ex[0]!.rows[0]!.cells[1]).toBe('<img src=x onerror=alert(1)>');
    expect(ex[0]!.rows[2]!.wrong).toEqual([false, true, false]);
  });
  it('a predicted sequence shorter than the target counts the missing steps as wrong', () => {
    const ex = predictionsModel({
      kind: 'tokens',
      examples: [{ index: 0, input: [1], target: [1, 2, 3], prediction: [1], target_tokens: ['a', 'b', 'c'], prediction_tokens: ['a'] }],
    });
    expect(ex[0]!.mismatches).toBe(2);
  });
  it('real parity predictions (LSTM, wasm): bits as inputs, per-step labels, accuracy from the engine', () => {
    const snap = fixture<PredictionsSnapshot>('parity-lstm.predictions.json');
    const ex = predictionsModel(snap);
    expect(ex.length).toBe(8);
    for (const [i, e] of ex.entries()) {
      expect(e.rows[0]!.cells.length).toBe(10);
      expect(e.rows[0]!.cells.every((c) => c === '0' || c === '1')).toBe(true);
      const wrong = e.rows[2]!.wrong!.filter(Boolean).length;
      expect(1 - wrong / 10).toBeCloseTo(snap.examples[i]!.accuracy!, 6);
    }
  });
  it('a character model: tokens shown, one mark per wrong character', () => {
    const snap = fixture<PredictionsSnapshot>('char-lm-gru.predictions.json');
    const ex = predictionsModel(snap);
    const e = ex[0]!;
    expect(e.rows[1]!.cells).toEqual(snap.examples[0]!.target_tokens);
    expect(e.accuracy).toBeCloseTo(snap.examples[0]!.accuracy!, 6);
    expect(e.mismatches).toBe(Math.round(16 * (1 - snap.examples[0]!.accuracy!)));
  });
  it('one-hot inputs read as their index', () => {
    expect(cellText([0, 0, 1, 0])).toBe('2');
    expect(cellText([0.5, 1])).toBe('0.5,1');
  });
});

describe('selfAttentionModel', () => {
  // Fake data in the engine's shape: one layer, two heads, T = 3, the second head causal-like.
  const map = (rows: number[][]) => ({
    batch_element: 0,
    Tq: rows.length,
    Tk: rows[0]!.length,
    weights: { shape: [rows.length, rows[0]!.length], data: rows.flat() },
    source_tokens: ['A', 'a', 'B'],
    target_tokens: ['A', 'a', 'B'],
  });
  const snapshot: SelfAttentionSnapshot = {
    split: 'test',
    index: 0,
    tokens: ['A', 'a', 'B'],
    layers: [
      {
        name: 'layers.2.self_attn',
        causal: false,
        num_heads: 2,
        heads: [map([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.6, 0.2, 0.2]]), map([[1, 0, 0], [0.5, 0.5, 0], [0.25, 0.25, 0.5]])],
      },
    ],
  };
  const m = selfAttentionModel(snapshot);
  it('has every head as [T x T] with the tokens on both axes', () => {
    expect(m.tokens).toEqual(['A', 'a', 'B']);
    expect(m.layers).toHaveLength(1);
    expect(m.layers[0]!.heads).toHaveLength(2);
    for (const h of m.layers[0]!.heads) {
      expect(h.weights.map((r) => r.length)).toEqual([3, 3, 3]);
      expect(h.source_tokens).toEqual(['A', 'a', 'B']);
      expect(h.target_tokens).toEqual(['A', 'a', 'B']);
      for (const s of h.row_sums) expect(s).toBeCloseTo(1, 12);
    }
  });
  it('finds the most-attended key of each row per head', () => {
    expect(m.layers[0]!.heads[0]!.argmax).toEqual([2, 2, 0]);
    expect(m.layers[0]!.heads[1]!.argmax).toEqual([0, 0, 2]);
  });
  it('labels positions when the snapshot has no tokens', () => {
    const n = selfAttentionModel({ ...snapshot, tokens: [] });
    expect(n.tokens).toEqual(['0', '1', '2']);
    expect(n.layers[0]!.heads[0]!.source_tokens).toEqual(['0', '1', '2']);
  });
});
