// A node worker thread for lib/variants.mjs: loads the Session module (workerData.module, the
// -node.cjs build), says it is ready, then trains what it is sent.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { trainVariants } from './variants.mjs';

const require = createRequire(import.meta.url);
const gradlab = await require(workerData.module)();
parentPort.on('message', ({ specs, steps }) => {
  try {
    parentPort.postMessage(trainVariants(gradlab, specs, steps));
  } catch (e) {
    parentPort.postMessage({ error: String((e && e.stack) || e) });
  }
});
parentPort.postMessage({ ready: true });
