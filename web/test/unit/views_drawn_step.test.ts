// The step a view card reports it was updated to (`data-drawn-step`, src/ui/views.ts): the
// oldest of the snapshots it drew from, so a view fed by several snapshots (the GAN view's
// samples, critic field and coverage arrive one by one) is not reported as newer than its
// oldest input.
import { describe, expect, it } from 'vitest';
import { drawnStep } from '../../src/ui/views';

describe('drawnStep', () => {
  it('is the step of a single snapshot', () => {
    expect(drawnStep(['attention'], new Map([['attention', 20]]))).toBe(20);
  });
  it('is the oldest step among several snapshots', () => {
    const steps = new Map([
      ['samples', 50],
      ['critic_field', 49],
      ['coverage', 50],
    ]);
    expect(drawnStep(['samples', 'critic_field', 'coverage'], steps)).toBe(49);
  });
  it('counts a snapshot without a recorded step as step 0', () => {
    expect(drawnStep(['samples', 'coverage'], new Map([['samples', 7]]))).toBe(0);
    expect(drawnStep([], new Map())).toBe(0);
  });
});
