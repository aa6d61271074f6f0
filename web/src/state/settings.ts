// Every setting of the workspace as a declarative table (name, type, default, and for
// training settings the JSON pointer into the spec they edit), in the spirit of
// tensorflow/playground's state.ts. The URL hash (url.ts) serialises this table.
import { getPointer, setPointer } from './pointer';

export type SettingType = 'int' | 'number' | 'bool' | 'string' | 'enum';

export interface SettingDef {
  name: string;
  type: SettingType;
  /** null: take the value from the lesson's spec (or leave the spec's default) */
  default: number | boolean | string | null;
  label: string;
  values?: readonly string[];
  min?: number;
  max?: number;
  /** where in the spec the setting lives; absent for page-only settings */
  pointer?: string;
  /** which spec kinds show it: 'sequential' | 'seq2seq' | 'gan' | 'diffusion' (all if absent) */
  kinds?: readonly SpecKind[];
  /** the engine can change it in a running session (session.update), so no reset */
  live?: boolean;
  /** for an /optimizer field: the optimizer types that have it (all if absent) */
  optimizers?: readonly Optimizer[];
}

export type SpecKind = 'sequential' | 'seq2seq' | 'gan' | 'diffusion';
export type SettingValue = number | boolean | string;
export type Settings = Record<string, SettingValue | null>;

const OPTIMIZERS = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'] as const;
export type Optimizer = (typeof OPTIMIZERS)[number];

/**
 * The fields each optimizer type accepts (docs/spec.md, "optimizer"): the engine refuses any
 * other field, so a switch of type keeps only these of the old block.
 */
export const OPTIMIZER_FIELDS: Readonly<Record<Optimizer, readonly string[]>> = {
  sgd: ['type', 'lr', 'momentum', 'dampening', 'nesterov', 'weight_decay'],
  adam: ['type', 'lr', 'betas', 'eps', 'weight_decay'],
  adamw: ['type', 'lr', 'betas', 'eps', 'weight_decay'],
  rmsprop: ['type', 'lr', 'alpha', 'eps', 'momentum', 'centered', 'weight_decay'],
  adagrad: ['type', 'lr', 'lr_decay', 'initial_accumulator_value', 'eps', 'weight_decay'],
};
const NOT_GAN: readonly SpecKind[] = ['sequential', 'seq2seq', 'diffusion'];

export const SETTINGS: readonly SettingDef[] = [
  { name: 'lesson', type: 'string', default: 'xor', label: 'Lesson' },
  { name: 'seed', type: 'int', default: null, min: 0, max: 2 ** 31 - 1, label: 'Seed', pointer: '/seed' },
  { name: 'optimizer', type: 'enum', values: OPTIMIZERS, default: null, label: 'Optimizer', pointer: '/optimizer/type', kinds: NOT_GAN },
  { name: 'lr', type: 'number', default: null, min: 0, max: 1000, label: 'Learning rate', pointer: '/optimizer/lr', kinds: NOT_GAN, live: true },
  { name: 'momentum', type: 'number', default: null, min: 0, max: 1, label: 'Momentum', pointer: '/optimizer/momentum', kinds: NOT_GAN, live: true, optimizers: ['sgd', 'rmsprop'] },
  { name: 'weightDecay', type: 'number', default: null, min: 0, max: 10, label: 'Weight decay', pointer: '/optimizer/weight_decay', kinds: NOT_GAN, live: true },
  { name: 'gLr', type: 'number', default: null, min: 0, max: 1000, label: 'Generator learning rate', pointer: '/model/generator_optimizer/lr', kinds: ['gan'], live: true },
  { name: 'dLr', type: 'number', default: null, min: 0, max: 1000, label: 'Discriminator learning rate', pointer: '/model/discriminator_optimizer/lr', kinds: ['gan'], live: true },
  { name: 'batch', type: 'int', default: null, min: 1, max: 65536, label: 'Batch size', pointer: '/training/batch_size', live: true },
  { name: 'l1', type: 'number', default: null, min: 0, max: 10, label: 'L1', pointer: '/training/l1', kinds: ['sequential'], live: true },
  { name: 'l2', type: 'number', default: null, min: 0, max: 10, label: 'L2', pointer: '/training/l2', kinds: ['sequential'], live: true },
  { name: 'clip', type: 'number', default: null, min: 0, max: 1e6, label: 'Clip gradient norm', pointer: '/training/clip_grad_norm', kinds: NOT_GAN, live: true },
  { name: 'tbptt', type: 'int', default: null, min: 0, max: 10000, label: 'Truncated BPTT length', pointer: '/training/tbptt', kinds: ['sequential'], live: true },
  { name: 'speed', type: 'int', default: 4, min: 1, max: 5, label: 'Speed' },
  { name: 'temperature', type: 'number', default: 1, min: 0.05, max: 5, label: 'Temperature' },
  { name: 'theme', type: 'enum', values: ['auto', 'light', 'dark'], default: 'auto', label: 'Theme' },
];

export function settingDef(name: string): SettingDef | undefined {
  return SETTINGS.find((d) => d.name === name);
}

export function defaultSettings(): Settings {
  const s: Settings = {};
  for (const d of SETTINGS) s[d.name] = d.default;
  return s;
}

/** The value text as the setting's type, or an error in plain words. */
export function parseSetting(def: SettingDef, text: string): { value: SettingValue } | { error: string } {
  switch (def.type) {
    case 'int':
    case 'number': {
      const v = Number(text);
      if (text.trim() === '' || !Number.isFinite(v)) return { error: `${def.label} must be a number, found "${text}"` };
      if (def.type === 'int' && !Number.isInteger(v)) return { error: `${def.label} must be a whole number, found "${text}"` };
      if (def.min !== undefined && v < def.min) return { error: `${def.label} must be at least ${def.min}, found ${v}` };
      if (def.max !== undefined && v > def.max) return { error: `${def.label} must be at most ${def.max}, found ${v}` };
      return { value: v };
    }
    case 'bool':
      if (text === 'true' || text === '1') return { value: true };
      if (text === 'false' || text === '0') return { value: false };
      return { error: `${def.label} must be true or false, found "${text}"` };
    case 'enum':
      if (def.values?.includes(text)) return { value: text };
      return { error: `${def.label} must be one of ${def.values?.join(', ')}, found "${text}"` };
    case 'string':
      return { value: text };
  }
}

export function specKind(spec: unknown): SpecKind {
  const kind = getPointer(spec, '/model/kind');
  return kind === 'seq2seq' || kind === 'gan' || kind === 'diffusion' ? kind : 'sequential';
}

/** The spec's optimizer type (the engine's default, SGD, when it names none). */
export function optimizerType(spec: unknown): string {
  const t = getPointer(spec, '/optimizer/type');
  return typeof t === 'string' ? t : 'sgd';
}

/** The settings that apply to a spec (its kind and optimizer type), in table order. */
export function settingsFor(spec: unknown): SettingDef[] {
  const kind = specKind(spec);
  const opt = optimizerType(spec);
  return SETTINGS.filter(
    (d) => d.pointer !== undefined && (!d.kinds || d.kinds.includes(kind)) && (!d.optimizers || (d.optimizers as readonly string[]).includes(opt)),
  );
}

/**
 * The spec with every non-null setting written at its pointer (settings of other kinds, or
 * of another optimizer type, are ignored). A new optimizer type keeps only the fields of the
 * old optimizer block that the new type has (SGD's momentum is not Adam's).
 */
export function applySettings<T>(spec: T, settings: Settings): T {
  let out = spec;
  const type = settings.optimizer;
  const block = getPointer(spec, '/optimizer');
  if (specKind(spec) !== 'gan' && typeof type === 'string' && type !== optimizerType(spec)) {
    const keep = OPTIMIZER_FIELDS[type as Optimizer] ?? ['type', 'lr'];
    const old = typeof block === 'object' && block !== null && !Array.isArray(block) ? (block as Record<string, unknown>) : {};
    out = setPointer(out, '/optimizer', Object.fromEntries(Object.entries(old).filter(([k]) => keep.includes(k))));
    out = setPointer(out, '/optimizer/type', type);
  }
  for (const d of settingsFor(out)) {
    const v = settings[d.name];
    if (v !== null && v !== undefined) out = setPointer(out, d.pointer!, v);
  }
  return out;
}

/** The spec's own value of each setting (null where the spec leaves it to the engine's default). */
export function settingsFromSpec(spec: unknown): Settings {
  const s: Settings = {};
  for (const d of settingsFor(spec)) {
    const v = getPointer(spec, d.pointer!);
    s[d.name] = typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' ? v : null;
  }
  return s;
}

/** Why changing a setting (or the spec fields at `pointers`) starts training over, in plain words. */
const RESET_REASONS: Record<string, string> = {
  seed: 'a new seed draws new initial weights and a new order of the data',
  optimizer: 'a different optimizer starts with fresh state (momentum, Adam’s averages)',
  batch: 'this engine cannot change the batch size while running',
  tbptt: 'this engine cannot change the truncation length while running',
};

/**
 * The note shown when a change needs a fresh session: what changed, that training restarted
 * at step 0, and why. `pointers`: the spec fields the engine said need a reset (if known).
 */
export function restartNote(name: string, pointers: string[] = []): string {
  const def = settingDef(name);
  const label = def?.label ?? name;
  let why = RESET_REASONS[name];
  if (!why && pointers.length > 0) why = `the engine cannot change ${pointers.join(', ')} in a running experiment`;
  if (!why) why = def?.live ? 'this engine cannot change it while running' : 'it changes how the experiment is built';
  return `${label} changed: training restarted at step 0 (${why}).`;
}
