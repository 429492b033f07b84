// Clipping: actions are clipped to each actuator's ctrlrange, the number of clipped entries is
// reported, and the clipped action is exactly what the physics receives.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeEnv } from '../../sim/index.js';

describe('action clipping', () => {
  test('arm7-reach: per-joint limits, count and values; identical to sending the clipped action', async () => {
    const a = await makeEnv('arm7-reach');
    const b = await makeEnv('arm7-reach');
    try {
      assert.deepEqual(Array.from(a.spec.actionHigh), [87, 87, 87, 87, 12, 12, 12]);
      assert.deepEqual(Array.from(a.spec.actionLow), [-87, -87, -87, -87, -12, -12, -12]);
      // 100 → 87, -100 → -87, 13 → 12, -12.5 → -12: four clipped; entries exactly at a limit are not.
      const raw = [100, -100, 50, 87, 13, -12.5, -12];
      const clipped = [87, -87, 50, 87, 12, -12, -12];
      a.reset(5);
      b.reset(5);
      for (let s = 0; s < 10; s++) {
        const ra = a.step(raw);
        const obsA = Array.from(ra.obs);
        const rb = b.step(clipped);
        assert.equal(ra.info.clipped, 4);
        assert.equal(rb.info.clipped, 0);
        assert.deepEqual(obsA, Array.from(rb.obs));
        assert.equal(ra.reward, rb.reward);
        assert.deepEqual(a.getState().physics['ctrl'], clipped);
      }
    } finally {
      a.close();
      b.close();
    }
  });

  test('inverted-pendulum: ctrlrange [-3, 3] in actuator units (gear 100)', async () => {
    const env = await makeEnv('inverted-pendulum');
    try {
      env.reset(0);
      assert.equal(env.step([3]).info.clipped, 0);
      assert.equal(env.step([3.0000001]).info.clipped, 1);
      assert.deepEqual(env.getState().physics['ctrl'], [3]);
      assert.equal(env.step([-1e9]).info.clipped, 1);
      assert.deepEqual(env.getState().physics['ctrl'], [-3]);
    } finally {
      env.close();
    }
  });

  test('a non-finite or short action is rejected with the index and value', async () => {
    const env = await makeEnv('reacher-2dof');
    try {
      env.reset(0);
      assert.throws(() => env.step([0, NaN]), /action\[1\] = NaN is not finite/);
      assert.throws(() => env.step([Infinity, 0]), /action\[0\] = Infinity is not finite/);
      assert.throws(() => env.step([0]), /action has 1 entries, expected 2/);
    } finally {
      env.close();
    }
  });
});
