/**
 * Estimators against hand-worked examples (arithmetic in comments), terminal vs truncated
 * episodes, and the rollout storage's contract.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  batchMeanBaseline,
  discountedRewardToGo,
  explainedVariance,
  gae,
  normalizeAdvantages,
  trajectoryReturn,
} from '../../src/learn/estimators.js';
import { RolloutStorage } from '../../src/learn/storage.js';

const close = (a: ArrayLike<number>, b: readonly number[], tol = 1e-6): void => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++)
    assert.ok(Math.abs((a[i] as number) - b[i]!) < tol, `[${i}] ${a[i]} vs ${b[i]}`);
};

describe('returns', () => {
  test('trajectoryReturn: R = 1 + 0.9·2 + 0.81·3 = 5.23', () => {
    assert.ok(Math.abs(trajectoryReturn([1, 2, 3], 0.9) - 5.23) < 1e-12);
  });

  test('discountedRewardToGo restarts after an episode end', () => {
    // rewards 1, 2, 3 | 4, 5 (episode ends at t = 2), γ = 0.5:
    // G_4 = 5; G_3 = 4 + 0.5·5 = 6.5; G_2 = 3; G_1 = 2 + 0.5·3 = 3.5; G_0 = 1 + 0.5·3.5 = 2.75.
    const out = discountedRewardToGo([1, 2, 3, 4, 5], [0, 0, 1, 0, 0], 0.5, new Float64Array(5));
    close(out, [2.75, 3.5, 3, 6.5, 5]);
  });

  test('batchMeanBaseline, normalizeAdvantages (Bessel std), explainedVariance', () => {
    assert.equal(batchMeanBaseline([1, 2, 6]), 3);
    const out = new Float64Array(3);
    // mean 3, sample std sqrt(((−2)² + (−1)² + 3²)/2) = sqrt(7).
    normalizeAdvantages([1, 2, 6], out);
    close(out, [-2 / Math.sqrt(7), -1 / Math.sqrt(7), 3 / Math.sqrt(7)]);
    assert.equal(explainedVariance([1, 2, 3], [1, 2, 3]), 1);
    assert.ok(Math.abs(explainedVariance([0, 0, 0], [1, 2, 3])) < 1e-12);
  });
});

describe('GAE(λ), hand-worked on 3 steps, one environment, γ = 0.9, λ = 0.8', () => {
  const base = {
    rewards: [1, 2, 3],
    values: [0.5, 1.0, 1.5],
    bootstrapValues: [0, 0, 7],
    lastValues: [2],
    numSteps: 3,
    numEnvs: 1,
    gamma: 0.9,
    lambda: 0.8,
  };

  test('no episode end: bootstrap from the last value V(s_3) = 2', () => {
    // δ_2 = 3 + 0.9·2   − 1.5 = 3.3
    // δ_1 = 2 + 0.9·1.5 − 1.0 = 2.35
    // δ_0 = 1 + 0.9·1.0 − 0.5 = 1.4
    // Â_2 = 3.3; Â_1 = 2.35 + 0.72·3.3 = 4.726; Â_0 = 1.4 + 0.72·4.726 = 4.80272
    // returns = Â + V = 4.80272+0.5, 4.726+1, 3.3+1.5
    const adv = new Float64Array(3);
    const ret = new Float64Array(3);
    gae({ ...base, terminated: [0, 0, 0], truncated: [0, 0, 0] }, adv, ret);
    close(adv, [4.80272, 4.726, 3.3]);
    close(ret, [5.30272, 5.726, 4.8]);
  });

  test('a terminal step stops the bootstrap', () => {
    // terminated at t = 2: δ_2 = 3 − 1.5 = 1.5 (no γV); Â_1 = 2.35 + 0.72·1.5 = 3.43;
    // Â_0 = 1.4 + 0.72·3.43 = 3.8696
    const adv = new Float64Array(3);
    const ret = new Float64Array(3);
    gae({ ...base, terminated: [0, 0, 1], truncated: [0, 0, 0] }, adv, ret);
    close(adv, [3.8696, 3.43, 1.5]);
  });

  test('truncation bootstraps from V(final obs) = 7, not from the next episode', () => {
    // truncated at t = 2: δ_2 = 3 + 0.9·7 − 1.5 = 7.8; Â_1 = 2.35 + 0.72·7.8 = 7.966;
    // Â_0 = 1.4 + 0.72·7.966 = 7.13552
    const adv = new Float64Array(3);
    const ret = new Float64Array(3);
    gae({ ...base, terminated: [0, 0, 0], truncated: [0, 0, 1] }, adv, ret);
    close(adv, [7.13552, 7.966, 7.8]);
  });

  test('an episode end in the middle does not leak advantages across the reset', () => {
    // terminated at t = 0: Â_0 = δ_0 = 1 − 0.5 = 0.5, whatever follows.
    const adv = new Float64Array(3);
    gae({ ...base, terminated: [1, 0, 0], truncated: [0, 0, 0] }, adv, new Float64Array(3));
    close(adv, [0.5, 4.726, 3.3]);
  });

  test('λ = 1, γ = 1 gives Monte Carlo return minus V', () => {
    const adv = new Float64Array(3);
    gae(
      { ...base, gamma: 1, lambda: 1, terminated: [0, 0, 1], truncated: [0, 0, 0] },
      adv,
      new Float64Array(3),
    );
    close(adv, [6 - 0.5, 5 - 1, 3 - 1.5]);
  });

  test('two environments are independent (time-major layout)', () => {
    const adv = new Float64Array(6);
    // env 0 as above (no end); env 1 all-zero rewards and values with lastValue 0 ⇒ Â = 0.
    gae(
      {
        rewards: [1, 0, 2, 0, 3, 0],
        values: [0.5, 0, 1.0, 0, 1.5, 0],
        bootstrapValues: [0, 0, 0, 0, 0, 0],
        terminated: [0, 0, 0, 0, 0, 0],
        truncated: [0, 0, 0, 0, 0, 0],
        lastValues: [2, 0],
        numSteps: 3,
        numEnvs: 2,
        gamma: 0.9,
        lambda: 0.8,
      },
      adv,
      new Float64Array(6),
    );
    close(adv, [4.80272, 0, 4.726, 0, 3.3, 0]);
  });
});

describe('RolloutStorage', () => {
  const step = {
    obs: [1, 2, 3, 4],
    actions: [0.5, -0.5],
    rewards: [1, 2],
    terminated: [0, 1],
    truncated: [0, 0],
    values: [0.1, 0.2],
    logProbs: [-1, -2],
    bootstrapValues: [0, 0],
  };

  test('adding past capacity throws and says what to call', () => {
    const s = new RolloutStorage({ numSteps: 2, numEnvs: 2, obsSize: 2, actionSize: 1 });
    s.add(step);
    s.add(step);
    assert.throws(() => s.add(step), /storage is full \(2 steps × 2 envs\); call clear\(\)/);
    s.clear();
    s.add(step);
    assert.equal(s.step, 1);
  });

  test('rejects wrong field sizes naming the field', () => {
    const s = new RolloutStorage({ numSteps: 2, numEnvs: 2, obsSize: 2, actionSize: 1 });
    assert.throws(() => s.add({ ...step, rewards: [1] }), /rewards has 1 values, expected 2/);
    assert.throws(
      () => new RolloutStorage({ numSteps: 0, numEnvs: 2, obsSize: 2, actionSize: 1 }),
      /numSteps must be a positive integer, got 0/,
    );
  });

  test('keeps terminated and truncated apart and computes GAE over the stored steps', () => {
    const s = new RolloutStorage({ numSteps: 2, numEnvs: 2, obsSize: 2, actionSize: 1 });
    s.add(step);
    s.add({ ...step, terminated: [0, 0], truncated: [1, 0], bootstrapValues: [5, 0] });
    assert.deepEqual(Array.from(s.terminated), [0, 1, 0, 0]);
    assert.deepEqual(Array.from(s.truncated), [0, 0, 1, 0]);
    s.computeReturnsAndAdvantages([0, 0], 0.5, 1);
    const b = s.batch();
    assert.equal(b.size, 4);
    // env 0: t=1 truncated: Â = 1 + 0.5·5 − 0.1 = 3.4; t=0: δ = 1 + 0.5·0.1 − 0.1 = 0.95, Â = 0.95 + 0.5·3.4 = 2.65
    assert.ok(Math.abs(b.advantages[0]! - 2.65) < 1e-6 && Math.abs(b.advantages[2]! - 3.4) < 1e-6);
    assert.ok(Object.isFrozen(b));
  });
});
