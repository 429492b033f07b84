/**
 * The environment's action shaping (`control: { actionFilterHz, torqueRateLimit }`): the torque it
 * holds is the shaper's output on the clipped action, reset with each episode, part of the
 * snapshot (exact resume), before the latency line, and the same over worker threads.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ActionShaper } from '../../sim/actionShaping.js';
import { makeEnv } from '../../sim/env.js';
import type { MujocoEnv } from '../../sim/env.js';
import { makeVecEnv } from '../../sim/vecEnv.js';
import { Random } from '../../src/util/index.js';

const SHAPING = { actionFilterHz: 4, torqueRateLimit: [400, 400, 400, 400, 60, 60, 60] };
const LIMITS = [87, 87, 87, 87, 12, 12, 12];

const ctrlOf = (env: MujocoEnv): number[] => [...(env.getState().physics['ctrl'] ?? [])];

/** Actions that often exceed the limits (to see the clip come before the shaper). */
function actions(seed: number, count: number): number[][] {
  const rng = new Random(seed);
  return Array.from({ length: count }, () =>
    LIMITS.map((l) => rng.uniformRange(-1.5 * l, 1.5 * l)),
  );
}

const clip = (a: readonly number[]) =>
  a.map((x, j) => Math.max(-LIMITS[j]!, Math.min(LIMITS[j]!, x)));

describe('environment action shaping', () => {
  test('ctrl = shaper(clip(action)), from zero after every reset', async () => {
    const env = await makeEnv('arm7-reach', { control: SHAPING });
    try {
      const reference = new ActionShaper({ ...SHAPING, dt: env.spec.dt, actionSize: 7 });
      const out = new Float64Array(7);
      for (const seed of [1, 2]) {
        env.reset(seed);
        reference.reset();
        for (const a of actions(seed, 25)) {
          env.step(a);
          assert.deepEqual(ctrlOf(env), Array.from(reference.apply(clip(a), out)));
          // Shaped values stay inside the actuator range.
          ctrlOf(env).forEach((u, j) => assert.ok(Math.abs(u) <= LIMITS[j]!, `${u}`));
        }
      }
      // The first step of an episode: 0 + clamp(α·x, ±r·dt), here the rate limit (8 N·m).
      env.reset(9);
      env.step([87, 0, 0, 0, 0, 0, 0]);
      assert.equal(ctrlOf(env)[0], 400 * env.spec.dt);
    } finally {
      env.close();
    }
  });

  test('snapshot mid-episode: a restored environment continues bit for bit', async () => {
    const a = await makeEnv('arm7-reach', { control: SHAPING });
    const b = await makeEnv('arm7-reach', { control: SHAPING });
    try {
      a.reset(4);
      const seq = actions(4, 30);
      for (const x of seq.slice(0, 10)) a.step(x);
      const snapshot = a.getState();
      assert.equal(snapshot.task['shaper']?.length, 7);
      b.setState(JSON.parse(JSON.stringify(snapshot)));
      for (const x of seq.slice(10)) {
        const ra = a.step(x);
        const rb = b.step(x);
        assert.deepEqual([rb.reward, ...rb.obs], [ra.reward, ...ra.obs]);
        assert.deepEqual(ctrlOf(b), ctrlOf(a));
      }
      // A snapshot without the shaper's state is refused by a shaping environment.
      const plain = await makeEnv('arm7-reach');
      plain.reset(4);
      const without = plain.getState();
      plain.close();
      assert.throws(() => b.setState(without), /task\.shaper has no entries, expected 7/);
    } finally {
      a.close();
      b.close();
    }
  });

  test('shaping comes before the latency line: ctrl at step t is the shaped action of t − 2', async () => {
    const env = await makeEnv('arm7-reach', {
      control: SHAPING,
      randomize: { latency: { periods: [2, 2] } },
    });
    try {
      env.reset(6);
      const reference = new ActionShaper({ ...SHAPING, dt: env.spec.dt, actionSize: 7 });
      const shaped: number[][] = [];
      const out = new Float64Array(7);
      for (const a of actions(6, 12)) {
        shaped.push(Array.from(reference.apply(clip(a), out)));
        env.step(a);
        const t = shaped.length - 1;
        assert.deepEqual(ctrlOf(env), t >= 2 ? shaped[t - 2] : [0, 0, 0, 0, 0, 0, 0]);
      }
    } finally {
      env.close();
    }
  });

  test('worker threads shape alike: a pool of 2 = in-process, bit for bit', async () => {
    const options = { numEnvs: 3, control: { ...SHAPING, controllerRateHz: 500 } };
    const local = await makeVecEnv('arm7-reach', options);
    const pool = await makeVecEnv('arm7-reach', { ...options, workers: 2 });
    try {
      assert.equal(pool.spec.dt, local.spec.dt);
      await local.reset(8);
      await pool.reset(8);
      for (const [k, a] of actions(8, 10).entries()) {
        const batch = Float64Array.from([...a, ...a.map((x) => -x), ...a.map((x) => 0.5 * x)]);
        const rl = await local.step(batch);
        const obsLocal = Array.from(rl.obs);
        const rp = await pool.step(batch);
        assert.deepEqual(Array.from(rp.obs), obsLocal, `step ${k}`);
      }
    } finally {
      await local.close();
      await pool.close();
    }
  });
});
