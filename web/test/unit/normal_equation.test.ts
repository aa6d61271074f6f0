// The normal-equation view's data (src/ui/inside/normal-equation.ts) from the engine's
// `normal_equation` snapshot (test/fixtures/hyperplane.normal_equation.json, made by
// `gradlab inspect`): weights side by side, the cost counted and measured, number formats.
import { describe, expect, it } from 'vitest';
import { formatCount, formatSeconds, normalEquationModel, SHOWN_WEIGHTS } from '../../src/ui/inside/normal-equation';

const FIXTURES = import.meta.glob<string>('../fixtures/*.json', { query: '?raw', import: 'default', eager: true });
const snapshot = JSON.parse(FIXTURES['../fixtures/hyperplane.normal_equation.json']!) as Record<string, unknown>;

describe('normalEquationModel', () => {
  it('lists the first weights and the bias of both fits, and says how many are hidden', () => {
    const m = normalEquationModel(snapshot);
    expect(m.applies).toBe(true);
    expect(m.reason).toBeNull();
    expect(m.rows.length).toBe(SHOWN_WEIGHTS + 1);
    expect(m.rows[0]!.name).toBe('w1');
    expect(m.rows[SHOWN_WEIGHTS]!.name).toBe('b');
    expect(m.hidden).toBe(64 - SHOWN_WEIGHTS);
    const closed = (snapshot.closed_form as { weight: { data: number[] } }).weight.data;
    const descent = (snapshot.gradient_descent as { weight: { data: number[] } }).weight.data;
    expect(m.rows[3]!.closed).toBe(closed[3]);
    expect(m.rows[3]!.difference).toBeCloseTo(descent[3]! - closed[3]!, 12);
  });
  it('reads the counted and measured cost', () => {
    const m = normalEquationModel(snapshot);
    expect(m.cost?.samples).toBe(800);
    expect(m.cost?.features).toBe(64);
    // 2 N C^2 + 2 N C + C^3/3 + 2 C^2 with N = 800, C = 65
    expect(m.cost?.flops.closed).toBeCloseTo(2 * 800 * 65 * 65 + 2 * 800 * 65 + 65 ** 3 / 3 + 2 * 65 * 65, 6);
    expect(m.cost?.flops.step).toBe(4 * 800 * 64 + 2 * 800 + 2 * 65);
    expect(m.cost?.seconds.closed).toBeGreaterThan(0);
    expect(m.cost?.formulas.closed).toContain('Cholesky');
  });
  it('says why the closed form does not apply, and copes with an older snapshot without cost', () => {
    const m = normalEquationModel({ applies: false, reason: 'training adds an L1 penalty', closed_form: { weight: { data: [1, 2] }, bias: { data: [0] } }, gradient_descent: { weight: { data: [1.5, 2] } } });
    expect(m.applies).toBe(false);
    expect(m.reason).toContain('L1');
    expect(m.cost).toBeNull();
    expect(m.rows.map((r) => r.name)).toEqual(['w1', 'w2', 'b']);
    expect(m.rows[2]!.descent).toBeNull();
    expect(m.rows[2]!.difference).toBeNull();
  });
});

describe('formats', () => {
  it('counts and times in readable units', () => {
    expect(formatCount(6963991.67)).toBe('6.96 M');
    expect(formatCount(206530)).toBe('207 k');
    expect(formatCount(512)).toBe('512');
    expect(formatCount(1.2e10)).toBe('12 G');
    expect(formatSeconds(0.00042)).toBe('420 µs');
    expect(formatSeconds(0.0123)).toBe('12.3 ms');
    expect(formatSeconds(2.5)).toBe('2.5 s');
    expect(formatSeconds(null)).toBe('—');
  });
});
