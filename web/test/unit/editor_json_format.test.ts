// json_format: a form edit rewrites only the value it changes, in the examples' style.
import { describe, expect, it } from 'vitest';
import { formatJson, replaceAt } from '../../src/editor/json_format';

describe('json_format', () => {
  it('keeps short values on one line and puts several layers one per line', () => {
    expect(formatJson({ type: 'adam', lr: 0.01 })).toBe('{"type": "adam", "lr": 0.01}');
    expect(formatJson({ layers: [{ type: 'linear', in: 2, out: 8 }, { type: 'tanh' }] })).toBe(
      '{\n  "layers": [\n    {"type": "linear", "in": 2, "out": 8},\n    {"type": "tanh"}\n  ]\n}',
    );
  });

  it('replaces one value and leaves the rest of the text byte for byte', () => {
    const text = '{\n  "version": 1,\n  "data": {"dataset":"xor"},\n  "model": {"layers": []},\n  "loss": {"type": "mse"}\n}\n';
    const out = replaceAt(text, '/model', { layers: [{ type: 'relu' }] });
    expect(out).toBe('{\n  "version": 1,\n  "data": {"dataset":"xor"},\n  "model": {"layers": [{"type": "relu"}]},\n  "loss": {"type": "mse"}\n}\n');
    expect(JSON.parse(out!)).toEqual({ version: 1, data: { dataset: 'xor' }, model: { layers: [{ type: 'relu' }] }, loss: { type: 'mse' } });
    expect(replaceAt('{"a": 1,}', '/a', 2)).toBeNull();
    expect(replaceAt('{"a": 1}', '/b', 2)).toBeNull();
  });
});
