/**
 * Policy rate vs controller rate: the mapping to timestep × frame skip (pure), and the zero-order
 * hold in MuJoCo: with the controller at 1000 Hz and the policy at 50 Hz, one ctrl is held over 20
 * physics steps (recorded per substep, and equal to a manual mj_step loop). Without `control:`
 * nothing changes, bit for bit.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveControlTiming } from '../../sim/controlTiming.js';
import { makeEnv } from '../../sim/env.js';
import type { MujocoEnv } from '../../sim/env.js';
import { loadMujoco } from '../../sim/mujoco.js';
import type { MjData, MjModel } from '../../sim/mujoco.js';

const ARM = { timestep: 0.004, frameSkip: 5, horizon: 150 }; // arm7-reach: 250 Hz hold, 50 Hz policy

describe('resolveControlTiming', () => {
  test('no rates: the nominal timing, unchanged', () => {
    for (const control of [undefined, {}, { actionFilterHz: 5 }]) {
      const t = resolveControlTiming(ARM, control, 'x');
      assert.equal(t.timestep, 0.004);
      assert.equal(t.frameSkip, 5);
      assert.equal(t.horizon, 150);
      assert.equal(t.dt, 0.004 * 5);
      assert.equal(t.timestepChanged, false);
    }
  });

  const cases: Array<{
    control: { policyRateHz?: number; controllerRateHz?: number };
    frameSkip: number;
    timestep: number;
    horizon: number;
  }> = [
    // 1000 Hz hold, policy stays at 50 Hz: 20 ticks per step, 3 s = 150 steps.
    { control: { controllerRateHz: 1000 }, frameSkip: 20, timestep: 0.001, horizon: 150 },
    // 100 Hz policy on a 1000 Hz hold: 10 ticks per step, 3 s = 300 steps.
    {
      control: { policyRateHz: 100, controllerRateHz: 1000 },
      frameSkip: 10,
      timestep: 0.001,
      horizon: 300,
    },
    // 125 Hz policy on the MJCF's 250 Hz: 2 ticks per step, 3 s = 375 steps.
    { control: { policyRateHz: 125 }, frameSkip: 2, timestep: 0.004, horizon: 375 },
    // The nominal rates given explicitly: the same numbers.
    {
      control: { policyRateHz: 50, controllerRateHz: 250 },
      frameSkip: 5,
      timestep: 0.004,
      horizon: 150,
    },
  ];
  for (const c of cases) {
    test(`${JSON.stringify(c.control)} → frame skip ${c.frameSkip}, horizon ${c.horizon}`, () => {
      const t = resolveControlTiming(ARM, c.control, 'x');
      assert.equal(t.frameSkip, c.frameSkip);
      assert.equal(t.timestep, c.timestep);
      assert.equal(t.horizon, c.horizon);
      assert.ok(Math.abs(t.dt * t.policyRateHz - 1) < 1e-12);
      assert.ok(Math.abs(t.timestep * t.controllerRateHz - 1) < 1e-12);
    });
  }

  test('rates that do not divide: the error names the key, the value and both rates', () => {
    assert.throws(
      () => resolveControlTiming(ARM, { policyRateHz: 100 }, 'sim/TaskModel(arm7-reach)'),
      /sim\/TaskModel\(arm7-reach\): key 'control\.policyRateHz' = 100: the controller rate 250 Hz \(1 \/ the MJCF timestep 0\.004 s; set control\.controllerRateHz\) must be a whole multiple/,
    );
    assert.throws(
      () => resolveControlTiming(ARM, { controllerRateHz: 1010 }, 'where'),
      /where: key 'control\.controllerRateHz' = 1010: the policy rate 50 Hz .* must be a whole multiple/,
    );
    assert.throws(
      () => resolveControlTiming(ARM, { policyRateHz: 300, controllerRateHz: 250 }, 'w'),
      /key 'control\.policyRateHz' = 300: the controller rate 250 Hz must be a whole multiple/,
    );
  });
});

/** Record ctrl at every mj_step of `run` (the module's mj_step, as the environment calls it). */
async function recordCtrl(run: () => void): Promise<number[][]> {
  const mj = await loadMujoco();
  const original = mj.mj_step;
  const seen: number[][] = [];
  mj.mj_step = (model: MjModel, data: MjData) => {
    seen.push(Array.from(data.ctrl as Float64Array));
    original(model, data);
  };
  try {
    run();
  } finally {
    mj.mj_step = original;
  }
  return seen;
}

function state(env: MujocoEnv): { qpos: number[]; qvel: number[] } {
  const s = env.getState();
  return { qpos: [...(s.physics['qpos'] ?? [])], qvel: [...(s.physics['qvel'] ?? [])] };
}

describe('the zero-order hold in MuJoCo', () => {
  test('controller 1000 Hz, policy 50 Hz: each ctrl is held for 20 physics steps of 1 ms', async () => {
    const env = await makeEnv('arm7-reach', { control: { controllerRateHz: 1000 } });
    try {
      const opt = env.model.opt;
      assert.equal(opt.timestep, 0.001);
      opt.delete();
      assert.equal(env.spec.dt, 0.02);
      assert.equal(env.spec.horizon, 150);
      env.reset(3);
      const actions = [
        [10, -5, 3, 1, 0.5, -0.5, 0.1],
        [-20, 8, -3, 2, -1, 1, -0.2],
      ];
      const seen = await recordCtrl(() => {
        for (const a of actions) env.step(a);
      });
      assert.equal(seen.length, 40);
      seen.forEach((ctrl, k) =>
        assert.deepEqual(ctrl, actions[Math.floor(k / 20)], `substep ${k}`),
      );
    } finally {
      env.close();
    }
  });

  test('one environment step = 20 manual mj_step calls with the same ctrl, bit for bit', async () => {
    const mj = await loadMujoco();
    const env = await makeEnv('arm7-reach', {
      control: { policyRateHz: 50, controllerRateHz: 1000 },
    });
    const data = new mj.MjData(env.model);
    try {
      env.reset(11);
      const start = state(env);
      const action = [30, -40, 10, 20, 5, -5, 2];
      env.step(action);
      const after = state(env);
      const manual = (substeps: number) => {
        mj.mj_resetData(env.model, data);
        (data.qpos as Float64Array).set(start.qpos);
        (data.qvel as Float64Array).set(start.qvel);
        mj.mj_forward(env.model, data);
        (data.ctrl as Float64Array).set(action);
        for (let k = 0; k < substeps; k++) mj.mj_step(env.model, data);
        return Array.from(data.qpos as Float64Array);
      };
      assert.deepEqual(manual(20), after.qpos);
      // Not 19 or 21: the hold is exactly controller / policy physics steps.
      assert.notDeepEqual(manual(19), after.qpos);
      assert.notDeepEqual(manual(21), after.qpos);
    } finally {
      data.delete();
      env.close();
    }
  });

  test('without control rates, and with the nominal ones given, trajectories are unchanged', async () => {
    for (const task of ['inverted-pendulum', 'reacher-2dof', 'arm7-reach']) {
      const plain = await makeEnv(task);
      const same = await makeEnv(task, { control: {} });
      const explicit =
        task === 'arm7-reach'
          ? await makeEnv(task, { control: { policyRateHz: 50, controllerRateHz: 250 } })
          : undefined;
      try {
        const envs = [plain, same, ...(explicit ? [explicit] : [])];
        for (const e of envs) e.reset(5);
        const n = plain.spec.actionSize;
        for (let k = 0; k < 30; k++) {
          const a = Array.from({ length: n }, (_, j) => Math.sin(0.3 * k + j));
          const r = envs.map((e) => {
            const s = e.step(a);
            return [s.reward, ...s.obs];
          });
          for (const other of r.slice(1)) assert.deepEqual(other, r[0], `${task} step ${k}`);
        }
        assert.equal(same.spec.horizon, plain.spec.horizon);
        assert.equal(same.spec.dt, plain.spec.dt);
      } finally {
        plain.close();
        same.close();
        explicit?.close();
      }
    }
  });

  test('the horizon keeps the episode length in seconds; bad rates fail naming the key', async () => {
    const env = await makeEnv('reacher-2dof', { control: { policyRateHz: 100 } });
    try {
      // reacher-2dof: timestep 0.01, frame skip 2 (50 Hz), 50 steps = 1 s → 100 steps at 100 Hz.
      assert.equal(env.spec.horizon, 100);
      assert.equal(env.spec.dt, 0.01);
      env.reset(0);
      let steps = 0;
      let truncated = false;
      while (!truncated) {
        truncated = env.step([0, 0]).truncated;
        steps++;
      }
      assert.equal(steps, 100);
    } finally {
      env.close();
    }
    await assert.rejects(
      makeEnv('arm7-reach', { control: { policyRateHz: 60 } }),
      /sim\/TaskModel\(arm7-reach\): key 'control\.policyRateHz' = 60: the controller rate 250 Hz/,
    );
  });

  test('randomize jitter counts controller ticks: its bound follows the frame skip', async () => {
    // ±6 ticks needs more than 6 ticks per step: refused at 250 Hz (5), accepted at 1000 Hz (20).
    const jitter = { jitter: { substeps: 6 } };
    await assert.rejects(
      makeEnv('arm7-reach', { randomize: jitter }),
      /key 'randomize\.jitter\.substeps' = 6: expected < frame skip 5/,
    );
    const env = await makeEnv('arm7-reach', {
      randomize: jitter,
      control: { controllerRateHz: 1000 },
    });
    try {
      env.reset(1);
      const seen = await recordCtrl(() => {
        for (let k = 0; k < 20; k++) env.step([0, 0, 0, 0, 0, 0, 0]);
      });
      // 20 steps of 20 ± 6 ticks each.
      assert.ok(seen.length >= 20 * 14 && seen.length <= 20 * 26, `${seen.length} substeps`);
      assert.notEqual(seen.length, 400, 'jitter varied the hold');
    } finally {
      env.close();
    }
  });
});
