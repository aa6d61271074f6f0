// Data shaping for the diffusion view (pure, no DOM): the `elbo` snapshot's terms as bars
// over t with L_0 apart (a log density, often negative) and the parts of the bound, and the
// `diffusion_samples` snapshot's points (core/session/diffusion_runner.cpp).
import type { CoverageSnapshot, TensorJson } from './models';

/** `elbo` snapshot: terms [T + 1] = L_0, L_1 ... L_{T-1}, L_T, nats per point. */
export interface ElboSnapshot {
  T: number;
  n: number;
  terms: number[];
  names?: string[];
  bound: number;
  L_0: number;
  L_T: number;
  units?: string;
  split?: string;
}

/** `diffusion_samples` snapshot. */
export interface DiffusionSamplesSnapshot {
  real: TensorJson; // [N, 2]
  generated: TensorJson; // [M, 2]
  modes?: TensorJson | null; // [K, 2]
  coverage?: CoverageSnapshot | null;
}

export interface DiffusionInput {
  elbo?: ElboSnapshot;
  diffusion_samples?: DiffusionSamplesSnapshot;
}

export interface DiffusionModelData {
  /** bars: t = 1 .. T with heights L_1 ... L_{T-1}, L_T (edges t - 0.5 .. t + 0.5) */
  bars: { edges: number[]; heights: number[] } | null;
  l0: number | null;
  lT: number | null;
  /** L_1 + ... + L_{T-1}: the learned KL terms */
  klSum: number | null;
  bound: number | null;
  /** the terms' sum minus the bound: 0 up to rounding */
  sumGap: number | null;
  real: number[];
  generated: number[];
  modes: number[] | null;
  coverage: CoverageSnapshot | null;
}

export function diffusionModel(d: DiffusionInput): DiffusionModelData {
  const e = d.elbo;
  const terms = e && Array.isArray(e.terms) && e.terms.length >= 2 ? e.terms : null;
  let bars: DiffusionModelData['bars'] = null;
  let klSum: number | null = null;
  let sumGap: number | null = null;
  if (terms) {
    const T = terms.length - 1;
    bars = { edges: Array.from({ length: T + 1 }, (_, i) => i + 0.5), heights: terms.slice(1) };
    klSum = terms.slice(1, T).reduce((a, b) => a + b, 0);
    sumGap = terms.reduce((a, b) => a + b, 0) - (e?.bound ?? NaN);
  }
  const s = d.diffusion_samples;
  return {
    bars,
    l0: terms ? terms[0]! : null,
    lT: terms ? terms[terms.length - 1]! : null,
    klSum,
    bound: e ? e.bound : null,
    sumGap,
    real: s?.real.data ?? [],
    generated: s?.generated.data ?? [],
    modes: s?.modes ? s.modes.data : null,
    coverage: s?.coverage ?? null,
  };
}
