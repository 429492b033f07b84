// Determinism: the same seed gives bit-identical trajectories; a snapshot (getState, through JSON)
// restored into the same or a fresh environment continues bit-identically.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeEnv, taskNames } from '../../sim/index.js';
import type { Env } from '../../sim/index.js';
import { Random } from '../../src/util/random.js';

/**
 * Roll out up to `steps` seeded random actions in ±scale × ctrlrange (by default a third of them are
 * clipped); returns every number seen.
 */
function rollout(env: Env, steps: number, actionSeed: number, scale = 1.5): number[] {
  const rng = new Random(actionSeed);
  const trace: number[] = [];
  for (let s = 0; s < steps; s++) {
    const action = Array.from({ length: env.spec.actionSize }, (_, i) => {
      const hi = env.spec.actionHigh[i] ?? 1;
      return rng.uniformRange(-scale * hi, scale * hi);
    });
    const r = env.step(action);
    trace.push(...r.obs, r.reward, r.terminated ? 1 : 0, r.truncated ? 1 : 0, r.info.clipped);
    if (r.terminated || r.truncated) break;
  }
  return trace;
}

/** Bitwise equality of two number arrays (Object.is: distinguishes -0 and matches NaN). */
function assertBitIdentical(a: readonly number[], b: readonly number[], what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths differ`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${what}: entry ${i} differs: ${a[i]} vs ${b[i]}`);
  }
}

describe('determinism', () => {
  for (const task of taskNames) {
    test(`${task}: same seed, same trajectory bit for bit; other seed differs`, async () => {
      const env = await makeEnv(task);
      try {
        const first = [...env.reset(7), ...rollout(env, 60, 1)];
        const second = [...env.reset(7), ...rollout(env, 60, 1)];
        assertBitIdentical(first, second, task);
        const other = [...env.reset(8), ...rollout(env, 60, 1)];
        assert.notDeepEqual(other.slice(0, env.spec.obsSize), first.slice(0, env.spec.obsSize));
      } finally {
        env.close();
      }
    });

    test(`${task}: getState/setState (via JSON) continues bit-identically, also in a fresh env`, async () => {
      const env = await makeEnv(task);
      const fresh = await makeEnv(task);
      try {
        env.reset(3);
        rollout(env, 5, 11, 0.05);
        const snapshot = JSON.parse(JSON.stringify(env.getState()));
        assert.equal(snapshot.stepCount, 5);
        // Continuation includes the RNG: finish this episode, then reset without a seed and go on.
        const continueFrom = (e: Env & { resetNext(): Float64Array }): number[] => {
          const trace = rollout(e, 30, 12);
          trace.push(...e.resetNext(), ...rollout(e, 10, 13));
          return trace;
        };
        const expected = continueFrom(env);
        env.setState(snapshot);
        assertBitIdentical(continueFrom(env), expected, `${task} same env`);
        fresh.reset(999);
        fresh.setState(snapshot);
        assertBitIdentical(continueFrom(fresh), expected, `${task} fresh env`);
      } finally {
        env.close();
        fresh.close();
      }
    });
  }

  test('cached heap views survive WASM heap growth between steps (same trajectory)', async () => {
    const env = await makeEnv('arm7-reach');
    const hogs: Env[] = [];
    try {
      const action = [30, -20, 10, 5, 2, -1, 0.5];
      env.reset(1);
      const reference = Array.from({ length: 5 }, () => Array.from(env.step(action).obs));
      env.reset(1);
      for (let s = 0; s < 5; s++) {
        // Before each step, 64 more environments (16 MiB of arenas) grow the heap, which detaches
        // every typed view taken before; the environment must notice and re-fetch its views.
        for (let k = 0; k < 64; k++) hogs.push(await makeEnv('arm7-reach'));
        assert.deepEqual(Array.from(env.step(action).obs), reference[s]);
      }
    } finally {
      for (const e of [env, ...hogs]) e.close();
    }
  });

  test('setState rejects a snapshot of the wrong shape, naming the field', async () => {
    const env = await makeEnv('inverted-pendulum');
    try {
      env.reset(0);
      const state = env.getState();
      const bad = { ...state, physics: { ...state.physics, qpos: [1, 2, 3] } };
      assert.throws(() => env.setState(bad), /setState: physics\.qpos has 3 entries, expected 2/);
      assert.throws(
        () => env.setState({ ...state, rng: { s: [1] } }),
        /setState: rng = .*expected/,
      );
    } finally {
      env.close();
    }
  });
});
