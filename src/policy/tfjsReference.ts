/**
 * The tfjs reference implementation: the same networks as src/nn's kernels, policy.ts and
 * value.ts, written with tfjs ops on a flat parameter tensor, so tf.grad gives exact gradients
 * (and, by double backprop, Hessian-vector products of the KL). Every plain-TS and WASM fast path
 * is tested equal to these functions (test/nn, test/policy, test/learn/fisher.test.ts).
 *
 * Functions that return tensors do not dispose their inputs; wrap calls in tf.tidy.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node entry has no gradients registered; see tfjsGradients.ts.
import './tfjsGradients.js';
import type { Activation, MlpLayout } from '../nn/index.js';
import type { GaussianPolicy } from './policy.js';
import { HALF_LOG_2PI } from './diagGaussian.js';

/** MLP forward on x (n, in) with parameters read from the flat tensor `flat`. Returns (n, out). */
export function mlpForwardTf(
  layout: MlpLayout,
  activation: Activation,
  flat: tf.Tensor1D,
  x: tf.Tensor2D,
): tf.Tensor2D {
  const base = layout.layers[0]?.weightOffset ?? 0;
  let h: tf.Tensor2D = x;
  layout.layers.forEach((l, i) => {
    const w = tf.reshape(tf.slice(flat, [l.weightOffset - base], [l.inSize * l.outSize]), [
      l.outSize,
      l.inSize,
    ]) as tf.Tensor2D;
    const b = tf.slice(flat, [l.biasOffset - base], [l.outSize]);
    const z = tf.add(tf.matMul(h, w, false, true), b) as tf.Tensor2D;
    h = i < layout.layers.length - 1 ? (activation === 'tanh' ? tf.tanh(z) : tf.relu(z)) : z;
  });
  return h;
}

/**
 * μ(s) and clamped log σ for normalised observations obs (n, obsSize), from the flat actor
 * parameters `flat` (numParams). Returns mean (n, a) and logStd (n, a).
 */
export function policyDistributionTf(
  policy: GaussianPolicy,
  flat: tf.Tensor1D,
  obs: tf.Tensor2D,
): { mean: tf.Tensor2D; logStd: tf.Tensor2D } {
  const a = policy.actionSize;
  const n = obs.shape[0];
  const out = mlpForwardTf(
    policy.layout,
    policy.mlpShape.activation,
    tf.slice(flat, [0], [policy.layout.size]),
    obs,
  );
  const { logStdMin: lo, logStdMax: hi } = policy.options;
  if (policy.logStdOffset < 0) {
    const mean = tf.slice(out, [0, 0], [n, a]);
    const logStd = tf.clipByValue(tf.slice(out, [0, a], [n, a]), lo, hi);
    return { mean, logStd };
  }
  const ls = tf.clipByValue(tf.slice(flat, [policy.logStdOffset], [a]), lo, hi);
  return { mean: out, logStd: tf.mul(tf.onesLike(out), ls) as tf.Tensor2D };
}

/** log N(a; μ, σ²) summed over action dims. Shapes: (n, a) → (n). */
export function gaussianLogProbTf(
  mean: tf.Tensor2D,
  logStd: tf.Tensor2D,
  actions: tf.Tensor2D,
): tf.Tensor1D {
  const z = tf.mul(tf.sub(actions, mean), tf.exp(tf.neg(logStd)));
  const perDim = tf.sub(tf.sub(tf.mul(-0.5, tf.square(z)), logStd), HALF_LOG_2PI);
  return tf.sum(perDim, 1) as tf.Tensor1D;
}

/** KL(p‖q) between diagonal Gaussians, summed over dims. Shapes: (n, a) → (n). */
export function klDiagonalGaussiansTf(
  meanP: tf.Tensor2D,
  logStdP: tf.Tensor2D,
  meanQ: tf.Tensor2D,
  logStdQ: tf.Tensor2D,
): tf.Tensor1D {
  const varP = tf.exp(tf.mul(2, logStdP));
  const varQ = tf.exp(tf.mul(2, logStdQ));
  const num = tf.add(varP, tf.square(tf.sub(meanP, meanQ)));
  const perDim = tf.sub(tf.add(tf.sub(logStdQ, logStdP), tf.div(num, tf.mul(2, varQ))), 0.5);
  return tf.sum(perDim, 1) as tf.Tensor1D;
}

/**
 * The policy-gradient pseudo-loss L(θ) = −mean_i w_i log π_θ(a_i|s_i) A_i. The advantages A (and
 * weights w) enter as constant tensors, so ∇L = −mean w A ∇log π: no gradient flows through the
 * returns (the role tf.stopGradient / .detach() play elsewhere).
 */
export function pseudoLossTf(
  policy: GaussianPolicy,
  flat: tf.Tensor1D,
  obs: tf.Tensor2D,
  actions: tf.Tensor2D,
  advantages: tf.Tensor1D,
  weights?: tf.Tensor1D,
): tf.Scalar {
  const { mean, logStd } = policyDistributionTf(policy, flat, obs);
  const lp = gaussianLogProbTf(mean, logStd, actions);
  const wa = weights ? tf.mul(weights, advantages) : advantages;
  return tf.neg(tf.mean(tf.mul(lp, wa))) as tf.Scalar;
}

/**
 * Reference Fisher-vector product by double backprop: F v = ∇_θ ( v · ∇_θ KL(π_θold ‖ π_θ) ) at
 * θ = θold, mean KL over obs, plus damping·v (sb3-contrib TRPO's hessian_vector_product).
 */
export function fisherVectorProductTf(
  policy: GaussianPolicy,
  params: Float32Array,
  obs: tf.Tensor2D,
  v: Float32Array | Float64Array,
  damping: number,
): Float32Array {
  return tf.tidy(() => {
    const theta = tf.tensor1d(params);
    const old = policyDistributionTf(policy, theta, obs);
    const meanOld = tf.tensor2d(old.mean.dataSync(), old.mean.shape);
    const logStdOld = tf.tensor2d(old.logStd.dataSync(), old.logStd.shape);
    const vt = tf.tensor1d(Float32Array.from(v));
    const klGrad = tf.grad((q: tf.Tensor) => {
      const p = q as tf.Tensor1D;
      const cur = policyDistributionTf(policy, p, obs);
      return tf.mean(klDiagonalGaussiansTf(meanOld, logStdOld, cur.mean, cur.logStd)) as tf.Scalar;
    });
    const hvp = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(klGrad(p), vt)) as tf.Scalar)(theta);
    return tf.add(hvp, tf.mul(damping, vt)).dataSync() as Float32Array;
  });
}
