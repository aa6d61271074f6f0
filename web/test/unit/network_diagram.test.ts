// The network diagram's data: the worker's `weights` snapshot (src/engine/weights.ts) and the
// diagram built from it (src/ui/inside/network-diagram-model.ts). The browser test
// (test/e2e/network-diagram.test.mjs) checks the drawn view against the engine.
import { describe, expect, it } from 'vitest';
import { paramHead, unitFieldLayer, unitFieldLayers, unitFieldSpec, weightsSnapshot, UNIT_FIELD_MAX_LAYERS, WEIGHTS_HEAD, type ParamHead } from '../../src/engine/weights';
import { buildDiagram, edgeRgb, edgeWidth, mlpStages, MAX_UNITS, SUMMARY_UNITS, type BlockStage, type MlpStage } from '../../src/ui/inside/network-diagram-model';

const seq = (n: number, f: (i: number) => number = (i) => i): number[] => Array.from({ length: n }, (_, i) => f(i));

function param(name: string, shape: number[], f: (i: number) => number = (i) => (i % 2 ? -1 : 1) * (i + 1) * 0.01): ParamHead {
  const n = shape.reduce((a, b) => a * b, 1);
  return paramHead({ name, shape, count: n }, seq(n, f));
}

describe('weights snapshot', () => {
  it('keeps a matrix’s first rows and columns, row-major, with max |w| and the norm of all of it', () => {
    const values = seq(3 * 20, (i) => i - 30); // [3, 20]: element (r, c) = 20 r + c - 30
    const h = paramHead({ name: 'layers.0.weight', shape: [3, 20], count: 60 }, values);
    expect([h.rows, h.cols]).toEqual([3, WEIGHTS_HEAD]);
    expect(h.head.length).toBe(3 * WEIGHTS_HEAD);
    expect(h.head[1 * WEIGHTS_HEAD + 5]).toBe(20 + 5 - 30);
    expect(h.max_abs).toBe(30); // element (0, 0) = -30
    expect(h.norm).toBeCloseTo(Math.sqrt(values.reduce((s, v) => s + v * v, 0)), 12);
  });

  it('a vector is one row; a conv weight [O, C, k, k] is [O, C·k·k]', () => {
    const b = paramHead({ name: 'b', shape: [30], count: 30 }, seq(30));
    expect([b.rows, b.cols, b.head]).toEqual([1, WEIGHTS_HEAD, seq(WEIGHTS_HEAD)]);
    const c = paramHead({ name: 'c', shape: [2, 3, 2, 2], count: 24 }, seq(24));
    expect([c.rows, c.cols]).toEqual([2, WEIGHTS_HEAD]);
    expect(c.head[WEIGHTS_HEAD]).toBe(12); // row 1 starts at element C·k·k = 12
  });

  it('carries the spec’s model and only the parameters that have values', () => {
    const s = weightsSnapshot('{"model": {"layers": []}, "seed": 1}', [{ name: 'a', shape: [2], count: 2 }, { name: 'gone', shape: [1], count: 1 }], { a: new Float32Array([1, -2]) });
    expect(s.model).toEqual({ layers: [] });
    expect(s.parameters.map((p) => [p.name, p.head])).toEqual([['a', [1, -2]]]);
  });
});

describe('diagram', () => {
  const xor = {
    model: { layers: [{ type: 'linear', in: 2, out: 8 }, { type: 'tanh' }, { type: 'linear', in: 8, out: 2 }] },
    parameters: [param('layers.0.weight', [8, 2]), param('layers.0.bias', [8]), param('layers.2.weight', [2, 8]), param('layers.2.bias', [2])],
  };

  it('an MLP: columns of units and one edge per weight, each the weight at its row and column', () => {
    const d = buildDiagram(xor);
    const [s] = mlpStages(d);
    expect(d.rows[0]!.stages.length).toBe(1);
    expect(s!.columns.map((c) => [c.label, c.size, c.units.length, c.more, c.activation])).toEqual([
      ['input', 2, 2, 0, null],
      ['hidden 1', 8, 8, 0, 'tanh'],
      ['output', 2, 2, 0, null],
    ]);
    expect(s!.edges.length).toBe(32);
    expect(s!.weightCount).toBe(32);
    const w0 = xor.parameters[0]!;
    for (const e of s!.edges.filter((e) => e.param === 'layers.0.weight')) expect(e.weight).toBe(w0.head[e.row * 2 + e.col]);
    expect(s!.columns[1]!.units.map((u) => u.bias)).toEqual(xor.parameters[1]!.head);
    expect(s!.columns[0]!.units.every((u) => u.bias === null)).toBe(true);
  });

  it(`a layer wider than ${MAX_UNITS} shows its first ${SUMMARY_UNITS} units and counts the rest`, () => {
    const d = buildDiagram({
      model: { layers: [{ type: 'rnn', input_size: 2, hidden_size: 32 }, { type: 'last_step' }, { type: 'linear', in: 32, out: 1 }] },
      parameters: [param('layers.0.weight_ih_l0', [32, 2]), param('layers.0.weight_hh_l0', [32, 32]), param('layers.2.weight', [1, 32]), param('layers.2.bias', [1])],
    });
    const stages = d.rows[0]!.stages;
    expect(stages.map((s) => (s.kind === 'mlp' ? 'mlp' : s.type))).toEqual(['rnn', 'last_step', 'mlp']);
    const rnn = stages[0] as BlockStage;
    expect(rnn.recurrent).toMatchObject({ cell: 'rnn', input: 2, hidden: 32, nonlinearity: 'tanh' });
    expect(rnn.params.map((p) => p.name)).toEqual(['layers.0.weight_ih_l0', 'layers.0.weight_hh_l0']);
    const mlp = stages[2] as MlpStage;
    expect(mlp.columns.map((c) => [c.size, c.units.length, c.more])).toEqual([[32, SUMMARY_UNITS, 32 - SUMMARY_UNITS], [1, 1, 0]]);
    expect(mlp.edges.length).toBe(SUMMARY_UNITS);
    expect(mlp.weightCount).toBe(32);
  });

  it('a GAN: the generator and the critic as MLPs of their Linear layers', () => {
    const ps = [
      param('generator.0.weight', [16, 4]), param('generator.0.bias', [16]), param('generator.2.weight', [2, 16]), param('generator.2.bias', [2]),
      param('discriminator.0.weight', [16, 2]), param('discriminator.0.bias', [16]), param('discriminator.2.weight', [1, 16]), param('discriminator.2.bias', [1]),
    ];
    const d = buildDiagram({ model: { kind: 'gan', generator_activation: 'tanh' }, parameters: ps });
    expect(d.rows.map((r) => r.title?.split(':')[0])).toEqual(['Generator', 'Critic']);
    const [g, c] = mlpStages(d);
    expect(g!.columns.map((x) => [x.label, x.size, x.activation])).toEqual([['noise z', 4, null], ['hidden 1', 16, 'tanh'], ['sample (x, y)', 2, null]]);
    expect(c!.columns.map((x) => [x.size, x.activation])).toEqual([[2, null], [16, 'relu'], [1, null]]);
    expect(g!.weightCount + c!.weightCount).toBe(16 * 4 + 2 * 16 + 16 * 2 + 16);
    expect(g!.edges.length).toBe(4 * 8 + 8 * 2);
  });

  it('seq2seq: encoder and decoder rows of blocks, attention before the decoder’s output', () => {
    const ps = [
      param('encoder.embedding.weight', [20, 4]), param('encoder.rnn.weight_ih_l0', [24, 4]), param('encoder.rnn.weight_hh_l0', [24, 8]),
      param('decoder.embedding.weight', [10, 4]), param('decoder.rnn.weight_ih_l0', [24, 4]), param('decoder.rnn.weight_hh_l0', [24, 8]),
      param('decoder.combine.weight', [8, 16]), param('decoder.out.weight', [10, 8]), param('decoder.out.bias', [10]), param('attention.proj.weight', [8, 8]),
    ];
    const d = buildDiagram({ model: { kind: 'seq2seq', cell: 'gru' }, parameters: ps });
    expect(d.rows.map((r) => r.stages.map((s) => (s.kind === 'mlp' ? 'mlp' : s.type)))).toEqual([['embedding', 'gru'], ['embedding', 'gru', 'attention', 'linear', 'linear']]);
    expect((d.rows[0]!.stages[1] as BlockStage).recurrent).toMatchObject({ cell: 'gru', input: 4, hidden: 8 });
    expect(d.rows.flatMap((r) => r.stages.flatMap((s) => (s.kind === 'block' ? s.params.map((p) => p.name) : []))).sort()).toEqual(ps.map((p) => p.name).sort());
  });

  it('diffusion: the layer list on [x_t, embed(t)], then out predicts the noise', () => {
    const d = buildDiagram({
      model: { kind: 'diffusion', time_embed_dim: 4, layers: [{ type: 'linear', in: 6, out: 16 }, { type: 'relu' }] },
      parameters: [param('layers.0.weight', [16, 6]), param('layers.0.bias', [16]), param('out.weight', [2, 16]), param('out.bias', [2])],
    });
    const [s] = mlpStages(d);
    expect(s!.columns.map((c) => [c.label, c.size, c.activation])).toEqual([['[x_t, embed(t)]', 6, null], ['hidden 1', 16, 'relu'], ['noise ε̂', 2, null]]);
    expect(s!.weightCount).toBe(6 * 16 + 16 * 2);
  });

  it('edge colour: blue for w < 0, red for w > 0 (never the white middle); width grows with |w|', () => {
    for (const w of [-2, -1e-9, 1e-9, 0.3, 2]) {
      const [r, , b] = edgeRgb(w, 2);
      expect(Math.sign(r - b), `w = ${w}`).toBe(Math.sign(w));
      expect(Math.abs(r - b), `w = ${w}: saturated`).toBeGreaterThan(60);
    }
    expect(edgeWidth(2, 2)).toBeGreaterThan(edgeWidth(0.5, 2));
    expect(edgeWidth(-2, 2)).toBe(edgeWidth(2, 2));
  });
});

describe('unit fields', () => {
  const spec = (layers: unknown[], extra: Record<string, unknown> = {}): string => JSON.stringify({ version: 1, data: { dataset: 'xor' }, model: { layers }, loss: { type: 'cross_entropy' }, inspection: { snapshots: ['field'] }, ...extra });
  const mlp = [{ type: 'linear', in: 2, out: 3 }, { type: 'tanh' }, { type: 'linear', in: 3, out: 2 }];

  it('one per Linear layer before any other kind of layer, at most UNIT_FIELD_MAX_LAYERS', () => {
    expect(unitFieldLayers(spec(mlp))).toEqual([0, 2]);
    expect(unitFieldLayers(spec([{ type: 'linear', in: 2, out: 3 }, { type: 'batch_norm1d', num_features: 3 }, { type: 'linear', in: 3, out: 2 }]))).toEqual([0]);
    expect(unitFieldLayers(spec([{ type: 'rnn', input_size: 2, hidden_size: 3 }]))).toEqual([]);
    const deep = Array.from({ length: 6 }, () => [{ type: 'linear', in: 2, out: 2 }, { type: 'relu' }]).flat();
    expect(unitFieldLayers(spec(deep))).toEqual([0, 2, 4].slice(0, UNIT_FIELD_MAX_LAYERS));
    expect(unitFieldLayers(JSON.stringify({ model: { kind: 'gan' } }))).toEqual([]);
    expect(unitFieldLayers('not json')).toEqual([]);
  });

  it('the cut model: layers up to the Linear layer and its activation, parameters pinned, same data, no inspection', () => {
    const params = [
      { name: 'layers.0.weight', shape: [3, 2], count: 6 },
      { name: 'layers.0.bias', shape: [3], count: 3 },
      { name: 'layers.2.weight', shape: [2, 3], count: 6 },
      { name: 'layers.2.bias', shape: [2], count: 2 },
    ];
    const values = Object.fromEntries(params.map((p, k) => [p.name, new Float32Array(p.count).map((_, i) => k + i / 8)]));
    const cut = JSON.parse(unitFieldSpec(spec(mlp), 0, values, params));
    expect(cut.model.layers).toEqual(mlp.slice(0, 2));
    expect(Object.keys(cut.model.parameters)).toEqual(['layers.0.weight', 'layers.0.bias']);
    expect(cut.model.parameters['layers.0.weight']).toEqual({ shape: [3, 2], data: Array.from(values['layers.0.weight']!) });
    expect(cut.data).toEqual({ dataset: 'xor' });
    expect(cut.inspection).toBeUndefined();
    expect(cut.loss).toEqual({ type: 'mse' });
    const whole = JSON.parse(unitFieldSpec(spec(mlp), 2, values, params));
    expect(whole.model.layers).toEqual(mlp);
    expect(Object.keys(whole.model.parameters)).toEqual(params.map((p) => p.name));
  });

  it('a field [ny, nx, C] becomes per-unit thumbnails of every stride-th point', () => {
    const [ny, nx, c] = [5, 4, 2];
    const data = Array.from({ length: ny * nx * c }, (_, i) => i); // unit u at (y, x) = (y*nx + x)*c + u
    const f = unitFieldLayer(2, { values: { shape: [ny, nx, c], data } }, 2);
    expect([f.layer, f.nx, f.ny, f.stride, f.grid_nx, f.grid_ny]).toEqual([2, 2, 3, 2, nx, ny]);
    expect(f.units.map((u) => u.index)).toEqual([0, 1]);
    const at = (y: number, x: number, u: number): number => (y * nx + x) * c + u;
    expect(f.units[1]!.values).toEqual([at(0, 0, 1), at(0, 2, 1), at(2, 0, 1), at(2, 2, 1), at(4, 0, 1), at(4, 2, 1)]);
    expect([f.units[1]!.min, f.units[1]!.max]).toEqual([at(0, 0, 1), at(4, 2, 1)]);
  });

  it('a field along a line (1-D inputs) gives no thumbnails', () => {
    expect(unitFieldLayer(0, { values: { shape: [50, 3], data: new Array(150).fill(0) } }).units).toEqual([]);
  });
});
