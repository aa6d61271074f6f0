// The image views' models on fake snapshots shaped like the engine's `image_predictions`
// and `filters` (core/session/image_snapshots.cpp).
import { describe, expect, it } from 'vitest';
import { filtersModel, imageGridModel, type FiltersSnapshot, type ImagePredictionsSnapshot } from '../../src/ui/inside/images-model';

// Three 2x2 one-channel images with values -1..3, labels 0, 1, 2; the second predicted wrong.
const grid: ImagePredictionsSnapshot = {
  split: 'test',
  images: { shape: [3, 1, 2, 2], data: [-1, 0, 1, 3, 0, 0, 0, 0, 3, 3, -1, -1] },
  targets: [0, 1, 2],
  predicted: [0, 2, 2],
  accuracy: 2 / 3,
  class_names: ['square', 'circle', 'triangle'],
};

describe('imageGridModel', () => {
  it('scales pixels to 0..1 over the grid and names labels', () => {
    const m = imageGridModel(grid);
    expect(m.tiles).toHaveLength(3);
    expect(m.tiles[0]!.pixels).toEqual([0, 0.25, 0.5, 1]);
    expect(m.tiles[1]!.pixels).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(m.tiles[0]).toMatchObject({ width: 2, height: 2, target: 'square', predicted: 'square', correct: true });
    expect(m.tiles[1]).toMatchObject({ target: 'circle', predicted: 'triangle', correct: false });
    expect(m.wrong).toBe(1);
    expect(m.accuracy).toBeCloseTo(2 / 3);
  });

  it('keeps the first channel, caps the count, and works without predictions', () => {
    const rgb: ImagePredictionsSnapshot = { ...grid, images: { shape: [1, 2, 1, 2], data: [0, 1, 5, 5] }, targets: [7], predicted: null, accuracy: null };
    const m = imageGridModel(rgb);
    expect(m.tiles[0]!.pixels).toEqual([0, 0.2]);
    expect(m.tiles[0]).toMatchObject({ target: '7', predicted: null, correct: null });
    expect(imageGridModel(grid, 2).tiles).toHaveLength(2);
  });
});

describe('filtersModel', () => {
  const filters: FiltersSnapshot = {
    layer: 'layers.0',
    description: 'Conv2d(2, 2, kernel_size=(1, 2), stride=(1, 1), padding=(0, 0))',
    weight: { shape: [2, 2, 1, 2], data: [0.5, -1, 0, 0.25, 2, -2, 1, 0] },
    bias: { shape: [2], data: [0.1, -0.1] },
    min: -2,
    max: 2,
  };
  it('makes one tile per filter and channel on one scale', () => {
    const m = filtersModel(filters);
    expect(m.scale).toBe(2);
    expect(m.tiles).toHaveLength(4);
    expect(m.tiles[1]).toEqual({ filter: 0, channel: 1, width: 2, height: 1, values: [0, 0.125], weights: [0, 0.25], bias: 0.1 });
    expect(m.tiles[2]!.values).toEqual([1, -1]);
    expect(m.tiles[3]!.bias).toBe(-0.1);
    expect(filtersModel(filters, 3).tiles).toHaveLength(3);
    expect(filtersModel({ ...filters, bias: null }).tiles[0]!.bias).toBeNull();
  });
});
