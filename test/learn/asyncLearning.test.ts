/**
 * The asynchronous learner learns: an in-process actor on inverted-pendulum acts with a snapshot
 * that lags the learner by 4 versions, and the V-trace-corrected TRPO learner still improves the
 * return with a small budget and a fixed seed (lock-step loop, so the run is deterministic).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeVecEnv } from '../../sim/index.js';
import { trainWithLag } from './laggedActor.js';

describe('asynchronous V-trace learner on inverted-pendulum', () => {
  test('trpo with a 4-version policy lag improves the return ≥ 10× in 20 updates (seed 1)', async () => {
    const env = await makeVecEnv('inverted-pendulum', { numEnvs: 8 });
    try {
      const identity = {
        robotName: 'inverted-pendulum',
        modelHash: 'test',
        task: 'inverted-pendulum',
        taskParams: '{}',
        jointNames: ['hinge'],
        obsSize: env.spec.obsSize,
        actionSize: env.spec.actionSize,
      };
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
    } finally {
      await env.close();
    }
  });
});
