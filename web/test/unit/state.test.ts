import { describe, expect, it } from 'vitest';
import { getPointer, setPointer } from '../../src/state/pointer';
import { SETTINGS, applySettings, defaultSettings, parseSetting, settingDef, settingsFor, settingsFromSpec } from '../../src/state/settings';
import { decodeSpec, encodeSpec, parseHash, serializeHash } from '../../src/state/url';
import { loadWorkspace, saveWorkspace, startingHash } from '../../src/state/storage';

const xor = {
  version: 1,
  seed: 1,
  data: { dataset: 'xor', options: { n_samples: 400 } },
  model: { layers: [{ type: 'linear', in: 2, out: 8 }, { type: 'tanh' }, { type: 'linear', in: 8, out: 2 }] },
  loss: { type: 'cross_entropy' },
  optimizer: { type: 'sgd', lr: 0.3, momentum: 0.9 },
  training: { batch_size: 32 },
};

describe('JSON pointers', () => {
  it('reads and writes into a copy, escaping ~ and /', () => {
    expect(getPointer(xor, '/model/layers/0/out')).toBe(8);
    const next = setPointer(xor, '/training/clip_grad_norm', 1);
    expect(getPointer(next, '/training/clip_grad_norm')).toBe(1);
    expect((xor.training as Record<string, unknown>).clip_grad_norm).toBeUndefined();
    expect(getPointer(setPointer({}, '/a~1b/c~0d', 3), '/a~1b/c~0d')).toBe(3);
    expect(getPointer(xor, '/nope/deeper')).toBeUndefined();
  });
});

describe('settings table', () => {
  it('has unique names, and defaults of the right type', () => {
    expect(new Set(SETTINGS.map((d) => d.name)).size).toBe(SETTINGS.length);
    for (const d of SETTINGS) if (d.default !== null && d.type === 'enum') expect(d.values).toContain(d.default);
  });

  it('parses values with plain-words errors', () => {
    expect(parseSetting(settingDef('lr')!, '0.07')).toEqual({ value: 0.07 });
    expect(parseSetting(settingDef('lr')!, 'abc')).toEqual({ error: 'Learning rate must be a number, found "abc"' });
    expect(parseSetting(settingDef('lr')!, '-1')).toEqual({ error: 'Learning rate must be at least 0, found -1' });
    expect(parseSetting(settingDef('batch')!, '2.5')).toHaveProperty('error');
    expect(parseSetting(settingDef('optimizer')!, 'adam')).toEqual({ value: 'adam' });
    expect(parseSetting(settingDef('optimizer')!, 'lbfgs')).toHaveProperty('error');
  });

  it('applies to the spec by kind and reads back', () => {
    const s = { ...defaultSettings(), lr: 0.07, seed: 7, l2: 0.001, gLr: 0.5 };
    const spec = applySettings(xor, s);
    expect(getPointer(spec, '/optimizer/lr')).toBe(0.07);
    expect(getPointer(spec, '/seed')).toBe(7);
    expect(getPointer(spec, '/training/l2')).toBe(0.001);
    expect(getPointer(spec, '/model/generator_optimizer')).toBeUndefined(); // a GAN-only setting
    expect(settingsFromSpec(spec)).toMatchObject({ lr: 0.07, seed: 7, momentum: 0.9, batch: 32, l1: null });
    const gan = { version: 1, model: { kind: 'gan' }, data: { dataset: 'gan_ring' } };
    expect(settingsFor(gan).map((d) => d.name)).toEqual(expect.arrayContaining(['gLr', 'dLr', 'seed', 'batch']));
    expect(settingsFor(gan).map((d) => d.name)).not.toContain('lr');
    // a diffusion model takes the optimizer and clip_grad_norm, not L1/L2 or truncated BPTT
    const ddpm = { version: 1, model: { kind: 'diffusion', layers: [] }, optimizer: { type: 'adam', lr: 0.003 } };
    const names = settingsFor(ddpm).map((d) => d.name);
    expect(names).toEqual(expect.arrayContaining(['lr', 'optimizer', 'clip', 'batch']));
    for (const n of ['l1', 'l2', 'tbptt', 'gLr']) expect(names).not.toContain(n);
  });

  it('a new optimizer type keeps only the fields that type has', () => {
    const s = { ...settingsFromSpec(xor), optimizer: 'adam' };
    const adam = applySettings(xor, s);
    expect(adam.optimizer).toEqual({ type: 'adam', lr: 0.3 }); // no momentum: Adam has none
    expect(settingsFor(adam).map((d) => d.name)).not.toContain('momentum');
    const rms = applySettings({ ...xor, optimizer: { type: 'sgd', lr: 0.3, momentum: 0.9, nesterov: true } }, { ...s, optimizer: 'rmsprop' });
    expect(rms.optimizer).toEqual({ type: 'rmsprop', lr: 0.3, momentum: 0.9 });
    const back = applySettings({ ...xor, optimizer: { type: 'adam', lr: 0.01, betas: [0.5, 0.9] } }, { optimizer: 'sgd', momentum: 0.5 });
    expect(back.optimizer).toEqual({ type: 'sgd', lr: 0.01, momentum: 0.5 });
    expect(applySettings(xor, { optimizer: 'sgd', momentum: 0.5 }).optimizer).toEqual({ type: 'sgd', lr: 0.3, momentum: 0.5 });
    // a spec's own (unchanged) type is left as written, so the engine reports its mistakes
    const odd = { ...xor, optimizer: { type: 'adam', lr: 0.1, momentum: 0.9 } };
    expect(applySettings(odd, { optimizer: 'adam' }).optimizer).toEqual(odd.optimizer);
  });
});

describe('URL hash', () => {
  it('round-trips settings and an edited spec', () => {
    const state = { settings: { ...defaultSettings(), lesson: 'lstm-forget', seed: 7, lr: 0.07, optimizer: 'adam', theme: 'dark', speed: 2 }, spec: { ...xor, name: 'ünïcode ✓' } };
    const hash = serializeHash(state);
    expect(hash).toMatch(/^#lesson=lstm-forget&seed=7&optimizer=adam&lr=0.07/);
    const parsed = parseHash(hash);
    expect(parsed.errors).toEqual([]);
    expect(parsed.state).toEqual(state);
    expect(decodeSpec(encodeSpec(xor))).toEqual(xor);
  });

  it('leaves page settings at their defaults out of the hash', () => {
    expect(serializeHash({ settings: defaultSettings(), spec: null })).toBe('#lesson=xor');
    expect(parseHash('').empty).toBe(true);
    expect(parseHash('#').state).toEqual({ settings: defaultSettings(), spec: null });
  });

  it('reports a malformed hash in plain words and falls back to the defaults', () => {
    for (const bad of ['#lr=abc', '#seed=-3', '#bogus=1', '#spec=%%%', '#spec=bm90IGpzb24', '#optimizer=lbfgs&lr=0.1']) {
      const p = parseHash(bad);
      expect(p.errors.length, bad).toBeGreaterThan(0);
      expect(p.state).toEqual({ settings: defaultSettings(), spec: null });
    }
    expect(parseHash('#lr=abc').errors[0]).toBe('in the link, Learning rate must be a number, found "abc"');
  });
});

describe('localStorage workspace', () => {
  it('saves, loads, and lets the address hash win', () => {
    const mem = new Map<string, string>();
    const store = { getItem: (k: string) => mem.get(k) ?? null, setItem: (k: string, v: string) => void mem.set(k, v) };
    expect(loadWorkspace(store)).toBeNull();
    saveWorkspace('#lesson=attention', store);
    expect(loadWorkspace(store)).toBe('#lesson=attention');
    expect(startingHash('#lesson=xor&lr=1', '#lesson=attention')).toBe('#lesson=xor&lr=1');
    expect(startingHash('', '#lesson=attention')).toBe('#lesson=attention');
    expect(startingHash('#', null)).toBe('');
    const broken = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('quota'); } };
    expect(loadWorkspace(broken)).toBeNull();
    expect(() => saveWorkspace('#x', broken)).not.toThrow();
  });
});
