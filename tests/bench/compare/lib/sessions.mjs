// gradlab's training steps through the embind Session (bindings/wasm), as the web app calls it.

// A step maker: fn() runs one Session.step(); lastLoss() the loss it reported.
export function gradlabStep(gradlab, spec) {
  const session = new gradlab.Session(JSON.stringify(spec));
  let last = null;
  return {
    fn: () => { last = session.step(); },
    lastLoss: () => (last ? last.loss ?? last.g_loss ?? null : null),
    dispose: () => session.delete(),
  };
}
