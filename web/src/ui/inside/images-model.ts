// The pure half of the image views: the engine's `image_predictions` and `filters`
// snapshots (core/session/image_snapshots.cpp) -> per-tile pixels scaled to 0..1 (images)
// or -1..1 (filters), labels and what is wrong. No DOM, so test/unit/images_model.test.ts
// runs it on fake snapshots.
//
// Shape letters: K images, C channels, H x W pixels; O filters of C x kh x kw.

import type { TensorJson } from './models';

export interface ImagePredictionsSnapshot {
  split: 'test' | 'train';
  images: TensorJson; // [K, C, H, W]
  targets: number[];
  predicted: number[] | null;
  accuracy: number | null;
  class_names: string[];
}

export interface ImageTile {
  index: number;
  width: number;
  height: number;
  pixels: number[]; // H*W in 0..1 (the first channel, min..max of the whole grid)
  target: string;
  predicted: string | null;
  correct: boolean | null;
}

export interface ImageGridModel {
  split: 'test' | 'train';
  tiles: ImageTile[];
  accuracy: number | null;
  wrong: number; // tiles predicted wrong
}

const nameOf = (names: string[], k: number): string => names[k] ?? String(k);

/** One tile per image (first channel), one grey scale shared by the grid. */
export function imageGridModel(s: ImagePredictionsSnapshot, maxImages = 64): ImageGridModel {
  const [K = 0, C = 1, H = 0, W = 0] = s.images.shape;
  const n = Math.min(K, maxImages);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of s.images.data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi > lo ? hi - lo : 1;
  const tiles: ImageTile[] = [];
  for (let k = 0; k < n; k++) {
    const start = k * C * H * W;
    const pixels = s.images.data.slice(start, start + H * W).map((v) => (v - lo) / span);
    const p = s.predicted ? s.predicted[k] : undefined;
    tiles.push({
      index: k,
      width: W,
      height: H,
      pixels,
      target: nameOf(s.class_names, s.targets[k] ?? -1),
      predicted: p === undefined ? null : nameOf(s.class_names, p),
      correct: p === undefined ? null : p === s.targets[k],
    });
  }
  return { split: s.split, tiles, accuracy: s.accuracy, wrong: tiles.filter((t) => t.correct === false).length };
}

export interface FiltersSnapshot {
  layer: string;
  description: string;
  weight: TensorJson; // [O, C, kh, kw]
  bias: TensorJson | null;
  min: number;
  max: number;
}

export interface FilterTile {
  filter: number; // o
  channel: number; // c
  width: number;
  height: number;
  values: number[]; // kh*kw in -1..1 (divided by the largest |w| of the layer)
  weights: number[]; // the same kh*kw weights as the engine has them
  bias: number | null;
}

export interface FiltersModel {
  layer: string;
  description: string;
  scale: number; // the largest |w|: 1 in the tiles
  tiles: FilterTile[];
}

/** One tile per (filter, input channel), on one diverging scale for the whole layer. */
export function filtersModel(s: FiltersSnapshot, maxTiles = 128): FiltersModel {
  const [O = 0, C = 0, kh = 0, kw = 0] = s.weight.shape;
  const scale = Math.max(Math.abs(s.min), Math.abs(s.max)) || 1;
  const tiles: FilterTile[] = [];
  for (let o = 0; o < O; o++)
    for (let c = 0; c < C && tiles.length < maxTiles; c++) {
      const start = (o * C + c) * kh * kw;
      tiles.push({
        filter: o,
        channel: c,
        width: kw,
        height: kh,
        weights: s.weight.data.slice(start, start + kh * kw),
        values: s.weight.data.slice(start, start + kh * kw).map((v) => v / scale),
        bias: s.bias ? (s.bias.data[o] ?? null) : null,
      });
    }
  return { layer: s.layer, description: s.description, scale, tiles };
}
