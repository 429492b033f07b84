/**
 * The asynchronous learner learns: an in-process actor on inverted-pendulum acts with a snapshot
 * that lags the learner by 4 versions, and the V-trace-corrected learner (TRPO step, and the IMPALA
 * actor-critic) still improves the return with a small budget and a fixed seed (lock-step loop,
 * so the run is deterministic).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeVecEnv } from '../../sim/index.js';
import type { VecEnv } from '../../src/learn/env.js';
import type { ExperienceIdentity } from '../../src/learn/transitionSource.js';
import { createOffPolicyLearner } from '../../src/learn/asyncLearner.js';
import { GaussianPolicy } from '../../src/policy/policy.js';
import { ValueNetwork } from '../../src/policy/value.js';
import { Random } from '../../src/util/random.js';
import { LaggedActor, trainWithLag } from './laggedActor.js';

async function withEnv<T>(
  body: (env: VecEnv, identity: ExperienceIdentity) => Promise<T>,
): Promise<T> {
  const env = await makeVecEnv('inverted-pendulum', { numEnvs: 8 });
  try {
    return await body(env, {
      robotName: 'inverted-pendulum',
      modelHash: 'test',
      task: 'inverted-pendulum',
      taskParams: '{}',
      jointNames: ['hinge'],
      obsSize: env.spec.obsSize,
      actionSize: env.spec.actionSize,
    });
  } finally {
    await env.close();
  }
}

const mean = (xs: readonly number[]): number => {
  const f = xs.filter((x) => !Number.isNaN(x));
  return f.reduce((a, b) => a + b, 0) / f.length;
};

describe('asynchronous V-trace learner on inverted-pendulum', () => {
  test('an actor with the current snapshot gives ratios of exactly 1 (lag 0), update after update', async () => {
    await withEnv(async (env, identity) => {
      const rng = new Random(3);
      const policy = new GaussianPolicy(
        { obsSize: identity.obsSize, actionSize: identity.actionSize },
        rng.fork(),
      );
      const value = new ValueNetwork({ obsSize: identity.obsSize }, rng.fork());
      const learner = createOffPolicyLearner({
        policy,
        value,
        identity,
        rng: rng.fork(),
        batchSize: 256,
        trpo: { criticEpochs: 1 },
      });
      const actor = await LaggedActor.create(env, policy, identity, 3);
      for (let u = 0; u < 3; u++) {
        actor.apply(learner.snapshot());
        const { delivery } = await actor.collect(32);
        assert.equal(learner.offer(delivery), 'queued');
        const s = learner.step();
        assert.ok(s);
        // The normaliser moved after every update, and the actor follows it through the snapshot.
        assert.equal(s.raw['vtraceMeanRho'], 1, `update ${u}`);
        assert.equal(s.raw['vtraceClipped'], 0);
      }
      assert.ok(policy.normalizer.count > 700);
    });
  });

  test('trpo with a 4-version policy lag improves the return ≥ 10× in 20 updates (seed 1)', async () => {
    await withEnv(async (env, identity) => {
      const run = await trainWithLag({
        env,
        identity,
        seed: 1,
        lag: 4,
        updates: 20,
        nSteps: 256,
        correction: 'vtrace',
      });
      const first = run.curve[0] as number;
      const last = Math.max(...run.curve.slice(-3));
      assert.ok(
        last >= 10 * first && last >= 100,
        `first ${first}, best of the last 3 ${last}; curve ${run.curve.map((x) => x.toFixed(0))}`,
      );
      assert.equal(run.stats.updates, 20);
      assert.equal(run.stats.transitions, 20 * 2048);
      assert.equal(run.stats.lagP50, 4);
      assert.equal(run.stats.droppedStale, 0);
    });
  });

  test('impala with a 4-version policy lag improves the return ≥ 5× in 200 updates of 256 (seed 1)', async () => {
    await withEnv(async (env, identity) => {
      const run = await trainWithLag({
        env,
        identity,
        seed: 1,
        lag: 4,
        updates: 200,
        nSteps: 32,
        correction: 'vtrace',
        algorithm: 'impala',
      });
      const first = mean(run.curve.slice(0, 10));
      const last = mean(run.curve.slice(-20));
      assert.ok(last >= 5 * first, `mean of the first 10 chunks ${first}, of the last 20 ${last}`);
      assert.equal(run.stats.updates, 200);
    });
  });
});
