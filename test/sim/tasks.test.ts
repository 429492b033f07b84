// Each task's reset distribution, observation, reward and termination, checked against the
// definitions (Gymnasium InvertedPendulum-v5 and Reacher-v5; arm7-reach as documented) with the
// expected values computed independently: closed-form forward kinematics, hand-written formulas.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeEnv, observeInvertedPendulum, getTask } from '../../sim/index.js';
import type { MujocoEnv } from '../../sim/index.js';
import { Random } from '../../src/util/random.js';

const close = (actual: number, expected: number, tol: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (tol ${tol})`);
};

/** Jump to the last step of the episode by editing the snapshot's step count. */
function setStepCount(env: MujocoEnv, stepCount: number): void {
  env.setState({ ...env.getState(), stepCount });
}

describe('inverted-pendulum (InvertedPendulum-v5)', () => {
  test('spec: dt 0.04 (0.02 × 2), horizon 1000, action [-3, 3]', async () => {
    const env = await makeEnv('inverted-pendulum');
    close(env.spec.dt, 0.04, 1e-15, 'dt');
    assert.equal(env.spec.horizon, 1000);
    assert.deepEqual([env.spec.actionLow[0], env.spec.actionHigh[0]], [-3, 3]);
    env.close();
  });

  test('reset: obs = [qpos, qvel], every entry in U(±0.01)', async () => {
    const env = await makeEnv('inverted-pendulum');
    for (let seed = 0; seed < 100; seed++) {
      const obs = Array.from(env.reset(seed));
      const { physics } = env.getState();
      assert.deepEqual(obs, [...(physics['qpos'] ?? []), ...(physics['qvel'] ?? [])]);
      for (const v of obs) assert.ok(Math.abs(v) <= 0.01, `seed ${seed}: ${v}`);
    }
    env.close();
  });

  test('reward 1 while |angle| ≤ 0.2, 0 on the terminating step, which has |angle| > 0.2', async () => {
    const env = await makeEnv('inverted-pendulum');
    env.reset(1);
    let steps = 0;
    for (;;) {
      const r = env.step([3]); // full push: the pole falls backwards within a few dozen steps
      steps++;
      const angle = r.obs[1] ?? NaN;
      if (r.terminated) {
        assert.ok(Math.abs(angle) > 0.2);
        assert.equal(r.reward, 0);
        break;
      }
      assert.ok(Math.abs(angle) <= 0.2);
      assert.equal(r.reward, 1);
      assert.ok(steps < 200, 'never terminated');
    }
    env.close();
  });

  test('terminated on |angle| > 0.2 or any non-finite entry (pure function)', () => {
    const task = getTask('inverted-pendulum');
    const cases: [number[], boolean][] = [
      [[0, 0.2, 0, 0], false],
      [[0, -0.2, 5, -5], false],
      [[0, 0.2000001, 0, 0], true],
      [[0, -0.25, 0, 0], true],
      [[0.5, 0, NaN, 0], true],
      [[Infinity, 0, 0, 0], true],
    ];
    for (const [obs, expected] of cases)
      assert.equal(task.terminated(Float64Array.from(obs)), expected, `${obs}`);
    const out = observeInvertedPendulum(
      { jointPos: [0.1, -0.05], jointVel: [1, 2], target: [], endEffector: [] },
      new Float64Array(4),
    );
    assert.deepEqual(Array.from(out), [0.1, -0.05, 1, 2]);
  });

  test('truncated (not terminated) on step 1000', async () => {
    const env = await makeEnv('inverted-pendulum');
    env.reset(2);
    setStepCount(env, 998);
    const r999 = env.step([0]);
    assert.equal(r999.truncated, false);
    const r1000 = env.step([0]);
    assert.equal(r1000.terminated, false);
    assert.equal(r1000.truncated, true);
    env.close();
  });
});

/** Reacher fingertip: link 0.1 m, then 0.11 m to the fingertip, at height 0.01 m. */
function reacherFingertip(q0: number, q1: number): [number, number] {
  return [
    0.1 * Math.cos(q0) + 0.11 * Math.cos(q0 + q1),
    0.1 * Math.sin(q0) + 0.11 * Math.sin(q0 + q1),
  ];
}

describe('reacher-2dof (Reacher-v5)', () => {
  test('reset: arm U(±0.1), target in the disc r < 0.2, qvel U(±0.005) with target qvel 0', async () => {
    const env = await makeEnv('reacher-2dof');
    let maxRadius = 0;
    for (let seed = 0; seed < 300; seed++) {
      const obs = env.reset(seed);
      const { physics } = env.getState();
      const qpos = physics['qpos'] ?? [];
      const qvel = physics['qvel'] ?? [];
      const [q0, q1, gx, gy] = qpos as [number, number, number, number];
      assert.ok(Math.abs(q0) <= 0.1 && Math.abs(q1) <= 0.1);
      const radius = Math.hypot(gx, gy);
      assert.ok(radius < 0.2);
      maxRadius = Math.max(maxRadius, radius);
      assert.ok(Math.abs(qvel[0] ?? NaN) <= 0.005 && Math.abs(qvel[1] ?? NaN) <= 0.005);
      assert.deepEqual([qvel[2], qvel[3]], [0, 0]);
      // Observation layout: cos q0, cos q1, sin q0, sin q1, target, q̇0, q̇1, fingertip − target.
      assert.deepEqual(Array.from(obs.subarray(0, 4)), [
        Math.cos(q0),
        Math.cos(q1),
        Math.sin(q0),
        Math.sin(q1),
      ]);
      close(obs[4] ?? NaN, gx, 1e-15, 'target x');
      close(obs[5] ?? NaN, gy, 1e-15, 'target y');
      assert.deepEqual([obs[6], obs[7]], [qvel[0], qvel[1]]);
      const [fx, fy] = reacherFingertip(q0, q1);
      close(obs[8] ?? NaN, fx - gx, 1e-12, 'fingertip − target x');
      close(obs[9] ?? NaN, fy - gy, 1e-12, 'fingertip − target y');
    }
    assert.ok(maxRadius > 0.15, 'targets should fill the disc');
    env.close();
  });

  test('reward = −‖fingertip − target‖ − ‖a‖² with a clipped to [-1, 1]', async () => {
    const env = await makeEnv('reacher-2dof');
    const rng = new Random(4);
    env.reset(4);
    for (let s = 0; s < 49; s++) {
      const action = [rng.uniformRange(-1.5, 1.5), rng.uniformRange(-1.5, 1.5)];
      const r = env.step(action);
      const applied = action.map((a) => Math.min(1, Math.max(-1, a)));
      const [ex, ey, ez] = r.info.endEffector ?? [NaN, NaN, NaN];
      const target = [r.obs[4] ?? NaN, r.obs[5] ?? NaN, 0.01];
      const distance = Math.hypot(ex - (target[0] ?? NaN), ey - (target[1] ?? NaN), ez - 0.01);
      close(r.info.distance ?? NaN, distance, 1e-12, 'distance');
      close(
        r.reward,
        -distance - ((applied[0] ?? 0) ** 2 + (applied[1] ?? 0) ** 2),
        1e-12,
        `reward step ${s}`,
      );
      close(ez, 0.01, 1e-12, 'fingertip height');
      assert.equal(r.terminated, false);
      assert.equal(r.truncated, false);
    }
    const last = env.step([0, 0]);
    assert.equal(last.truncated, true, 'truncated at step 50');
    assert.equal(last.terminated, false);
    env.close();
  });
});

const ARM_HOME = [0, -Math.PI / 4, 0, (-3 * Math.PI) / 4, 0, Math.PI / 2, Math.PI / 4];
const LIMITS = [87, 87, 87, 87, 12, 12, 12];

type Vec3 = [number, number, number];
type Mat3 = [Vec3, Vec3, Vec3];

/** Rotation by angle q about a unit axis (Rodrigues). */
function rotation(axis: Vec3, q: number): Mat3 {
  const [x, y, z] = axis;
  const c = Math.cos(q);
  const s = Math.sin(q);
  const t = 1 - c;
  return [
    [t * x * x + c, t * x * y - s * z, t * x * z + s * y],
    [t * x * y + s * z, t * y * y + c, t * y * z - s * x],
    [t * x * z - s * y, t * y * z + s * x, t * z * z + c],
  ];
}
const mul = (a: Mat3, b: Mat3): Mat3 =>
  a.map((row) =>
    [0, 1, 2].map((j) => row[0] * b[0][j]! + row[1] * b[1][j]! + row[2] * b[2][j]!),
  ) as Mat3;
const apply = (a: Mat3, v: Vec3): Vec3 =>
  a.map((row) => row[0] * v[0] + row[1] * v[1] + row[2] * v[2]) as Vec3;

/** Flange position of the arm7 chain (Panda offsets; joint axes at q = 0 as in the MJCF). */
function arm7Flange(q: readonly number[]): Vec3 {
  const chain: [Vec3, Vec3][] = [
    [
      [0, 0, 0.333],
      [0, 0, 1],
    ],
    [
      [0, 0, 0],
      [0, 1, 0],
    ],
    [
      [0, 0, 0.316],
      [0, 0, 1],
    ],
    [
      [0.0825, 0, 0],
      [0, -1, 0],
    ],
    [
      [-0.0825, 0, 0.384],
      [0, 0, 1],
    ],
    [
      [0, 0, 0],
      [0, -1, 0],
    ],
    [
      [0.088, 0, 0],
      [0, 0, -1],
    ],
  ];
  let R: Mat3 = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  let p: Vec3 = [0, 0, 0];
  chain.forEach(([offset, axis], i) => {
    const d = apply(R, offset);
    p = [p[0] + d[0], p[1] + d[1], p[2] + d[2]];
    R = mul(R, rotation(axis, q[i] ?? 0));
  });
  const d = apply(R, [0, 0, -0.107]);
  return [p[0] + d[0], p[1] + d[1], p[2] + d[2]];
}

describe('arm7-reach', () => {
  test('the home pose puts the flange where the Panda has it: (0.307, 0, 0.590)', () => {
    const [x, y, z] = arm7Flange(ARM_HOME);
    close(x, 0.3069, 5e-4, 'x');
    close(y, 0, 1e-12, 'y');
    close(z, 0.5903, 5e-4, 'z');
  });

  test('spec: 50 Hz control, 150-step horizon, 7 torques with per-joint limits', async () => {
    const env = await makeEnv('arm7-reach');
    close(1 / env.spec.dt, 50, 1e-9, 'control rate');
    assert.equal(env.spec.horizon, 150);
    assert.equal(env.spec.obsSize, 20);
    assert.deepEqual(Array.from(env.spec.actionHigh), LIMITS);
    assert.equal(env.spec.hasSuccess, true);
    env.close();
  });

  test('reset: q = home + U(±0.1), q̇ = 0, target in the box; obs layout against closed-form FK', async () => {
    const env = await makeEnv('arm7-reach');
    for (let seed = 0; seed < 100; seed++) {
      const obs = env.reset(seed);
      const q = Array.from(obs.subarray(0, 7));
      q.forEach((v, i) => assert.ok(Math.abs(v - (ARM_HOME[i] ?? 0)) <= 0.1));
      assert.deepEqual(Array.from(obs.subarray(7, 14)), [0, 0, 0, 0, 0, 0, 0]);
      const target = Array.from(obs.subarray(17, 20));
      assert.ok(target[0]! >= 0.3 && target[0]! <= 0.6 && Math.abs(target[1]!) <= 0.25);
      assert.ok(target[2]! >= 0.25 && target[2]! <= 0.65);
      const flange = arm7Flange(q);
      for (let k = 0; k < 3; k++)
        close(obs[14 + k] ?? NaN, target[k]! - flange[k]!, 1e-12, `target − flange ${k}`);
    }
    env.close();
  });

  test('reward = −d − 0.01 Σ(τ/τmax)² − 0.001 ‖q̇‖², with d from the current (fresh) joint state', async () => {
    const env = await makeEnv('arm7-reach');
    const rng = new Random(9);
    env.reset(9);
    for (let s = 0; s < 40; s++) {
      const action = LIMITS.map((l) => rng.uniformRange(-1.2 * l, 1.2 * l));
      const r = env.step(action);
      const q = Array.from(r.obs.subarray(0, 7));
      const qdot = Array.from(r.obs.subarray(7, 14));
      const target = Array.from(r.obs.subarray(17, 20)) as Vec3;
      const flange = arm7Flange(q);
      const d = Math.hypot(target[0] - flange[0], target[1] - flange[1], target[2] - flange[2]);
      close(r.info.distance ?? NaN, d, 1e-9, 'distance');
      const torque = action.reduce((sum, a, i) => {
        const u = Math.min(LIMITS[i]!, Math.max(-LIMITS[i]!, a)) / LIMITS[i]!;
        return sum + u * u;
      }, 0);
      const velocity = qdot.reduce((sum, v) => sum + v * v, 0);
      close(r.reward, -d - 0.01 * torque - 0.001 * velocity, 1e-9, `reward step ${s}`);
      assert.equal(r.info.success, d < 0.03);
      assert.equal(r.terminated, false);
    }
    env.close();
  });

  test('success when the flange is within 0.03 m of the target; truncated at step 150', async () => {
    const env = await makeEnv('arm7-reach');
    env.reset(1);
    const state = env.getState();
    const q = (state.physics['qpos'] ?? []).slice(0, 7);
    // Target on the flange: one 20 ms step under gravity moves it by millimetres.
    env.setState({ ...state, stepCount: 148, task: { ...state.task, target: arm7Flange(q) } });
    const near = env.step([0, 0, 0, 0, 0, 0, 0]);
    assert.equal(near.info.success, true);
    assert.ok((near.info.distance ?? NaN) < 0.03);
    assert.equal(near.truncated, false);
    const flange = arm7Flange(Array.from(near.obs.subarray(0, 7)));
    env.setState({
      ...env.getState(),
      task: { ...env.getState().task, target: [flange[0] + 0.1, flange[1], flange[2]] },
    });
    const far = env.step([0, 0, 0, 0, 0, 0, 0]);
    assert.equal(far.info.success, false);
    assert.equal(far.truncated, true);
    assert.equal(far.terminated, false);
    env.close();
  });
});
