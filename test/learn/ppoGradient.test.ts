/**
 * PPO-clip's actor gradient against tfjs autodiff of the clipped objective (Schulman et al. 2017,
 * eq. 7, with SB3's entropy bonus):
 *   L(θ) = −mean(min(r w Â, clip(r, 1−ε, 1+ε) w Â)) − c_ent·mean(H(π_θ(·|s))),
 *   r = π_θ(a|s)/π_θk(a|s), Â normalised over the minibatch, then multiplied by the weights w.
 * The gradients ppoUpdate hands its optimiser are recorded by a spy (plain SGD, so the second step
 * sees ratios away from 1). On the second step some ratios are outside [1−ε, 1+ε], so clipping
 * changes the gradient; the entropy coefficient is non-zero, so its sign matters; and the gradient
 * is compared in value, not only in sign, so a scaled gradient fails.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Adam } from '../../src/learn/adam.js';
import { ppoUpdate } from '../../src/learn/ppo.js';
import type { UpdateContext } from '../../src/learn/updateContext.js';
import { ValueNetwork } from '../../src/policy/value.js';
import type { GaussianPolicy } from '../../src/policy/policy.js';
import { gaussianLogProbTf, policyDistributionTf } from '../../src/policy/tfjsReference.js';
import { Random } from '../../src/util/random.js';
import { randomArray, randomPolicy, relativeMaxError, useCpuBackend } from './helpers.js';

before(useCpuBackend);

/** Records each (parameters, gradient) it is stepped with, and takes a plain SGD step. */
class SpyOptimizer extends Adam {
  readonly at: Float32Array[] = [];
  readonly grads: Float64Array[] = [];
  override step(params: Float32Array, grad: ArrayLike<number>, learningRate = 1): void {
    this.at.push(params.slice());
    this.grads.push(Float64Array.from(grad));
    for (let i = 0; i < params.length; i++)
      params[i] = (params[i] as number) - learningRate * (grad[i] as number);
  }
}

const CLIP = 0.2;
const ENT_COEF = 0.05;
const HALF_LOG_2PI_E = 0.5 * Math.log(2 * Math.PI * Math.E);

/** w · (Â − mean)/(std + 1e-8), std with Bessel's correction (SB3 normalize_advantage). */
function weightedNormalised(adv: Float32Array, weights: Float32Array | undefined): Float32Array {
  const n = adv.length;
  let mean = 0;
  for (const x of adv) mean += x / n;
  let ss = 0;
  for (const x of adv) ss += (x - mean) ** 2;
  const std = Math.sqrt(ss / (n - 1));
  return Float32Array.from(
    adv,
    (x, i) => ((x - mean) / (std + 1e-8)) * (weights ? weights[i]! : 1),
  );
}

/**
 * ∇θ of the clipped objective at `theta` (tfjs autodiff), and the ratios there. tfjs-core's Node
 * entry has no Minimum gradient, so min(u, c) is written as m·u + (1 − m)·c with the mask
 * m = [u ≤ c] taken at `theta`: the same branch selection Minimum's gradient makes.
 */
function referenceGradient(
  policy: GaussianPolicy,
  theta: Float32Array,
  theta0: Float32Array,
  obs: Float32Array,
  actions: Float32Array,
  wAdv: Float32Array,
  clip: boolean,
): { grad: Float64Array; ratios: Float32Array } {
  const n = wAdv.length;
  const [g, ratios] = tf.tidy(() => {
    const x = tf.tensor2d(obs, [n, policy.obsSize]);
    const a = tf.tensor2d(actions, [n, policy.actionSize]);
    const adv = tf.tensor1d(wAdv);
    const old = policyDistributionTf(policy, tf.tensor1d(theta0), x);
    const oldLogProb = gaussianLogProbTf(old.mean, old.logStd, a);
    const ratioOf = (p: tf.Tensor1D): tf.Tensor1D => {
      const d = policyDistributionTf(policy, p, x);
      return tf.exp(tf.sub(gaussianLogProbTf(d.mean, d.logStd, a), oldLogProb)) as tf.Tensor1D;
    };
    const r0 = ratioOf(tf.tensor1d(theta)).dataSync();
    const mask = tf.tensor1d(
      Float32Array.from(wAdv, (A, i) => {
        const r = r0[i]!;
        return !clip || r * A <= Math.min(Math.max(r, 1 - CLIP), 1 + CLIP) * A ? 1 : 0;
      }),
    );
    const loss = (p: tf.Tensor): tf.Scalar => {
      const d = policyDistributionTf(policy, p as tf.Tensor1D, x);
      const r = ratioOf(p as tf.Tensor1D);
      const unclipped = tf.mul(r, adv);
      const clipped = tf.mul(tf.clipByValue(r, 1 - CLIP, 1 + CLIP), adv);
      const surrogate = tf.add(tf.mul(mask, unclipped), tf.mul(tf.sub(1, mask), clipped));
      const entropy = tf.add(tf.sum(d.logStd, 1), policy.actionSize * HALF_LOG_2PI_E);
      return tf.sub(tf.neg(tf.mean(surrogate)), tf.mul(ENT_COEF, tf.mean(entropy))) as tf.Scalar;
    };
    return [tf.grad(loss)(tf.tensor1d(theta)), tf.tensor1d(r0)];
  });
  const out = {
    grad: Float64Array.from(g.dataSync()),
    ratios: Float32Array.from(ratios.dataSync()),
  };
  g.dispose();
  ratios.dispose();
  return out;
}

function setup(stateDependentStd: boolean, weighted: boolean) {
  const policy = randomPolicy(
    { obsSize: 3, actionSize: 2, hiddenSizes: [8], stateDependentStd },
    61,
  );
  const value = new ValueNetwork({ obsSize: 3, hiddenSizes: [8] }, new Random(62));
  const rng = new Random(63);
  const n = 48;
  const obs = randomArray(n * 3, rng);
  const actions = new Float32Array(n * 2);
  policy.sample(obs, n, rng, actions);
  const advantages = new Float32Array(n).map((_, i) => actions[2 * i]! + 0.5 * rng.normal());
  const returns = randomArray(n, rng);
  const weights = weighted
    ? new Float32Array(n).map(() => Math.exp(0.5 * rng.normal()))
    : undefined;
  const spy = new SpyOptimizer(policy.numParams);
  const context: UpdateContext = {
    valueOptimizer: new Adam(value.numParams),
    policyOptimizer: spy,
    rng: new Random(64),
  };
  const batch = { size: n, obs, actions, advantages, returns, ...(weights ? { weights } : {}) };
  return { policy, value, batch, spy, context };
}

describe('PPO-clip gradient vs tfjs autodiff of the clipped objective', () => {
  for (const [stateDependentStd, weighted] of [
    [false, false],
    [false, true],
    [true, true],
  ] as const) {
    test(`stateDependentStd=${stateDependentStd}, importance weights=${weighted}`, () => {
      const { policy, value, batch, spy, context } = setup(stateDependentStd, weighted);
      const theta0 = policy.params.slice();
      // Two epochs over one full-batch minibatch: step 1 at θk (all ratios 1), step 2 at θ1.
      ppoUpdate(policy, value, batch, context, {
        epochs: 2,
        batchSize: batch.size,
        clipRange: CLIP,
        entCoef: ENT_COEF,
        maxGradNorm: Infinity,
        learningRate: 1.5,
        normalizeAdvantages: true,
      });
      assert.equal(spy.grads.length, 2);
      const wAdv = weightedNormalised(batch.advantages, batch.weights);
      for (let k = 0; k < 2; k++) {
        const ref = referenceGradient(
          policy,
          spy.at[k]!,
          theta0,
          batch.obs,
          batch.actions,
          wAdv,
          true,
        );
        const err = relativeMaxError(spy.grads[k]!, ref.grad);
        assert.ok(err < 1e-4, `step ${k + 1}: gradient error ${err}`);
        if (k === 1) {
          // The check is only meaningful if clipping changes the gradient here.
          const out = Array.from(ref.ratios).filter((r) => Math.abs(r - 1) > CLIP).length;
          assert.ok(out >= batch.size / 8, `only ${out} ratios outside the clip range`);
          const unclipped = referenceGradient(
            policy,
            spy.at[k]!,
            theta0,
            batch.obs,
            batch.actions,
            wAdv,
            false,
          );
          const gap = relativeMaxError(unclipped.grad, ref.grad);
          assert.ok(gap > 0.05, `clipping changes the gradient by only ${gap}`);
        }
      }
    });
  }
});
