/**
 * collectRollouts on a scripted VecEnv: one batched forward per step, truncation stores V(final
 * obs) for the bootstrap while termination does not, episode statistics, and NaN errors that name
 * the field, the environment and the likely cause.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EnvState, TaskSpec, VecEnv, VecStepResult } from '../../sim/types.js';
import { GaussianPolicy } from '../../src/policy/policy.js';
import { ValueNetwork } from '../../src/policy/value.js';
import { RolloutStorage } from '../../src/learn/storage.js';
import {
  collectRollouts,
  cursorState,
  restoreCursor,
  startRollouts,
} from '../../src/learn/rollout.js';
import { Random } from '../../src/util/random.js';

/** Two envs, obs = [step count, env index]; env 0 terminates at step 3, env 1 truncates at step 2. */
class ScriptedVecEnv implements VecEnv {
  readonly numEnvs = 2;
  readonly spec: TaskSpec = {
    name: 'scripted',
    obsSize: 2,
    actionSize: 1,
    actionLow: Float64Array.of(-1),
    actionHigh: Float64Array.of(1),
    dt: 0.01,
    horizon: 2,
    jointNames: ['j'],
    hasSuccess: true,
  };
  t = [0, 0];
  nanAt = -1;
  forwardCalls = 0;
  async reset(): Promise<Float64Array> {
    this.t = [0, 0];
    return Float64Array.of(0, 0, 0, 1);
  }
  async step(actions: Float32Array | Float64Array): Promise<VecStepResult> {
    assert.equal(actions.length, 2);
    const obs = new Float64Array(4);
    const finalObs = new Float64Array(4).fill(Number.NaN);
    const terminated = new Uint8Array(2);
    const truncated = new Uint8Array(2);
    const rewards = Float64Array.of(1, 1);
    for (let e = 0; e < 2; e++) {
      this.t[e]! += 1;
      const end = e === 0 ? this.t[e] === 3 : this.t[e] === 2;
      if (end) {
        finalObs[2 * e] = this.t[e]!;
        finalObs[2 * e + 1] = e;
        if (e === 0) terminated[e] = 1;
        else truncated[e] = 1;
        this.t[e] = 0;
      }
      obs[2 * e] = this.t[e]!;
      obs[2 * e + 1] = e;
    }
    if (this.nanAt >= 0 && this.t[1] === this.nanAt) obs[3] = Number.NaN;
    return {
      obs,
      rewards,
      terminated,
      truncated,
      finalObs,
      clipped: new Uint32Array(2),
      distance: Float64Array.of(Number.NaN, 0.5),
      success: Uint8Array.of(1, 0),
    };
  }
  async close(): Promise<void> {}
  async getState(): Promise<readonly EnvState[]> {
    return [];
  }
  async setState(): Promise<void> {}
}

function makeAgents() {
  const rng = new Random(1);
  const policy = new GaussianPolicy({ obsSize: 2, actionSize: 1, normalizeObs: false }, rng.fork());
  const value = new ValueNetwork({ obsSize: 2 }, rng.fork());
  return { policy, value, rng };
}

describe('collectRollouts', () => {
  test('truncation stores V(final obs); termination stores nothing; stats per finished episode', async () => {
    const env = new ScriptedVecEnv();
    const { policy, value, rng } = makeAgents();
    const storage = new RolloutStorage({ numSteps: 6, numEnvs: 2, obsSize: 2, actionSize: 1 });
    const cursor = await startRollouts(env, 0);
    const res = await collectRollouts(env, policy, value, storage, rng, 6, cursor);
    assert.equal(res.steps, 12);
    // env 0 terminates at t = 2 and 5 (steps 3, 6); env 1 truncates at t = 1, 3, 5.
    assert.deepEqual(
      Array.from(storage.terminated).filter((_, i) => i % 2 === 0),
      [0, 0, 1, 0, 0, 1],
    );
    assert.deepEqual(
      Array.from(storage.truncated).filter((_, i) => i % 2 === 1),
      [0, 1, 0, 1, 0, 1],
    );
    const vFinal = new Float64Array(1);
    value.predict([2, 1], 1, vFinal);
    for (let t = 0; t < 6; t++) {
      assert.equal(storage.bootstrapValues[t * 2], 0, `env 0 step ${t}`);
      const expected = t % 2 === 1 ? vFinal[0]! : 0;
      assert.ok(Math.abs(storage.bootstrapValues[t * 2 + 1]! - expected) < 1e-6, `env 1 step ${t}`);
    }
    assert.deepEqual(res.episodes.lengths.sort(), [2, 2, 2, 3, 3]);
    assert.equal(res.episodes.terminated, 2);
    assert.equal(res.episodes.truncated, 3);
    assert.deepEqual(res.episodes.finalDistances, [0.5, 0.5, 0.5]);
    assert.equal(res.episodes.successes.length, 5);
    // Stored log-probs are those of the stored actions under the stored mean/σ.
    const lp = new Float64Array(12);
    policy.logProb(storage.obs, storage.actions, 12, lp);
    for (let i = 0; i < 12; i++) assert.ok(Math.abs(lp[i]! - storage.logProbs[i]!) < 1e-5);
    // The cursor survives a JSON round trip.
    assert.deepEqual(restoreCursor(JSON.parse(JSON.stringify(cursorState(cursor)))), cursor);
  });

  test('a NaN observation throws naming the field, environment, step and likely cause', async () => {
    const env = new ScriptedVecEnv();
    env.nanAt = 1;
    const { policy, value, rng } = makeAgents();
    const storage = new RolloutStorage({ numSteps: 4, numEnvs: 2, obsSize: 2, actionSize: 1 });
    const cursor = await startRollouts(env, 0);
    await assert.rejects(
      collectRollouts(env, policy, value, storage, rng, 4, cursor),
      /non-finite observation\[1\] = NaN from environment 1 at rollout step 0; likely cause: the physics diverged/,
    );
  });

  test('refuses a policy of the wrong size', async () => {
    const env = new ScriptedVecEnv();
    const rng = new Random(1);
    const policy = new GaussianPolicy({ obsSize: 3, actionSize: 1 }, rng);
    const value = new ValueNetwork({ obsSize: 3 }, rng);
    const storage = new RolloutStorage({ numSteps: 1, numEnvs: 2, obsSize: 3, actionSize: 1 });
    await assert.rejects(
      collectRollouts(env, policy, value, storage, rng, 1, await startRollouts(env, 0)),
      /env 'scripted' has obsSize 2, actionSize 1; policy expects 3, 1/,
    );
  });
});
