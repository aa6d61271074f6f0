// The data half of the layer-gradients view (src/ui/inside/layer-gradients-model.ts) on real
// `layers` snapshots (test/fixtures, see its README) and on hand-made ones with the values a
// log axis cannot show; plus the params snapshot's real gradients in the histograms' history.
import { describe, expect, it } from 'vitest';
import { hasWeights, layerGradientModel, logDomain, skippedText, valueAt, type LayerEntryJson, type LayersSnapshot } from '../../src/ui/inside/layer-gradients-model';
import { emptyNormHistory, pushNorms, type ParameterStatsJson } from '../../src/ui/inside/models';

const FIXTURES = import.meta.glob<string>('../fixtures/*.json', { query: '?raw', import: 'default', eager: true });
const fixture = <T>(name: string): T => {
  const text = FIXTURES[`../fixtures/${name}`];
  if (text === undefined) throw new Error(`no fixture ${name}`);
  return JSON.parse(text) as T;
};

const layer = (index: number, type: string, w: number | null, a: number | null, parameters?: string[]): LayerEntryJson => ({
  index,
  type,
  parameters: parameters ?? (w === null ? [] : [`layers.${index}.weight`, `layers.${index}.bias`]),
  weight_grad_norm: w,
  bias_grad_norm: w === null ? null : 0.1,
  weight_norm: w === null ? null : 1,
  output_grad_norm: a,
});

describe('layerGradientModel on the deep sigmoid MLP (deep-gradients lesson, step 0)', () => {
  const s = fixture<LayersSnapshot>('deep-gradients.layers.json');
  const m = layerGradientModel(s);
  const [weight, output] = m.series;

  it('labels every layer with its index and type, input layer first', () => {
    expect(m.labels).toHaveLength(19);
    expect(m.labels[0]).toBe('0 linear');
    expect(m.labels[1]).toBe('1 sigmoid');
    expect(m.labels[18]).toBe('18 linear');
  });
  it('has a ‖dL/da‖ point per layer and a ‖dL/dW‖ point per linear layer, with the engine’s numbers', () => {
    expect(output.points.map(([p]) => p)).toEqual([...Array(19).keys()]);
    expect(weight.points.map(([p]) => p)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    for (const [p, v] of weight.points) expect(v).toBe(s.layers[p]!.weight_grad_norm);
    for (const [p, v] of output.points) expect(v).toBe(s.layers[p]!.output_grad_norm);
    expect(m.noWeights).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17]);
    expect(m.skipped).toEqual([]);
    expect(valueAt(weight, 1)).toBeNull();
  });
  it('the gradient vanishes towards the input: last / first ‖dL/dW‖ > 1e6', () => {
    const r = m.ratio.weight_grad!;
    expect(r.first).toBe(0);
    expect(r.last).toBe(18);
    expect(r.ratio).toBeCloseTo(s.layers[18]!.weight_grad_norm! / s.layers[0]!.weight_grad_norm!, 6);
    expect(r.ratio).toBeGreaterThan(1e6);
  });
  it('the log axis spans every value in whole decades', () => {
    const all = [...weight.points, ...output.points].map(([, v]) => v);
    expect(m.domain[0]).toBeLessThanOrEqual(Math.min(...all));
    expect(m.domain[1]).toBeGreaterThanOrEqual(Math.max(...all));
    for (const d of m.domain) expect(Math.log10(d)).toBeCloseTo(Math.round(Math.log10(d)), 9);
    expect(m.loss).toBe(s.loss);
    expect(m.batchSize).toBe(64);
  });
});

describe('layerGradientModel on xor (2-8-2 tanh)', () => {
  it('three layers, the tanh without weights', () => {
    const s = fixture<LayersSnapshot>('xor.layers.json');
    const m = layerGradientModel(s);
    expect(m.labels).toEqual(['0 linear', '1 tanh', '2 linear']);
    expect(m.series[0].points.map(([p]) => p)).toEqual([0, 2]);
    expect(m.series[1].points).toHaveLength(3);
  });
});

describe('values a log axis cannot show', () => {
  const s: LayersSnapshot = {
    loss: 0.5,
    batch_size: 4,
    layers: [
      layer(0, 'linear', 0, 2e-3), // a dead first layer: ‖dL/dW‖ exactly 0
      layer(1, 'relu', null, 0), // nothing flows back through it
      layer(2, 'linear', 3e-2, null), // missing (not finite)
      layer(3, 'linear', 0.4, 0.05),
    ],
  };
  const m = layerGradientModel(s);

  it('are skipped, not drawn, and listed with the reason', () => {
    expect(m.series[0].points).toEqual([
      [2, 3e-2],
      [3, 0.4],
    ]);
    expect(m.series[1].points).toEqual([
      [0, 2e-3],
      [3, 0.05],
    ]);
    expect(m.skipped).toEqual([
      { key: 'weight_grad', position: 0, label: '0 linear', value: 0, reason: 'zero' },
      { key: 'output_grad', position: 1, label: '1 relu', value: 0, reason: 'zero' },
      { key: 'output_grad', position: 2, label: '2 linear', value: null, reason: 'missing' },
    ]);
    expect(m.noWeights).toEqual([1]);
  });
  it('leave the axis to the positive values', () => {
    expect(m.domain).toEqual([1e-3, 1]);
    expect(m.domain.every((d) => d > 0)).toBe(true);
  });
  it('ratios use the first and last drawn points', () => {
    expect(m.ratio.weight_grad).toEqual({ first: 2, last: 3, ratio: 0.4 / 3e-2 });
    expect(m.ratio.output_grad!.ratio).toBeCloseTo(25, 12);
  });
  it('are named in a sentence', () => {
    const text = skippedText(m.skipped);
    expect(text).toContain('‖∂L/∂W‖ is exactly 0 at layer 0 linear');
    expect(text).toContain('‖∂L/∂a‖ is exactly 0 at layer 1 relu');
    expect(text).toContain('missing');
    expect(text).toContain('layer 2 linear');
    expect(skippedText([])).toBe('');
  });
  it('all zero: nothing drawn, a default axis, no ratio', () => {
    const z = layerGradientModel({ layers: [layer(0, 'linear', 0, 0), layer(1, 'linear', 0, 0)] });
    expect(z.series.every((x) => x.points.length === 0)).toBe(true);
    expect(z.domain).toEqual([0.1, 10]);
    expect(z.ratio).toEqual({ weight_grad: null, output_grad: null });
    expect(z.skipped).toHaveLength(4);
  });
  it('an empty or malformed snapshot gives an empty model', () => {
    expect(layerGradientModel({ layers: [] }).labels).toEqual([]);
    expect(layerGradientModel({} as LayersSnapshot).labels).toEqual([]);
  });
});

describe('logDomain', () => {
  it('rounds out to whole decades', () => {
    expect(logDomain([5e-3, 2])).toEqual([1e-3, 10]);
    expect(logDomain([6.2e-10, 0.31])).toEqual([1e-10, 1]);
  });
  it('widens a single decade', () => {
    expect(logDomain([1])).toEqual([0.1, 10]);
    expect(logDomain([1e-3, 1e-3])).toEqual([1e-4, 1e-2]);
  });
  it('ignores zeros, negatives, non-finite values and nulls', () => {
    expect(logDomain([0, -1, NaN, Infinity, null, undefined])).toEqual([0.1, 10]);
    expect(logDomain([0, 0.02, null])).toEqual([1e-2, 0.1]);
  });
});

describe('hasWeights', () => {
  it('reads the parameter names: biases alone are not weights', () => {
    expect(hasWeights(layer(0, 'linear', 1, 1))).toBe(true);
    expect(hasWeights(layer(0, 'relu', null, 1))).toBe(false);
    expect(hasWeights(layer(0, 'batchnorm', 1, 1, ['layers.0.weight', 'layers.0.bias']))).toBe(true);
    expect(hasWeights(layer(0, 'shift', null, 1, ['layers.0.bias']))).toBe(false);
    expect(hasWeights(layer(0, 'lstm', 1, 1, ['layers.0.weight_ih_l0', 'layers.0.bias_ih_l0']))).toBe(true);
  });
  it('without names, a weight norm means weights', () => {
    const l: LayerEntryJson = { index: 0, type: 'linear', weight_grad_norm: 0.1, bias_grad_norm: null, weight_norm: 1, output_grad_norm: 1 };
    expect(hasWeights(l)).toBe(true);
    expect(hasWeights({ ...l, weight_grad_norm: null, weight_norm: null })).toBe(false);
  });
});

describe('params snapshot with real gradients (histograms view)', () => {
  it('every parameter has a gradient with a histogram, and the history records its norm', () => {
    const params = fixture<ParameterStatsJson[]>('xor.params.grad.json');
    for (const p of params) {
      expect(p.has_grad).toBe(true);
      expect(p.grad.norm).toBeGreaterThan(0);
      const size = p.shape.reduce((a, b) => a * b, 1);
      expect(p.grad.histogram.counts.reduce((a, b) => a + b, 0) + p.grad.histogram.below + p.grad.histogram.above).toBe(size);
      expect(typeof p.small_fraction).toBe('number');
    }
    const h = pushNorms(emptyNormHistory(), 0, params);
    expect(h.grad.map((g) => g[0])).toEqual(params.map((p) => p.grad.norm));
  });
});
