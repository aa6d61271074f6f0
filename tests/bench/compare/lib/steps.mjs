// Training steps of several implementations, interleaved per model (lib/common.mjs).
import { interleaved } from './common.mjs';

export const STEP_PLAN = {
  // One step per batch, after at least 2 steps and 2 s of warm-up each (steady state:
  // gradlab's wasm step needs ~10 steps before V8's optimised code runs all of it).
  lstm: { reps: 7, targetMs: 1, warmup: 2, warmupMs: 2000 },
  gru: { reps: 7, targetMs: 1, warmup: 2, warmupMs: 2000 },
  mlp: { reps: 9, targetMs: 100, warmup: 20 },
  gan: { reps: 9, targetMs: 100, warmup: 5 },
};

// makers: {implName: (model) => {fn, lastLoss, dispose} or null (not for this model)}. Returns {impl: {model: {ms, best, reps, calls, last_loss}}}.
export async function benchSteps(makers, { models = ['lstm', 'gru', 'mlp', 'gan'], plan = STEP_PLAN, log = () => {} } = {}) {
  const out = Object.fromEntries(Object.keys(makers).map((k) => [k, {}]));
  for (const model of models) {
    log(`steps: ${model} (${Object.keys(makers).join(', ')})`);
    const steps = Object.fromEntries(Object.entries(makers).map(([k, make]) => [k, make(model)]).filter(([, v]) => v));
    try {
      const t = await interleaved(Object.fromEntries(Object.entries(steps).map(([k, s]) => [k, s.fn])), plan[model]);
      for (const [k, s] of Object.entries(steps)) out[k][model] = { ...t[k], last_loss: s.lastLoss() };
    } finally {
      for (const s of Object.values(steps)) s.dispose();
    }
  }
  return out;
}
