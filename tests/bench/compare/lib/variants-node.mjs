// benchVariants (lib/variants.mjs) with node worker_threads.
import { Worker } from 'node:worker_threads';
import { benchVariants, variantWorker } from './variants.mjs';

export function spawnNodeWorker(modulePath) {
  const worker = new Worker(new URL('./variants-node-worker.mjs', import.meta.url), { workerData: { module: modulePath } });
  return variantWorker((m) => worker.postMessage(m), () => worker.terminate(), (onMessage, onError) => {
    worker.on('message', onMessage);
    worker.on('error', onError);
  });
}

/** The process's CPU time (every thread), ms. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export const benchVariantsNode = (modulePath, specText, options) => benchVariants(() => spawnNodeWorker(modulePath), specText, { ...options, cpuMs });
