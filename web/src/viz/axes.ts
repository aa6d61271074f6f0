// Axes for the canvas plots: a plot rectangle inside margins, tick marks with grid lines,
// tick labels and axis titles. A log axis says so in its title ("(log scale)") and labels
// its ticks as powers of ten.
//
//   const box = plotBox(w, h, {left: 52, bottom: 36});
//   const x = linearScale([0, 100], [box.left, box.right]);
//   const y = logScale([1e-4, 1], [box.bottom, box.top]);
//   drawAxes(ctx, box, x, y, theme, {xLabel: 'step', yLabel: 'loss'});

import { logTicks, niceTicks, type AxisScale } from './scales';
import type { Theme } from './surface';
import { formatPow10, tickFormat } from './format';

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
  width: number;
  height: number;
}

export interface Margins {
  left?: number;
  right?: number;
  top?: number;
  bottom?: number;
}

export function plotBox(w: number, h: number, m: Margins = {}): Box {
  const left = m.left ?? 56;
  const right = w - (m.right ?? 12);
  const top = m.top ?? 10;
  const bottom = h - (m.bottom ?? 38);
  return { left, top, right, bottom, width: Math.max(1, right - left), height: Math.max(1, bottom - top) };
}

export interface AxesOptions {
  xLabel?: string;
  yLabel?: string;
  xTicks?: number[];
  yTicks?: number[];
  xInteger?: boolean; // only integer ticks on x (steps, time positions)
  grid?: boolean;
  xFormat?: (v: number) => string;
  yFormat?: (v: number) => string;
}

export { formatPow10, tickFormat } from './format';

export function ticksFor(scale: AxisScale, count: number, integer = false): number[] {
  if (scale.log) return logTicks(scale.domain[0], scale.domain[1]);
  let t = niceTicks(scale.domain[0], scale.domain[1], count);
  if (integer) t = t.filter((v) => Number.isInteger(v));
  return t;
}

export function drawAxes(
  ctx: CanvasRenderingContext2D,
  box: Box,
  x: AxisScale,
  y: AxisScale,
  theme: Theme,
  o: AxesOptions = {},
): void {
  const xt = o.xTicks ?? ticksFor(x, Math.max(2, Math.floor(box.width / 70)), o.xInteger);
  const yt = o.yTicks ?? ticksFor(y, Math.max(2, Math.floor(box.height / 40)));
  const fx = o.xFormat ?? (x.log ? formatPow10 : tickFormat(xt));
  const fy = o.yFormat ?? (y.log ? formatPow10 : tickFormat(yt));
  ctx.save();
  ctx.lineWidth = 1;
  ctx.font = theme.font;
  if (o.grid !== false) {
    ctx.strokeStyle = theme.grid;
    ctx.beginPath();
    for (const v of yt) {
      const py = Math.round(y(v)) + 0.5;
      if (py < box.top - 1 || py > box.bottom + 1) continue;
      ctx.moveTo(box.left, py);
      ctx.lineTo(box.right, py);
    }
    for (const v of xt) {
      const px = Math.round(x(v)) + 0.5;
      if (px < box.left - 1 || px > box.right + 1) continue;
      ctx.moveTo(px, box.top);
      ctx.lineTo(px, box.bottom);
    }
    ctx.stroke();
  }
  ctx.strokeStyle = theme.muted;
  ctx.beginPath();
  ctx.moveTo(box.left + 0.5, box.top);
  ctx.lineTo(box.left + 0.5, box.bottom + 0.5);
  ctx.lineTo(box.right, box.bottom + 0.5);
  ctx.stroke();
  ctx.fillStyle = theme.fg;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  let lastRight = -Infinity;
  const width = ctx.canvas.width / (ctx.getTransform().a || 1) || box.right + 12; // no layout read
  for (const v of xt) {
    const px = x(v);
    if (px < box.left - 1 || px > box.right + 1) continue;
    const s = fx(v);
    const tw = ctx.measureText(s).width;
    const cx = Math.min(Math.max(px, tw / 2 + 1), width - tw / 2 - 1); // keep the label on the canvas
    if (cx - tw / 2 < lastRight + 6) continue; // no overlapping labels
    ctx.fillText(s, cx, box.bottom + 4);
    lastRight = cx + tw / 2;
  }
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const v of yt) {
    const py = y(v);
    if (py < box.top - 1 || py > box.bottom + 1) continue;
    ctx.fillText(fy(v), box.left - 5, py);
  }
  if (o.xLabel) {
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillStyle = theme.muted;
    ctx.fillText(o.xLabel, (box.left + box.right) / 2, box.bottom + 36);
  }
  if (o.yLabel) {
    ctx.save();
    ctx.translate(12, (box.top + box.bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = theme.muted;
    ctx.fillText(o.yLabel, 0, 0);
    ctx.restore();
  }
  ctx.restore();
}

/** A vertical colour bar with min/max labels: `color(t)` for t in [0, 1] bottom to top. */
export function drawColorBar(
  ctx: CanvasRenderingContext2D,
  x: number,
  top: number,
  height: number,
  color: (t: number) => string,
  labels: { lo: string; mid?: string; hi: string },
  theme: Theme,
): void {
  const w = 10;
  // one gradient with enough stops to look continuous (not a fillRect per pixel row)
  const g = ctx.createLinearGradient(0, top, 0, top + height);
  const stops = 24;
  for (let i = 0; i <= stops; i++) g.addColorStop(i / stops, color(1 - i / stops));
  ctx.fillStyle = g;
  ctx.fillRect(x, top, w, height);
  ctx.strokeStyle = theme.muted;
  ctx.strokeRect(x + 0.5, top + 0.5, w, height);
  ctx.fillStyle = theme.fg;
  ctx.font = theme.font;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(labels.hi, x + w + 4, top);
  ctx.textBaseline = 'bottom';
  ctx.fillText(labels.lo, x + w + 4, top + height);
  if (labels.mid !== undefined) {
    ctx.textBaseline = 'middle';
    ctx.fillText(labels.mid, x + w + 4, top + height / 2);
  }
}
