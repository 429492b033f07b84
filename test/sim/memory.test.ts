// Closing frees memory: build, use and close 1000 environments (each its own MjModel and MjData),
// and the WASM heap does not grow. A leak of either would: one arm7 MjData holds a 256 KiB arena and
// one MjModel tens of KiB, so 1000 leaked ones need far more than the heap's headroom.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadMujoco, makeEnv, makeVecEnv } from '../../sim/index.js';
import { TaskModel } from '../../sim/taskModel.js';
import { wasmHeapBytes } from '../../sim/mujoco.js';

describe('memory', () => {
  test('1000 environments built and closed: the WASM heap does not grow', async () => {
    const mj = await loadMujoco();
    // A long-lived MjData to read the heap size through (any live typed view of the heap will do).
    const probeModel = TaskModel.load(mj, 'inverted-pendulum');
    const probe = new mj.MjData(probeModel.model);
    try {
      for (let i = 0; i < 20; i++) (await makeEnv('arm7-reach')).close(); // warm-up allocations
      const before = wasmHeapBytes(probe);
      for (let i = 0; i < 1000; i++) {
        const env = await makeEnv('arm7-reach');
        env.reset(i);
        env.step([10, -10, 5, -5, 1, -1, 0]);
        env.close();
      }
      assert.equal(wasmHeapBytes(probe), before);
      // Sensitivity check: keeping 64 environments alive does grow it (64 × 256 KiB arenas).
      const kept = [];
      for (let i = 0; i < 64; i++) kept.push(await makeEnv('arm7-reach'));
      assert.ok(wasmHeapBytes(probe) > before, 'the probe should see live environments');
      for (const env of kept) env.close();
    } finally {
      probe.delete();
      probeModel.close();
    }
  });

  test('closed environments refuse further use', async () => {
    const env = await makeEnv('reacher-2dof');
    env.reset(0);
    env.close();
    env.close(); // idempotent
    assert.throws(() => env.step([0, 0]), /used after close/);
    const vec = await makeVecEnv('reacher-2dof', { numEnvs: 4 });
    await vec.close();
    await assert.rejects(vec.reset(0), /used after close/);
  });
});
