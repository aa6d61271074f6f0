// The module worker of coldstart.html: load the engine, create a session, one step.
const abs = () => performance.timeOrigin + performance.now();
const marks = { started: abs() };
try {
  const flavour = new URL(import.meta.url).searchParams.get('flavour') ?? 'simd';
  if (!/^[a-z]+$/.test(flavour)) throw new Error(`flavour: ${flavour}`);
  const { default: createGradlab } = await import(`/build/bench-compare/module/gradlab-${flavour}.mjs`);
  marks.imported = abs();
  const gradlab = await createGradlab();
  marks.instantiated = abs();
  const spec = await (await fetch('/examples/xor.json')).text();
  const session = new gradlab.Session(spec);
  marks.session = abs();
  const m = session.step();
  marks.stepped = abs();
  marks.loss = m.loss;
  session.delete();
  postMessage(marks);
} catch (e) {
  postMessage({ error: String((e && e.stack) || e) });
}
