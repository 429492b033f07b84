/**
 * PPO-clip and VPG update rules: their first step follows the policy gradient computed by the
 * plain-TS pseudo-loss (tested equal to tfjs in trpo.test.ts), clipping and early stopping engage.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ppoUpdate } from '../../src/learn/ppo.js';
import { vpgUpdate } from '../../src/learn/vpg.js';
import { createUpdateContext } from '../../src/learn/updateContext.js';
import { pseudoLossAndGradient } from '../../src/learn/surrogate.js';
import { normalizeAdvantages } from '../../src/learn/estimators.js';
import { ValueNetwork } from '../../src/policy/value.js';
import type { GaussianPolicy } from '../../src/policy/policy.js';
import { Random } from '../../src/util/random.js';
import { randomArray, randomPolicy, useCpuBackend } from './helpers.js';

before(useCpuBackend);

function setup(seed: number) {
  const policy = randomPolicy({ obsSize: 4, actionSize: 2, hiddenSizes: [8] }, seed);
  const value = new ValueNetwork({ obsSize: 4, hiddenSizes: [8] }, new Random(seed + 1));
  const ctx = createUpdateContext(policy, value, new Random(seed + 2));
  const rng = new Random(seed + 3);
  const n = 128;
  const obs = randomArray(n * 4, rng);
  const actions = new Float32Array(n * 2);
  policy.sample(obs, n, rng, actions);
  const advantages = new Float32Array(n).map((_, i) => actions[2 * i]! + 0.1 * rng.normal());
  const returns = randomArray(n, rng);
  return { policy, value, ctx, batch: { size: n, obs, actions, advantages, returns } };
}

function pseudoGrad(
  policy: GaussianPolicy,
  batch: ReturnType<typeof setup>['batch'],
): Float64Array {
  const adv = new Float64Array(batch.size);
  normalizeAdvantages(batch.advantages, adv);
  const g = new Float64Array(policy.numParams);
  pseudoLossAndGradient(policy, batch.obs, batch.actions, adv, batch.size, g);
  return g;
}

describe('PPO-clip', () => {
  test('one full-batch epoch = one Adam step along −∇(pseudo-loss): Δθ = −lr·sign(∇L)', () => {
    const { policy, value, ctx, batch } = setup(1);
    const g = pseudoGrad(policy, batch);
    const before = policy.params.slice();
    ppoUpdate(policy, value, batch, ctx, {
      epochs: 1,
      batchSize: batch.size,
      maxGradNorm: Infinity,
      learningRate: 1e-3,
    });
    let checked = 0;
    for (let i = 0; i < g.length; i++) {
      if (Math.abs(g[i]!) < 1e-4) continue;
      // Adam's first step is lr · m̂/(sqrt(v̂)+ε) = lr · g/(|g|+ε) ≈ lr · sign(g).
      const step = policy.params[i]! - before[i]!;
      assert.ok(
        Math.abs(step + 1e-3 * Math.sign(g[i]!)) < 1e-4,
        `param ${i}: step ${step}, grad ${g[i]}`,
      );
      checked++;
    }
    assert.ok(checked > g.length / 2);
  });

  test('many epochs move the ratio out of [1−ε, 1+ε] (clip fraction > 0); target KL stops early', () => {
    const a = setup(2);
    const s = ppoUpdate(a.policy, a.value, a.batch, a.ctx, {
      epochs: 30,
      learningRate: 1e-2,
      batchSize: 32,
    });
    assert.ok(
      s.clipFraction > 0 && s.approxKl > 0,
      `clip fraction ${s.clipFraction}, approx KL ${s.approxKl}`,
    );
    assert.equal(s.epochsRun, 30);
    const b = setup(2);
    const t = ppoUpdate(b.policy, b.value, b.batch, b.ctx, {
      epochs: 30,
      learningRate: 1e-2,
      batchSize: 32,
      targetKl: 1e-4,
    });
    assert.ok(t.epochsRun < 30, `ran ${t.epochsRun} epochs`);
  });
});

describe('VPG', () => {
  test('SGD: Δθ = −lr · ∇L exactly (tfjs autodiff vs plain-TS gradient)', () => {
    const { policy, value, ctx, batch } = setup(3);
    const g = pseudoGrad(policy, batch);
    const before = policy.params.slice();
    const s = vpgUpdate(policy, value, batch, ctx, { optimizer: 'sgd', learningRate: 0.01 });
    for (let i = 0; i < g.length; i++) {
      const step = policy.params[i]! - before[i]!;
      assert.ok(
        Math.abs(step + 0.01 * g[i]!) < 1e-6,
        `param ${i}: step ${step} vs ${-0.01 * g[i]!}`,
      );
    }
    assert.ok(Number.isFinite(s.pseudoLoss) && s.gradNorm > 0);
  });
});
