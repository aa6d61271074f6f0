// The module worker of variants.html: loads the Session module once, says it is ready, then
// trains what it is sent (lib/variants.mjs trainVariants).
import { trainVariants } from '../lib/variants.mjs';

try {
  const { default: createGradlab } = await import('/build/bench-compare/module/gradlab.mjs');
  const gradlab = await createGradlab();
  onmessage = ({ data }) => {
    try {
      postMessage(trainVariants(gradlab, data.specs, data.steps));
    } catch (e) {
      postMessage({ error: String((e && e.stack) || e) });
    }
  };
  postMessage({ ready: true });
} catch (e) {
  postMessage({ error: String((e && e.stack) || e) });
}
