import { describe, expect, it } from 'vitest';
import { asRows, tokensOf } from '../../src/ui/data-panel';

describe('data preview', () => {
  it('shows token ids as words (seq2seq) and characters (char_lm), without padding', () => {
    const words = ['<pad>', '<bos>', '<eos>', 'november', '24', ',', '2010'];
    expect(tokensOf([3, 4, 5, 6, 2, 0], words)).toBe('november 24 , 2010');
    const chars = ['<pad>', 'a', 'b', ' ', 'c'];
    expect(tokensOf([1, 2, 3, 4], chars)).toBe('ab c');
    expect(tokensOf(4, chars)).toBe('c');
  });

  it('leaves numbers that are not ids of the vocabulary alone', () => {
    expect(tokensOf([0.5, 1], ['<pad>', 'a'])).toBeNull();
    expect(tokensOf([7], ['<pad>', 'a'])).toBeNull();
    expect(tokensOf([1], undefined)).toBeNull();
  });

  it('splits a {shape, data} tensor into rows', () => {
    expect(asRows({ shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) })).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(asRows({ shape: [3], data: [7, 8, 9] })).toEqual([7, 8, 9]);
  });
});
