/**
 * The free log-std and its bounds (issue 14, point 5). The forward pass clamps log σ to
 * [logStdMin, logStdMax]; a clamp has zero derivative outside its range, so a free log-std that
 * sits past a bound gets zero gradient and zero Fisher and can never come back. The policy keeps
 * it inside by projection (`projectParameters()`, after every update step, and at construction
 * and import): at the bound the gradient and the Fisher are those of the unclamped Gaussian, and
 * a step can bring it back below.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { GaussianPolicy } from '../../src/policy/policy.js';
import { fisherVectorProductTf } from '../../src/policy/tfjsReference.js';
import { Random } from '../../src/util/random.js';
import { useCpuBackend } from '../learn/helpers.js';

before(useCpuBackend);

const OBS = 3;
const ACT = 2;

function logStdOf(policy: GaussianPolicy): number[] {
  return Array.from(policy.params.subarray(policy.logStdOffset, policy.logStdOffset + ACT));
}

/** ∂/∂θ of Σ_rows Σ_j log σ_j (the log-std part of the gradient) at the current parameters. */
function logStdGradient(policy: GaussianPolicy, obs: Float64Array, n: number): number[] {
  policy.forward(obs, n);
  const grad = new Float64Array(policy.numParams);
  policy.backward(new Float64Array(n * ACT), new Float64Array(n * ACT).fill(1), n, grad);
  return Array.from(grad.subarray(policy.logStdOffset, policy.logStdOffset + ACT));
}

/** The diagonal of the reference (tfjs double-backprop) Fisher at the log-std entries. */
function fisherLogStdDiagonal(policy: GaussianPolicy, obs: Float64Array, n: number): number[] {
  const x = tf.tensor2d(Float32Array.from(obs), [n, OBS]);
  const diag: number[] = [];
  for (let j = 0; j < ACT; j++) {
    const e = new Float64Array(policy.numParams);
    e[policy.logStdOffset + j] = 1;
    const fe = fisherVectorProductTf(policy, policy.params, x, e, 0);
    diag.push(fe[policy.logStdOffset + j] as number);
  }
  x.dispose();
  return diag;
}

describe('free log-std bounds: projection instead of a stuck clamp', () => {
  const rng = new Random(3);
  const n = 16;
  const obs = new Float64Array(n * OBS).map(() => rng.normal());

  test('past logStdMax: zero gradient and zero Fisher; projected to the bound: both non-zero', () => {
    const policy = new GaussianPolicy({ obsSize: OBS, actionSize: ACT }, new Random(1));
    const hi = policy.options.logStdMax;
    // What an update step without projection leaves behind.
    policy.params.set([hi + 0.5, hi - 1], policy.logStdOffset);
    const stuck = logStdGradient(policy, obs, n);
    assert.deepEqual(stuck, [0, n]);
    const stuckFisher = fisherLogStdDiagonal(policy, obs, n);
    assert.equal(stuckFisher[0], 0);

    // Projection leaves the distribution as the clamp saw it, and only moves the entry past hi.
    policy.forward(obs, n);
    const clamped = Array.from(policy.workspace.logStd.subarray(0, n * ACT));
    assert.equal(policy.projectParameters(), 1);
    assert.deepEqual(logStdOf(policy), [hi, hi - 1]);
    policy.forward(obs, n);
    assert.deepEqual(Array.from(policy.workspace.logStd.subarray(0, n * ACT)), clamped);
    assert.equal(policy.projectParameters(), 0, 'inside the bounds nothing moves');

    // At the bound: ∂(Σ log σ)/∂ log σ_j = n, and the Fisher of KL in log σ is 2 per dimension.
    assert.deepEqual(logStdGradient(policy, obs, n), [n, n]);
    const fisher = fisherLogStdDiagonal(policy, obs, n);
    for (const f of fisher) assert.ok(Math.abs(f - 2) < 1e-4, `Fisher diagonal ${fisher}`);
  });

  test('projected gradient ascent brings a log-std that started above logStdMax back below it', () => {
    // Maximise the mean log-likelihood of actions from N(0, 0.5²): the optimum is log σ = log 0.5.
    const target = Math.log(0.5);
    const run = (project: boolean): number[] => {
      const policy = new GaussianPolicy(
        { obsSize: OBS, actionSize: ACT, outputGain: 0 },
        new Random(1),
      );
      const hi = policy.options.logStdMax;
      policy.params.set([hi + 0.5, hi + 0.5], policy.logStdOffset);
      if (project) policy.projectParameters();
      const draws = new Random(4);
      const m = 64;
      const x = new Float64Array(m * OBS);
      const actions = new Float64Array(m * ACT);
      const gMean = new Float64Array(m * ACT);
      const gLogStd = new Float64Array(m * ACT);
      const grad = new Float64Array(policy.numParams);
      for (let step = 0; step < 60; step++) {
        for (let k = 0; k < m * ACT; k++) actions[k] = 0.5 * draws.normal();
        const ws = policy.forward(x, m);
        // ∂ log π/∂ log σ = z² − 1 with z = (a − μ)/σ (μ = 0 here: zero output layer, x = 0).
        for (let k = 0; k < m * ACT; k++) {
          const z = (actions[k]! - ws.mean[k]!) * Math.exp(-ws.logStd[k]!);
          gLogStd[k] = (z * z - 1) / m;
        }
        grad.fill(0);
        policy.backward(gMean, gLogStd, m, grad);
        for (let j = 0; j < ACT; j++) {
          const i = policy.logStdOffset + j;
          policy.params[i] = policy.params[i]! + 0.2 * grad[i]!;
        }
        if (project) policy.projectParameters();
      }
      return logStdOf(policy);
    };
    const hi = 2;
    // Without projection: stuck where it started, forever.
    assert.deepEqual(run(false), [hi + 0.5, hi + 0.5]);
    // With projection after every step: back inside and near the optimum.
    for (const ls of run(true)) {
      assert.ok(ls < hi - 1, `log σ ${ls} did not come back below logStdMax ${hi}`);
      assert.ok(Math.abs(ls - target) < 0.2, `log σ ${ls} vs optimum ${target}`);
    }
  });

  test('bounds that float32 cannot hold: the projected value lies inside them', () => {
    // ±0.3 round away from the range in float32 (±0.30000001…).
    const policy = new GaussianPolicy(
      { obsSize: OBS, actionSize: ACT, logStdMin: -0.3, logStdMax: 0.3 },
      new Random(1),
    );
    assert.ok(Math.fround(0.3) > 0.3 && Math.fround(-0.3) < -0.3);
    policy.params.set([5, -5], policy.logStdOffset);
    policy.projectParameters();
    const [up, down] = logStdOf(policy) as [number, number];
    assert.ok(up <= 0.3 && up > 0.3 - 1e-7, `${up}`);
    assert.ok(down >= -0.3 && down < -0.3 + 1e-7, `${down}`);
    // So the gradient flows at both bounds.
    assert.deepEqual(logStdGradient(policy, obs, n), [n, n]);
  });

  test('construction and import project; a state-dependent log-std is left to the clamp', () => {
    const policy = new GaussianPolicy(
      { obsSize: OBS, actionSize: ACT, logStdInit: 3, logStdMax: 2 },
      new Random(1),
    );
    assert.deepEqual(logStdOf(policy), [2, 2]);
    const exported = policy.exportParameters();
    exported.parameters['logStd']!.data.set([-30, 9]);
    policy.importParameters(exported);
    assert.deepEqual(logStdOf(policy), [-20, 2]);

    const sd = new GaussianPolicy(
      { obsSize: OBS, actionSize: ACT, stateDependentStd: true },
      new Random(1),
    );
    const before = Float32Array.from(sd.params);
    assert.equal(sd.projectParameters(), 0);
    assert.deepEqual(sd.params, before);
  });
});
