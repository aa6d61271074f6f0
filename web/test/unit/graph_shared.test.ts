// The unrolled graph's shared weights (issue 9): each one's gradient written as the sum of its
// per-step contributions, as core/inspect/graph.cpp reports them (shared_leaves).
import { describe, expect, it } from 'vitest';
import { sharedLeafSums, type GraphSnapshot } from '../../src/ui/inside/models';

const t = (data: number[], shape = [data.length]) => ({ shape, data });

describe('sharedLeafSums', () => {
  it('a one-element weight: c_1 + ... + c_T = its gradient, in the words the view shows', () => {
    // unrolled-rnn's W_ih over four steps, as `gradlab inspect --what graph` gives it
    const g: GraphSnapshot = {
      nodes: [],
      edges: [],
      root: 0,
      shared_leaves: [
        {
          name: 'layers.0.weight_ih_l0',
          node: 1,
          grad: t([0.10165609419345856], [1, 1]),
          sum: t([0.10165609419345856], [1, 1]),
          max_abs_difference: 0,
          contributions: [0.047918856143951416, -0.12445245683193207, 0.12145807594060898, 0.05673161894083023].map((v, k) => ({
            step: k,
            edge: k * 16,
            to: 2 + k,
            grad: t([v], [1, 1]),
          })),
        },
      ],
    };
    const [s] = sharedLeafSums(g);
    expect(s!.scalar).toBe(true);
    expect(s!.steps).toEqual([0, 1, 2, 3]);
    expect(s!.parts.reduce((a, b) => a + b, 0)).toBeCloseTo(s!.engine, 12);
    expect(s!.text).toBe('∂L/∂layers.0.weight_ih_l0 = 0.04792 (t=0) − 0.1245 (t=1) + 0.1215 (t=2) + 0.05673 (t=3) = 0.1017; the engine\'s gradient: 0.1017');
  });

  it('a larger weight: the norms of its per-step tensors and of their sum (norms do not add)', () => {
    const g: GraphSnapshot = {
      nodes: [],
      edges: [],
      root: 0,
      shared_leaves: [
        {
          name: 'w',
          node: 3,
          grad: t([3, 4]),
          sum: t([3, 4]),
          max_abs_difference: 0,
          contributions: [
            { step: 0, edge: 0, to: 1, grad: t([3, 0]) },
            { step: 1, edge: 1, to: 2, grad: t([0, 4]) },
          ],
        },
      ],
    };
    const [s] = sharedLeafSums(g);
    expect(s!.scalar).toBe(false);
    expect(s!.parts).toEqual([3, 4]);
    expect(s!.total).toBe(5);
    expect(s!.engine).toBe(5);
    expect(s!.text).toContain('of norms 3 (t=0), 4 (t=1); ‖sum‖ = 5');
    expect(sharedLeafSums({ nodes: [], edges: [], root: 0 })).toEqual([]);
  });
});
