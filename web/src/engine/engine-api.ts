// The JS API of the wasm module (bindings/wasm/README.md) as TypeScript types, with the
// additions the engine is growing marked optional: the worker feature-checks them.
import type { DatasetInfo, Metrics, ParamsInfo, Snapshot, Validation } from './types';
import type { ExpectationResult } from './protocol';

export interface EngineSession {
  step(): Metrics;
  train(n: number): Metrics[];
  evaluate(split?: 'train' | 'test'): Metrics;
  stepsDone(): number;
  plannedSteps(): number;
  params(): ParamsInfo;
  parameters(): Record<string, Float32Array>;
  checkGradients(options?: { tolerance?: number; eps?: number }): unknown;
  snapshotNames(): string[];
  snapshot(name: string): Snapshot;
  clampGate(gate: string, value: number, layer?: number, direction?: number): void;
  clearClamps(): void;
  checkpoint(): string;
  loadCheckpoint(text: string): void;
  reset(): void;
  specText(): string;
  delete(): void;
  // Growing API (feature-checked):
  update?(specText: string): unknown;
  sample?(options: { prompt: string; length: number; temperature: number; seed: number }): { text: string; tokens: unknown };
  data?(split: string, maxRows: number): { task: string; inputs: unknown; targets: unknown };
  stepPlayer?(player: 'discriminator' | 'generator'): Metrics | Metrics[];
  measureStep?(
    lesson: string,
    stepIndex: number,
    context: { recorded: Record<string, number>; last_step: Metrics | null; diverged_at: number },
    variants: Array<{ label: string; session: EngineSession; last_step: Metrics | null; diverged_at: number }>,
  ): { recorded: Record<string, number>; expectations: ExpectationResult[] };
}

export interface EngineModule {
  flavour(): string;
  Session: new (spec: string) => EngineSession;
  validate?(specText: string): Validation;
  datasets?(): DatasetInfo[];
  checkLessonFile?(lesson: string): { steps: number };
  /** emscripten's runtime: sets the wasm stack pointer (used only by the test-only testTrap) */
  stackRestore?(pointer: number): void;
}

export type CreateGradlab = (overrides?: Record<string, unknown>) => Promise<EngineModule>;

/** A tiny module using a v128 instruction: WebAssembly.validate says if SIMD runs here. */
export const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

export function simdSupported(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/**
 * A tiny module using f32x4.relaxed_madd (relaxed SIMD's final encoding): WebAssembly.validate
 * says if the relaxed flavour runs here (Chrome 114+; node 22+, node 20 with
 * --experimental-wasm-relaxed-simd).
 */
export const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0, 65, 0, 253, 15, 65, 0, 253, 15, 65, 0,
  253, 15, 253, 133, 2, 11,
]);

export function relaxedSimdSupported(): boolean {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

/** The engine builds: relaxed (simd with fused multiply-adds in the GEMM), simd, scalar. */
export type Flavour = 'relaxed' | 'simd' | 'scalar';

/** The best flavour this engine can run: relaxed, else simd, else scalar. */
export function bestFlavour(): Flavour {
  if (!simdSupported()) return 'scalar';
  return relaxedSimdSupported() ? 'relaxed' : 'simd';
}

/** The module file of a flavour under the engine's base URL (ends with '/'). */
export function engineUrl(engineBase: string, flavour: Flavour): string {
  return new URL(`gradlab-${flavour}.mjs`, engineBase).href;
}
