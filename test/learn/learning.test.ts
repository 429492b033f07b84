/**
 * Ground truth 7: TRPO learns inverted-pendulum (Gymnasium InvertedPendulum-v5 dynamics) with a
 * fixed seed and a small budget, through the real pieces: makeVecEnv, collectRollouts,
 * RolloutStorage GAE, trpoUpdate. Also: two runs with the same seed are identical.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeVecEnv } from '../../sim/index.js';
import { GaussianPolicy } from '../../src/policy/policy.js';
import { ValueNetwork } from '../../src/policy/value.js';
import { RolloutStorage } from '../../src/learn/storage.js';
import { collectRollouts, startRollouts } from '../../src/learn/rollout.js';
import { TRPO_DEFAULTS, trpoUpdate } from '../../src/learn/trpo.js';
import { createUpdateContext } from '../../src/learn/updateContext.js';
import { Random } from '../../src/util/random.js';

async function train(seed: number, maxIterations: number, stopAt: number) {
  const numEnvs = 8;
  const nSteps = 256; // 2048 samples per update, as SB3's n_steps with one env
  const env = await makeVecEnv('inverted-pendulum', { numEnvs });
  try {
    const rng = new Random(seed);
    const { obsSize, actionSize } = env.spec;
    const policy = new GaussianPolicy({ obsSize, actionSize }, rng.fork());
    const value = new ValueNetwork({ obsSize }, rng.fork());
    const ctx = createUpdateContext(policy, value, rng.fork());
    const storage = new RolloutStorage({ numSteps: nSteps, numEnvs, obsSize, actionSize });
    const cursor = await startRollouts(env, seed);
    const curve: number[] = [];
    let steps = 0;
    for (let it = 0; it < maxIterations; it++) {
      const res = await collectRollouts(env, policy, value, storage, rng, nSteps, cursor);
      storage.computeReturnsAndAdvantages(
        res.lastValues,
        TRPO_DEFAULTS.gamma,
        TRPO_DEFAULTS.gaeLambda,
      );
      const stats = trpoUpdate(policy, value, storage.batch(), ctx);
      assert.ok(stats.kl <= TRPO_DEFAULTS.targetKl, `iteration ${it}: KL ${stats.kl}`);
      storage.clear();
      steps += res.steps;
      const r = res.episodes.returns;
      curve.push(r.length > 0 ? r.reduce((a, b) => a + b, 0) / r.length : Number.NaN);
      if ((curve.at(-1) ?? 0) >= stopAt) break;
    }
    return { curve, steps, params: policy.params.slice() };
  } finally {
    await env.close();
  }
}

describe('TRPO on inverted-pendulum', () => {
  test('reaches a mean training return ≥ 500 within 30 updates of 2048 steps (seed 1)', async () => {
    const { curve, steps } = await train(1, 30, 500);
    const best = Math.max(...curve.filter((x) => !Number.isNaN(x)));
    assert.ok(
      best >= 500,
      `best mean return ${best} after ${steps} steps; curve ${curve.map((x) => x.toFixed(0))}`,
    );
  });

  test('two runs with the same seed are identical', async () => {
    const a = await train(7, 2, Infinity);
    const b = await train(7, 2, Infinity);
    assert.deepEqual(a.curve, b.curve);
    assert.deepEqual(a.params, b.params);
  });
});
