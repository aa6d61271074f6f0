// Snapshots shaped in the worker before they are posted to the page (pure; unit-tested).
import type { Snapshot } from './types';

/**
 * What the page's views need of a snapshot, shaped here so the page does not receive (and
 * structured-clone) what it never draws: the step Jacobians' matrices (H x H per step, up to
 * megabytes for an LSTM) go; their singular values, which the view plots, stay.
 */
export function trimSnapshot(name: string, data: Snapshot): Snapshot {
  if (name !== 'jacobian' || !Array.isArray(data)) return data;
  const trimmed = (data as unknown[]).map((e) => {
    if (typeof e !== 'object' || e === null) return e;
    const entry = { ...(e as Record<string, unknown>) };
    for (const key of ['hh', 'full']) {
      const t = entry[key] as { shape?: unknown } | null | undefined;
      if (t && typeof t === 'object') entry[key] = { shape: t.shape, data: [] };
    }
    return entry;
  });
  return trimmed as unknown as Snapshot;
}

