/**
 * Ground truth 2: the Gauss–Newton Fisher-vector product (FisherOperator) equals
 *  (a) the explicitly formed analytic Fisher (1/n) Σ J_iᵀ diag(1/σ², 2) J_i + λI, with per-sample
 *      Jacobians J_i from tfjs autodiff, on a network small enough to form it;
 *  (b) a Monte Carlo estimate of E[∇log π ∇log πᵀ] (the definition of the Fisher);
 *  (c) tfjs double backprop of the mean-KL Hessian (sb3-contrib's hessian_vector_product).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { FisherOperator } from '../../src/learn/naturalGradient.js';
import { pseudoLossAndGradient } from '../../src/learn/surrogate.js';
import { fisherVectorProductTf, policyDistributionTf } from '../../src/policy/tfjsReference.js';
import type { GaussianPolicy } from '../../src/policy/policy.js';
import { Random } from '../../src/util/random.js';
import { randomArray, randomPolicy, relativeMaxError, useCpuBackend } from './helpers.js';

before(useCpuBackend);

/** Explicit Fisher matrix (P×P, row-major) from tfjs per-output gradients. */
function explicitFisher(
  policy: GaussianPolicy,
  obs: Float32Array,
  n: number,
  damping: number,
): Float64Array {
  const P = policy.numParams;
  const a = policy.actionSize;
  const F = new Float64Array(P * P);
  const x = tf.tensor2d(obs, [n, policy.obsSize]);
  const theta = tf.tensor1d(policy.params);
  const dist = tf.tidy(() => policyDistributionTf(policy, theta, x));
  const logStd = dist.logStd.arraySync();
  for (let i = 0; i < n; i++) {
    for (const head of ['mean', 'logStd'] as const) {
      for (let j = 0; j < a; j++) {
        const g = tf.tidy(() =>
          tf.grad((p: tf.Tensor) => {
            const d = policyDistributionTf(policy, p as tf.Tensor1D, x);
            return tf.sum(tf.slice(d[head], [i, j], [1, 1])) as tf.Scalar;
          })(theta),
        );
        const row = g.dataSync();
        g.dispose();
        const ls = (logStd[i] as number[])[j] as number;
        const w = (head === 'mean' ? Math.exp(-2 * ls) : 2) / n;
        for (let p = 0; p < P; p++) {
          const rp = (row[p] as number) * w;
          if (rp === 0) continue;
          for (let q = 0; q < P; q++)
            F[p * P + q] = (F[p * P + q] as number) + rp * (row[q] as number);
        }
      }
    }
  }
  for (let p = 0; p < P; p++) F[p * P + p] = (F[p * P + p] as number) + damping;
  tf.dispose([x, theta, dist.mean, dist.logStd]);
  return F;
}

function matVec(F: Float64Array, v: ArrayLike<number>): Float64Array {
  const P = v.length;
  const out = new Float64Array(P);
  for (let p = 0; p < P; p++) {
    let s = 0;
    for (let q = 0; q < P; q++) s += (F[p * P + q] as number) * (v[q] as number);
    out[p] = s;
  }
  return out;
}

const CASES = [
  { name: 'state-independent log σ, tanh', stateDependentStd: false, activation: 'tanh' as const },
  {
    name: 'state-dependent log σ head, tanh',
    stateDependentStd: true,
    activation: 'tanh' as const,
  },
  { name: 'state-independent log σ, relu', stateDependentStd: false, activation: 'relu' as const },
];

describe('Fisher-vector product (Gauss–Newton) equals the explicit Fisher', () => {
  for (const c of CASES) {
    test(`${c.name}: F v = explicit (1/n) Σ Jᵀ diag(1/σ², 2) J v + λ v`, () => {
      const policy = randomPolicy(
        {
          obsSize: 3,
          actionSize: 2,
          hiddenSizes: [4],
          activation: c.activation,
          stateDependentStd: c.stateDependentStd,
        },
        11,
      );
      const rng = new Random(5);
      const n = 6;
      const obs = randomArray(n * 3, rng);
      const damping = 0.1;
      const F = explicitFisher(policy, obs, n, damping);
      const op = new FisherOperator(policy, obs, n, damping);
      for (let trial = 0; trial < 3; trial++) {
        const v = randomArray(policy.numParams, rng);
        const fast = op.apply(v, new Float64Array(policy.numParams));
        const ref = matVec(F, v);
        assert.ok(
          relativeMaxError(fast, ref) < 1e-5,
          `max rel error ${relativeMaxError(fast, ref)}`,
        );
      }
      // The explicit matrix is symmetric positive definite (damped).
      const P = policy.numParams;
      for (let p = 0; p < P; p++)
        for (let q = 0; q < p; q++)
          assert.ok(Math.abs((F[p * P + q] as number) - (F[q * P + p] as number)) < 1e-9);
    });
  }

  test('the explicit Fisher equals the Monte Carlo E[∇log π ∇log πᵀ] (definition)', () => {
    const policy = randomPolicy(
      { obsSize: 2, actionSize: 1, hiddenSizes: [3], stateDependentStd: true },
      3,
    );
    const rng = new Random(9);
    const n = 2;
    const obs = randomArray(n * 2, rng);
    const F = explicitFisher(policy, obs, n, 0);
    const P = policy.numParams;
    const M = 20000; // action samples per state
    const Fmc = new Float64Array(P * P);
    const ws = policy.createWorkspace(1);
    const act = new Float64Array(1);
    const grad = new Float64Array(P);
    for (let i = 0; i < n; i++) {
      const s = obs.subarray(i * 2, i * 2 + 2);
      for (let k = 0; k < M; k++) {
        policy.sample(s, 1, rng, act, undefined, ws);
        grad.fill(0);
        // pseudo-loss with Â = −1, n = 1 gives +∇log π(a|s): the score.
        pseudoLossAndGradient(policy, s, act, [-1], 1, grad, undefined, ws);
        for (let p = 0; p < P; p++)
          for (let q = 0; q < P; q++)
            Fmc[p * P + q] =
              (Fmc[p * P + q] as number) + ((grad[p] as number) * (grad[q] as number)) / (n * M);
      }
    }
    // Monte Carlo standard error ~ 1/sqrt(M) relative; allow 5% of the largest entry.
    assert.ok(relativeMaxError(Fmc, F) < 0.05, `MC vs explicit: ${relativeMaxError(Fmc, F)}`);
  });

  test('equals tfjs double backprop of the mean-KL Hessian on a 16-16 network', () => {
    for (const stateDependentStd of [false, true]) {
      const policy = randomPolicy(
        { obsSize: 4, actionSize: 2, hiddenSizes: [16, 16], stateDependentStd },
        21,
      );
      const rng = new Random(2);
      const n = 32;
      const obs = randomArray(n * 4, rng);
      const v = randomArray(policy.numParams, rng);
      const fast = new FisherOperator(policy, obs, n, 0.1).apply(
        v,
        new Float64Array(policy.numParams),
      );
      const ref = tf.tidy(() =>
        fisherVectorProductTf(policy, policy.params, tf.tensor2d(obs, [n, 4]), v, 0.1),
      );
      assert.ok(
        relativeMaxError(fast, ref) < 2e-4,
        `stateDependentStd=${stateDependentStd}: ${relativeMaxError(fast, ref)}`,
      );
    }
  });
});
