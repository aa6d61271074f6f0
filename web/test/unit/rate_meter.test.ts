// The measured training rate under the step counter (ui/controls.ts RateMeter).
import { describe, expect, it } from 'vitest';
import { RateMeter, SPEED_NAMES } from '../../src/ui/controls';

describe('RateMeter', () => {
  it('is steps over wall time across the last window, 0 until it has one', () => {
    const m = new RateMeter(1000);
    m.add(0, 0);
    expect(m.rate()).toBe(0);
    m.add(100, 10);
    expect(m.rate()).toBe(0); // under 200 ms apart
    for (let t = 200; t <= 3000; t += 100) m.add(t, t / 10); // 10 steps per 100 ms
    expect(m.rate()).toBeCloseTo(100, 6);
    for (let t = 3100; t <= 5000; t += 100) m.add(t, 300 + (t - 3000) / 5); // now 20 per 100 ms
    expect(m.rate()).toBeCloseTo(200, 6);
  });
  it('starts over after a reset (the step count goes back)', () => {
    const m = new RateMeter(1000);
    m.add(0, 500);
    m.add(500, 600);
    m.add(600, 0);
    expect(m.rate()).toBe(0);
    m.add(1000, 40);
    expect(m.rate()).toBeCloseTo(100, 6);
  });
  it('the speed levels name their target rates', () => {
    expect(SPEED_NAMES).toEqual(['2 steps/s', '8 steps/s', '30 steps/s', '120 steps/s', 'no limit']);
  });
});
