// The diffusion view's data shaping on fake snapshots shaped as core/session/diffusion_runner.cpp
// writes them: bars for L_1 .. L_T with L_0 apart, the learned terms' sum, the terms' sum
// against the bound, and the points.
import { describe, expect, it } from 'vitest';
import { diffusionModel, type DiffusionSamplesSnapshot, type ElboSnapshot } from '../../src/ui/inside/diffusion-model';

const elbo: ElboSnapshot = {
  T: 4,
  n: 10,
  terms: [-2.5, 0.75, 0.5, 0.25, 0.001],
  bound: -2.5 + 0.75 + 0.5 + 0.25 + 0.001,
  L_0: -2.5,
  L_T: 0.001,
};

const samples: DiffusionSamplesSnapshot = {
  real: { shape: [2, 2], data: [2, 0, 0, 2] },
  generated: { shape: [3, 2], data: [1.9, 0.1, 0.1, 1.9, -2, 0] },
  modes: { shape: [2, 2], data: [2, 0, 0, 2] },
  coverage: { modes_covered: 2, num_modes: 2, high_quality_fraction: 0.67, threshold: 1, counts: [1, 1] },
};

describe('diffusionModel', () => {
  it('draws L_1 .. L_T as bars over t and keeps L_0 apart', () => {
    const m = diffusionModel({ elbo });
    expect(m.bars?.edges).toEqual([0.5, 1.5, 2.5, 3.5, 4.5]);
    expect(m.bars?.heights).toEqual([0.75, 0.5, 0.25, 0.001]);
    expect(m.l0).toBe(-2.5);
    expect(m.lT).toBe(0.001);
    expect(m.klSum).toBeCloseTo(1.5, 12);
    expect(m.bound).toBeCloseTo(-0.999, 12);
    expect(Math.abs(m.sumGap!)).toBeLessThan(1e-12);
  });

  it('reports a bound that is not the sum of its terms', () => {
    const m = diffusionModel({ elbo: { ...elbo, bound: 0 } });
    expect(m.sumGap).toBeCloseTo(-0.999, 12);
  });

  it('passes the points, modes and coverage through, and is empty without snapshots', () => {
    const m = diffusionModel({ elbo, diffusion_samples: samples });
    expect(m.real).toEqual([2, 0, 0, 2]);
    expect(m.generated).toHaveLength(6);
    expect(m.modes).toEqual([2, 0, 0, 2]);
    expect(m.coverage?.modes_covered).toBe(2);
    const empty = diffusionModel({});
    expect(empty.bars).toBeNull();
    expect(empty.bound).toBeNull();
    expect(empty.real).toEqual([]);
    expect(empty.coverage).toBeNull();
  });
});
