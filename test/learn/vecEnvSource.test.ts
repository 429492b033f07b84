/**
 * VecEnvSource on a tiny deterministic VecEnv: the delivery's segments hold the raw observations,
 * actions, rewards and log-probs of the rollout, cut where the script ends episodes; the on-policy
 * storage is exactly what collectRollouts alone collects (the seam adds nothing to the
 * computation); identity, versions, sequence numbers and close.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EnvState, TaskSpec, VecEnv, VecStepResult } from '../../src/learn/env.js';
import { collectRollouts, startRollouts } from '../../src/learn/rollout.js';
import { RolloutStorage } from '../../src/learn/storage.js';
import {
  SEGMENT_CUT,
  SEGMENT_TERMINATED,
  SEGMENT_TRUNCATED,
} from '../../src/learn/transitionSource.js';
import { VecEnvSource, canonicalJson, experienceIdentity } from '../../src/learn/vecEnvSource.js';
import { GaussianPolicy } from '../../src/policy/policy.js';
import { ValueNetwork } from '../../src/policy/value.js';
import { Random } from '../../src/util/random.js';

/**
 * Two envs, obs = [episode step, env index]; reward = first action entry. Env 0 terminates after
 * its 3rd step, env 1 is truncated after its 2nd. Deterministic: no randomness of its own.
 */
class CountingVecEnv implements VecEnv {
  readonly numEnvs = 2;
  readonly spec: TaskSpec;
  t = [0, 0];
  closed = false;
  constructor(spec: Partial<TaskSpec> = {}) {
    this.spec = {
      name: 'counting',
      obsSize: 2,
      actionSize: 1,
      actionLow: Float64Array.of(-1),
      actionHigh: Float64Array.of(1),
      dt: 0.01,
      horizon: 2,
      jointNames: ['j'],
      hasSuccess: false,
      ...spec,
    };
  }
  async reset(): Promise<Float64Array> {
    this.t = [0, 0];
    return Float64Array.of(0, 0, 0, 1);
  }
  async step(actions: Float32Array | Float64Array): Promise<VecStepResult> {
    const obs = new Float64Array(4);
    const finalObs = new Float64Array(4).fill(Number.NaN);
    const terminated = new Uint8Array(2);
    const truncated = new Uint8Array(2);
    const rewards = new Float64Array(2);
    for (let e = 0; e < 2; e++) {
      rewards[e] = actions[e] as number;
      this.t[e]! += 1;
      if (e === 0 ? this.t[e] === 3 : this.t[e] === 2) {
        finalObs.set([this.t[e]!, e], 2 * e);
        if (e === 0) terminated[e] = 1;
        else truncated[e] = 1;
        this.t[e] = 0;
      }
      obs.set([this.t[e]!, e], 2 * e);
    }
    return {
      obs,
      rewards,
      terminated,
      truncated,
      finalObs,
      clipped: new Uint32Array(2),
      distance: new Float64Array(2).fill(Number.NaN),
      success: new Uint8Array(2),
    };
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  async getState(): Promise<readonly EnvState[]> {
    return [];
  }
  async setState(): Promise<void> {}
}

function agents(seed = 1) {
  const rng = new Random(seed);
  const policy = new GaussianPolicy({ obsSize: 2, actionSize: 1 }, rng.fork());
  const value = new ValueNetwork({ obsSize: 2 }, rng.fork());
  return { policy, value, sample: rng.fork() };
}

describe('VecEnvSource', () => {
  test('delivers the rollout as per-env segments cut where the episodes end', async () => {
    const env = new CountingVecEnv();
    const { policy, value, sample } = agents();
    let version = 7;
    const source = new VecEnvSource({
      vecEnv: env,
      policy,
      value,
      nSteps: 5,
      rng: sample,
      policyVersion: () => version,
    });
    await source.reset(0);
    const d = await source.next();
    assert.ok(d);
    assert.equal(d.origin, 'local');
    assert.equal(d.sequence, 0);
    assert.equal(source.kind, 'simulation');
    const s = d.segments;
    assert.equal(s.size, 10);
    // Env 0 acts on step counts 0 1 2 0 1 (terminates after 3), env 1 on 0 1 0 1 0 (truncated after 2).
    const col = (k: number) => Array.from({ length: 10 }, (_, r) => s.observations[2 * r + k]);
    assert.deepEqual(col(0), [0, 1, 2, 0, 1, 0, 1, 0, 1, 0]);
    assert.deepEqual(col(1), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    assert.deepEqual(Array.from(s.bounds), [0, 3, 5, 7, 9, 10]);
    assert.deepEqual(Array.from(s.segmentEnds), [
      SEGMENT_TERMINATED,
      SEGMENT_CUT,
      SEGMENT_TRUNCATED,
      SEGMENT_TRUNCATED,
      SEGMENT_CUT,
    ]);
    // Ended: the observation before auto-reset; cut: where the next rollout starts.
    assert.deepEqual(Array.from(s.finalObservations), [3, 0, 2, 0, 2, 1, 2, 1, 1, 1]);
    assert.deepEqual(Array.from(s.policyVersions), [7, 7, 7, 7, 7]);

    // The on-policy storage is the same rollout, time-major: rewards = sampled actions, and the
    // segments' actions and log μ are the float64 values the storage holds as float32.
    const { storage, rollout } = d.onPolicy;
    assert.equal(rollout.steps, 10);
    for (let r = 0; r < 10; r++) {
      const e = r < 5 ? 0 : 1;
      const t = r % 5;
      const i = t * 2 + e;
      assert.equal(s.rewards[r], s.actions[r], `reward = action, row ${r}`);
      assert.equal(Math.fround(s.actions[r]!), storage.actions[i], `action row ${r}`);
      assert.equal(Math.fround(s.behaviourLogProbs[r]!), storage.logProbs[i], `log μ row ${r}`);
      assert.equal(Math.fround(s.behaviourMeans![r]!), storage.means[i], `mean row ${r}`);
    }

    version = 8;
    const d2 = await source.next();
    assert.equal(d2?.sequence, 1);
    assert.deepEqual(Array.from(d2!.segments.policyVersions).slice(0, 1), [8]);
    // The episode cut at the end of the first delivery goes on: env 0 acts on step 2 first.
    assert.equal(d2!.segments.observations[0], 2);
  });

  test('collects exactly what collectRollouts alone collects (same RNG draws, same storage)', async () => {
    const a = agents(3);
    const b = agents(3);
    const source = new VecEnvSource({
      vecEnv: new CountingVecEnv(),
      policy: a.policy,
      value: a.value,
      nSteps: 4,
      rng: a.sample,
    });
    await source.reset(0);
    const direct = new RolloutStorage({ numSteps: 4, numEnvs: 2, obsSize: 2, actionSize: 1 });
    const env = new CountingVecEnv();
    const cursor = await startRollouts(env, 0);
    for (let k = 0; k < 3; k++) {
      const d = await source.next();
      direct.clear();
      const res = await collectRollouts(env, b.policy, b.value, direct, b.sample, 4, cursor);
      const got = d!.onPolicy.storage;
      for (const key of [
        'obs',
        'actions',
        'rewards',
        'values',
        'logProbs',
        'bootstrapValues',
      ] as const)
        assert.deepEqual(Array.from(got[key]), Array.from(direct[key]), `${key}, rollout ${k}`);
      assert.deepEqual(Array.from(d!.onPolicy.rollout.lastValues), Array.from(res.lastValues));
      assert.deepEqual(a.sample.getState(), b.sample.getState());
      assert.deepEqual(Array.from(source.cursor.obs), Array.from(cursor.obs));
    }
  });

  test('critic: false (an actor) delivers the same segments, with no critic pass', async () => {
    const collect = async (critic: boolean) => {
      const { policy, value, sample } = agents(4);
      let forwards = 0;
      const forward = value.forward.bind(value);
      value.forward = (...args: Parameters<ValueNetwork['forward']>) => {
        forwards += 1;
        return forward(...args);
      };
      const source = new VecEnvSource({
        vecEnv: new CountingVecEnv(),
        policy,
        value,
        nSteps: 5,
        rng: sample,
        critic,
      });
      await source.reset(0);
      const d = await source.next();
      assert.ok(d);
      return { d, forwards };
    };
    const withCritic = await collect(true);
    const without = await collect(false);
    assert.deepEqual(without.d.segments, withCritic.d.segments);
    assert.ok(withCritic.forwards > 0);
    assert.equal(without.forwards, 0);
    const { storage, rollout } = without.d.onPolicy;
    assert.ok(storage.values.every((v) => v === 0));
    assert.ok(storage.bootstrapValues.every((v) => v === 0));
    assert.deepEqual(Array.from(rollout.lastValues), [0, 0]);
    assert.ok(withCritic.d.onPolicy.storage.values.some((v) => v !== 0));
  });

  test('identity from the spec: robot, model hash, task parameters as canonical JSON', () => {
    const plain = experienceIdentity(new CountingVecEnv().spec);
    assert.deepEqual(plain, {
      robotName: '',
      modelHash: '',
      task: 'counting',
      taskParams: '',
      jointNames: ['j'],
      obsSize: 2,
      actionSize: 1,
    });
    const spec = new CountingVecEnv({
      robot: { name: 'arm3', modelHash: 'ab'.repeat(32) },
      taskParams: { kind: 'reach', target: { z: 1, x: [2, 1] } } as { kind: string },
    }).spec;
    const id = experienceIdentity(spec);
    assert.equal(id.robotName, 'arm3');
    assert.equal(id.modelHash, 'ab'.repeat(32));
    assert.equal(id.taskParams, '{"kind":"reach","target":{"x":[2,1],"z":1}}');
    assert.equal(canonicalJson({ b: 1, a: { d: 2, c: 3 } }), '{"a":{"c":3,"d":2},"b":1}');
  });

  test('refuses a policy of other sizes, needs a cursor, and closes its env once', async () => {
    const { policy, value, sample } = agents();
    assert.throws(
      () =>
        new VecEnvSource({
          vecEnv: new CountingVecEnv({ obsSize: 3 }),
          policy,
          value,
          nSteps: 2,
          rng: sample,
        }),
      /VecEnvSource: env 'counting' has obsSize 3, actionSize 1; policy expects 2, 1/,
    );
    const env = new CountingVecEnv();
    const source = new VecEnvSource({ vecEnv: env, policy, value, nSteps: 2, rng: sample });
    await assert.rejects(source.next(), /VecEnvSource.cursor: no rollout cursor yet/);
    await source.reset(0);
    await source.close();
    assert.equal(env.closed, true);
    assert.equal(await source.next(), null);
    await source.close();
  });
});
