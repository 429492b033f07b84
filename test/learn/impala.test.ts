/**
 * The IMPALA actor-critic loss (impala.ts): its gradients against central finite differences of
 * the loss itself, for the policy (state-independent and state-dependent σ) and the value
 * network; the entropy term against the closed form; one update lowers the loss.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { TransitionBatch } from '../../src/learn/batch.js';
import { impalaLossAndGradients, impalaUpdate } from '../../src/learn/impala.js';
import { createUpdateContext } from '../../src/learn/updateContext.js';
import { HALF_LOG_2PI } from '../../src/policy/diagGaussian.js';
import type { GaussianPolicy } from '../../src/policy/policy.js';
import { ValueNetwork } from '../../src/policy/value.js';
import { Random } from '../../src/util/random.js';
import { randomArray, randomPolicy, useCpuBackend } from './helpers.js';

const OBS = 3;
const ACT = 2;
const N = 7;

function setup(stateDependentStd: boolean): {
  policy: GaussianPolicy;
  value: ValueNetwork;
  batch: TransitionBatch;
} {
  const rng = new Random(42);
  const policy = randomPolicy(
    { obsSize: OBS, actionSize: ACT, hiddenSizes: [5], stateDependentStd },
    7,
  );
  const value = new ValueNetwork({ obsSize: OBS, hiddenSizes: [5] }, rng.fork());
  for (let i = 0; i < value.params.length; i++) value.params[i] = 0.5 * rng.normal();
  const batch: TransitionBatch = {
    size: N,
    obs: randomArray(N * OBS, rng),
    actions: randomArray(N * ACT, rng),
    advantages: randomArray(N, rng),
    returns: randomArray(N, rng, 2),
    weights: Float32Array.from({ length: N }, () => 0.2 + rng.uniform()),
  };
  return { policy, value, batch };
}

const CONFIG = { entropyCost: 0.1, baselineCost: 0.5 };

describe('IMPALA loss', () => {
  before(useCpuBackend);

  for (const stateDependentStd of [false, true]) {
    test(`gradients equal finite differences (state-dependent σ: ${stateDependentStd})`, () => {
      const { policy, value, batch } = setup(stateDependentStd);
      const pg = new Float64Array(policy.numParams);
      const vg = new Float64Array(value.numParams);
      impalaLossAndGradients(policy, value, batch, batch.advantages, CONFIG, pg, vg);
      const h = 1e-2;
      const check = (params: Float32Array, grad: Float64Array, which: 'policy' | 'value'): void => {
        for (let i = 0; i < params.length; i++) {
          const p = params.slice();
          const at = (x: number): number => {
            p[i] = x;
            return impalaLossAndGradients(
              policy,
              value,
              batch,
              batch.advantages,
              CONFIG,
              undefined,
              undefined,
              which === 'policy' ? p : policy.params,
              which === 'value' ? p : value.params,
            ).total;
          };
          const x0 = params[i] as number;
          const fd =
            (at(Math.fround(x0 + h)) - at(Math.fround(x0 - h))) /
            (Math.fround(x0 + h) - Math.fround(x0 - h));
          const g = grad[i] as number;
          assert.ok(
            Math.abs(fd - g) <= 2e-3 * Math.max(1, Math.abs(fd)),
            `${which} parameter ${i}: finite difference ${fd}, gradient ${g}`,
          );
        }
      };
      check(policy.params, pg, 'policy');
      check(value.params, vg, 'value');
    });
  }

  test('entropy and value terms equal their closed forms', () => {
    const { policy, value, batch } = setup(false);
    const loss = impalaLossAndGradients(policy, value, batch, batch.advantages, CONFIG);
    // State-independent σ: H = Σ_j log σ_j + d/2 (1 + log 2π) for every row.
    let h = ACT * (0.5 + HALF_LOG_2PI);
    for (let j = 0; j < ACT; j++) h += policy.params[policy.logStdOffset + j] as number;
    assert.ok(Math.abs(loss.entropy - h) < 1e-9, `${loss.entropy} vs ${h}`);
    const v = new Float64Array(N);
    value.predict(batch.obs, N, v);
    let sq = 0;
    for (let r = 0; r < N; r++) sq += ((v[r] as number) - (batch.returns[r] as number)) ** 2;
    assert.ok(Math.abs(loss.valueLoss - (0.5 * 0.5 * sq) / N) < 1e-9);
    assert.ok(
      Math.abs(loss.total - (loss.policyLoss - 0.1 * loss.entropy + loss.valueLoss)) < 1e-12,
    );
  });

  test('one update (small step) lowers the loss', () => {
    const { policy, value, batch } = setup(true);
    const ctx = createUpdateContext(policy, value, new Random(1), 1e-3, 1e-3);
    const before = impalaLossAndGradients(policy, value, batch, batch.advantages, CONFIG).total;
    const stats = impalaUpdate(policy, value, batch, ctx, {
      ...CONFIG,
      learningRate: 1e-3,
      criticLearningRate: 1e-3,
    });
    const after = impalaLossAndGradients(policy, value, batch, batch.advantages, CONFIG).total;
    assert.ok(after < before, `loss ${before} → ${after}`);
    assert.ok(stats.policyGradNorm > 0 && stats.valueGradNorm > 0);
  });
});
