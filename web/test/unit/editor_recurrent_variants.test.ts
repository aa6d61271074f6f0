// The editor's recurrent variants: the form offers the fields (LSTM coupled_input_forget and
// proj_size, GRU reset) and the demo validator counts parameters with the core's formula
// (core/spec/layer_spec.cpp; the same numbers and text are pinned in tests/spec/spec_test.cpp).
import { describe, expect, it } from 'vitest';
import { demoValidate, recurrentSummary } from '../../src/editor/demo_validate';
import { layerTypeDef } from '../../src/editor/spec_form';

describe('recurrent variants in the editor', () => {
  it('offers coupled_input_forget and proj_size on lstm, reset on gru', () => {
    const lstm = layerTypeDef('lstm')!.fields.map((f) => f.path[0]);
    expect(lstm).toContain('coupled_input_forget');
    expect(lstm).toContain('proj_size');
    const reset = layerTypeDef('gru')!.fields.find((f) => f.path[0] === 'reset')!;
    expect(reset.options).toEqual(['after', 'before']);
    expect(reset.default).toBe('after');
  });

  it('counts 3/4 of the gate parameters for a coupled input-forget LSTM', () => {
    const standard = recurrentSummary('lstm', { hidden_size: 32 }, 2);
    const coupled = recurrentSummary('lstm', { hidden_size: 32, coupled_input_forget: true }, 2);
    if (typeof standard === 'string' || typeof coupled === 'string') throw new Error('unexpected problem');
    expect(standard.parameters).toBe(4608); // 4*32*(2 + 32) + 2*4*32
    expect(coupled.parameters).toBe(3456); //  3*32*(2 + 32) + 2*3*32
    expect(4 * coupled.parameters).toBe(3 * standard.parameters);
    expect(coupled.formula).toBe(
      'per layer and direction: G*H*(I_k + H) + 2*G*H with G = 3 (coupled input-forget gate: rows i, g, o), H = 32, I_0 = 2; weights are shared across time steps',
    );
  });

  it("counts PyTorch's proj_size: weight_hh [4H, P], weight_hr [P, H], output D*P", () => {
    const s = recurrentSummary('lstm', { hidden_size: 4, proj_size: 2, num_layers: 2, bidirectional: true }, 3);
    if (typeof s === 'string') throw new Error(s);
    expect(s.parameters).toBe(512); // 2*(16*(3 + 2) + 32 + 8) + 2*(16*(4 + 2) + 32 + 8)
    expect(s.width).toBe(4);
    expect(s.formula).toBe(
      'per layer and direction: G*H*(I_k + P) + 2*G*H + P*H with G = 4, H = 4, P = proj_size = 2, I_0 = 3, I_k = D*P = 4; weights are shared across time steps',
    );
    expect(recurrentSummary('lstm', { hidden_size: 4, proj_size: 4 }, 3)).toBe('proj_size must be below hidden_size = 4 (as PyTorch), got 4; 0 means no projection');
  });

  it('gives the reset-before GRU the GRU\'s parameters', () => {
    const after = recurrentSummary('gru', { hidden_size: 32 }, 2);
    const before = recurrentSummary('gru', { hidden_size: 32, reset: 'before' }, 2);
    expect(before).toEqual(after);
    if (typeof before === 'string') throw new Error(before);
    expect(before.parameters).toBe(3456);
  });

  it('shows the counts in a validated spec, and the proj_size problem at its pointer', async () => {
    const spec = (layer: object) =>
      JSON.stringify({ version: 1, data: { dataset: 'adding' }, model: { layers: [layer, { type: 'last_step' }, { type: 'linear', in: 2, out: 1 }] } });
    const ok = await demoValidate(spec({ type: 'lstm', input_size: 2, hidden_size: 8, proj_size: 2 }));
    expect(ok.issues).toEqual([]);
    expect(ok.layers[0]!.parameters).toBe(4 * 8 * (2 + 2) + 2 * 4 * 8 + 2 * 8);
    expect(ok.layers[0]!.output).toEqual([32, 50, 2]);
    const bad = await demoValidate(spec({ type: 'lstm', input_size: 2, hidden_size: 8, proj_size: 8 }));
    expect(bad.issues.map((i) => i.pointer)).toContain('/model/layers/0/proj_size');
  });
});
