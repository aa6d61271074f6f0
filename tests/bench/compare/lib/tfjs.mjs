// TensorFlow.js 4.22 on the same problems, written the way its users would: tf.matMul, and
// tf.layers models trained with trainOnBatch (the GAN with optimizer.minimize).
// `tf` is the tfjs namespace (node: the npm package; browser: the dist bundle's global).
import { GAN, MLP, RNN, gemmInputs, lcgFill, mlpData, rnnData, rounded } from './common.mjs';

// A maker for benchGemmInterleaved: tf.matMul(a, b, transposeA, transposeB), read back with
// dataSync (which the timing includes: a user needs the numbers).
export function tfGemm(tf) {
  let a = null, b = null, last = null;
  return {
    setup(n) {
      const { A, B } = gemmInputs(n);
      a = tf.tensor2d(A, [n, n]);
      b = tf.tensor2d(B, [n, n]);
    },
    call(v) {
      const ta = Boolean(v & 2), tb = Boolean(v & 1);
      return () => {
        const c = tf.matMul(a, b, ta, tb);
        last = c.dataSync();
        c.dispose();
      };
    },
    result: () => Float32Array.from(last),
    teardown() { a.dispose(); b.dispose(); },
  };
}

function rnnModel(tf, kind) {
  const { T, I, H, V, lr } = RNN;
  const model = tf.sequential();
  const cfg = { units: H, recurrentActivation: 'sigmoid', returnSequences: true, inputShape: [T, I] };
  model.add(kind === 'lstm' ? tf.layers.lstm(cfg) : tf.layers.gru(cfg));
  model.add(tf.layers.timeDistributed({ layer: tf.layers.dense({ units: V, activation: 'softmax' }) }));
  model.compile({ optimizer: tf.train.sgd(lr), loss: 'sparseCategoricalCrossentropy' });
  return model;
}

function denseStack(tf, inputs, hidden, out, activation) {
  const m = tf.sequential();
  hidden.forEach((units, k) => m.add(tf.layers.dense(k === 0 ? { units, activation, inputShape: [inputs] } : { units, activation })));
  m.add(tf.layers.dense({ units: out }));
  return m;
}

// A step maker like gradlabStep: fn() (async) runs one training step of `name`.
export function tfStep(tf, name) {
  let loss = null;
  if (name === 'lstm' || name === 'gru' || name === 'mlp') {
    let model, xs, ys;
    if (name === 'mlp') {
      const { x, y } = mlpData();
      model = denseStack(tf, 2, [8, 8], 1, 'tanh');
      model.compile({ optimizer: tf.train.sgd(MLP.lr), loss: 'meanSquaredError' });
      xs = tf.tensor2d(rounded(x), [MLP.B, 2]);
      ys = tf.tensor2d(y, [MLP.B, 1]);
    } else {
      const { B, T, I } = RNN;
      const { x, y } = rnnData();
      model = rnnModel(tf, name);
      xs = tf.tensor3d(rounded(x), [B, T, I]);
      ys = tf.tensor3d(y, [B, T, 1]);
    }
    return {
      fn: async () => { loss = await model.trainOnBatch(xs, ys); },
      lastLoss: () => loss,
      dispose() { xs.dispose(); ys.dispose(); model.dispose(); },
    };
  }
  // GAN: one discriminator and one generator update (non-saturating loss, Adam).
  const B = GAN.B;
  const G = denseStack(tf, GAN.noise, GAN.hidden, 2, 'relu'), D = denseStack(tf, 2, GAN.hidden, 1, 'relu');
  const gOpt = tf.train.adam(GAN.lr, GAN.betas[0], GAN.betas[1]), dOpt = tf.train.adam(GAN.lr, GAN.betas[0], GAN.betas[1]);
  // A ring of 8 Gaussians (the gan_ring target), one fixed batch.
  const u = lcgFill(99, B * 3), ring = new Float32Array(B * 2);
  for (let i = 0; i < B; ++i) {
    const a = (2 * Math.PI * Math.floor((u[3 * i] + 1) * 4)) / 8;
    ring[2 * i] = 2 * Math.cos(a) + 0.05 * u[3 * i + 1];
    ring[2 * i + 1] = 2 * Math.sin(a) + 0.05 * u[3 * i + 2];
  }
  const real = tf.tensor2d(ring, [B, 2]), ones = tf.ones([B, 1]), zeros = tf.zeros([B, 1]);
  const dVars = D.trainableWeights.map((w) => w.read()), gVars = G.trainableWeights.map((w) => w.read());
  return {
    fn: () => {
      dOpt.minimize(() => {
        const fake = G.apply(tf.randomNormal([B, GAN.noise]));
        return tf.add(tf.losses.sigmoidCrossEntropy(ones, D.apply(real)), tf.losses.sigmoidCrossEntropy(zeros, D.apply(fake)));
      }, false, dVars);
      const l = gOpt.minimize(() => tf.losses.sigmoidCrossEntropy(ones, D.apply(G.apply(tf.randomNormal([B, GAN.noise])))), true, gVars);
      loss = l.dataSync()[0];
      l.dispose();
    },
    lastLoss: () => loss,
    dispose() { real.dispose(); ones.dispose(); zeros.dispose(); G.dispose(); D.dispose(); gOpt.dispose(); dOpt.dispose(); },
  };
}

// node only: tfjs with its wasm backend (SIMD, one thread); distDir: tfjs-backend-wasm's dist/.
export async function nodeTfWasm(distDir) {
  const tf = await import('@tensorflow/tfjs');
  const tfWasm = await import('@tensorflow/tfjs-backend-wasm');
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  tfWasm.setWasmPaths(distDir.endsWith('/') ? distDir : distDir + '/');
  await tf.setBackend('wasm');
  await tf.ready();
  return { tf, tfWasm };
}
