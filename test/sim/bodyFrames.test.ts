/**
 * BodyFrames (the /tf transforms of a MuJoCo model) against ground truth:
 * - closed form from models/arm7-reach/model.xml: every link sits at its body `pos` in its parent,
 *   with a hinge at its origin, so its pose in the parent frame is (pos, rotation by q about the
 *   joint axis) = (pos, (cos q/2, sin q/2 · axis)); link0 is fixed at the world origin;
 * - composing the transforms from the world down reproduces MuJoCo's xpos and xquat;
 * - the Gymnasium twins keep mj_step's stale positions, yet readBodyPoses gives the poses of the
 *   joint positions they report (mj_kinematics on a copy of the model agrees).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BodyFrames, POSE_STRIDE } from '../../sim/bodyFrames.js';
import { makeEnv } from '../../sim/env.js';
import { loadMujoco } from '../../sim/mujoco.js';
import { Random } from '../../src/util/index.js';

/** Hinge axes and body positions of models/arm7-reach/model.xml, link1..link7. */
const ARM7 = [
  { pos: [0, 0, 0.333], axis: [0, 0, 1] },
  { pos: [0, 0, 0], axis: [0, 1, 0] },
  { pos: [0, 0, 0.316], axis: [0, 0, 1] },
  { pos: [0.0825, 0, 0], axis: [0, -1, 0] },
  { pos: [-0.0825, 0, 0.384], axis: [0, 0, 1] },
  { pos: [0, 0, 0], axis: [0, -1, 0] },
  { pos: [0.088, 0, 0], axis: [0, 0, -1] },
] as const;

type Quat = [number, number, number, number];
type Vec = [number, number, number];

function mul(a: Quat, b: Quat): Quat {
  return [
    a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
    a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
    a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
    a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
  ];
}

/** q v q̄ through quaternion products (a different route from BodyFrames' cross products). */
function rotate(q: Quat, v: Vec): Vec {
  const r = mul(mul(q, [0, v[0], v[1], v[2]]), [q[0], -q[1], -q[2], -q[3]]);
  return [r[1], r[2], r[3]];
}

/** Max difference of two quaternions up to sign (q and −q are one rotation). */
function quatGap(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let plus = 0;
  let minus = 0;
  for (let k = 0; k < 4; k++) {
    plus = Math.max(plus, Math.abs((a[k] as number) - (b[k] as number)));
    minus = Math.max(minus, Math.abs((a[k] as number) + (b[k] as number)));
  }
  return Math.min(plus, minus);
}

function gap(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs((a[k] as number) - (b[k] as number)));
  return m;
}

/** World pose of every body (1..n) by composing the parent-relative transforms from the world. */
function compose(frames: BodyFrames, rel: Float64Array): Map<string, { p: Vec; q: Quat }> {
  const world = new Map<string, { p: Vec; q: Quat }>([
    ['world', { p: [0, 0, 0], q: [1, 0, 0, 0] }],
  ]);
  for (let i = 0; i < frames.count; i++) {
    const parent = world.get(frames.parents[i] as string);
    assert.ok(parent, `parent ${frames.parents[i]} comes before ${frames.frames[i]}`);
    const o = i * POSE_STRIDE;
    const t: Vec = [rel[o] as number, rel[o + 1] as number, rel[o + 2] as number];
    const q: Quat = [
      rel[o + 3] as number,
      rel[o + 4] as number,
      rel[o + 5] as number,
      rel[o + 6] as number,
    ];
    const r = rotate(parent.q, t);
    world.set(frames.frames[i] as string, {
      p: [parent.p[0] + r[0], parent.p[1] + r[1], parent.p[2] + r[2]],
      q: mul(parent.q, q),
    });
  }
  return world;
}

describe('BodyFrames: MuJoCo bodies as tf transforms', () => {
  test('arm7-reach: names, parents, and each link = (body pos, rotation q about the joint axis)', async () => {
    const mj = await loadMujoco();
    const env = await makeEnv('arm7-reach');
    try {
      const frames = new BodyFrames(mj, env.model);
      assert.deepEqual(frames.frames, [
        'link0',
        'link1',
        'link2',
        'link3',
        'link4',
        'link5',
        'link6',
        'link7',
      ]);
      assert.deepEqual(frames.parents, [
        'world',
        'link0',
        'link1',
        'link2',
        'link3',
        'link4',
        'link5',
        'link6',
      ]);
      const nbody = env.model.nbody;
      const xpos = new Float64Array(3 * nbody);
      const xquat = new Float64Array(4 * nbody);
      const rel = new Float64Array(frames.count * POSE_STRIDE);
      const q = new Float64Array(7);
      const qd = new Float64Array(7);
      const rng = new Random(11);
      env.reset(3);
      for (let pose = 0; pose < 3; pose++) {
        // Torques that move every joint well away from home.
        for (let k = 0; k < 20; k++) {
          env.step(Array.from({ length: 7 }, () => 40 * (2 * rng.uniform() - 1)));
        }
        env.readObservedJoints(q, qd);
        env.readBodyPoses(xpos, xquat);
        frames.relativePoses(xpos, xquat, rel);
        assert.ok(gap(rel.subarray(0, 3), [0, 0, 0]) < 1e-12, 'link0 at the world origin');
        assert.ok(quatGap(rel.subarray(3, 7), [1, 0, 0, 0]) < 1e-12, 'link0 not rotated');
        ARM7.forEach((link, j) => {
          const o = (j + 1) * POSE_STRIDE;
          const angle = q[j] as number;
          const s = Math.sin(angle / 2);
          const expected = [
            Math.cos(angle / 2),
            s * link.axis[0],
            s * link.axis[1],
            s * link.axis[2],
          ];
          assert.ok(gap(rel.subarray(o, o + 3), link.pos) < 1e-9, `link${j + 1} translation`);
          const g = quatGap(rel.subarray(o + 3, o + 7), expected);
          assert.ok(g < 1e-9, `link${j + 1} rotation off by ${g} at q = ${angle}`);
        });
        // Composing the chain gives MuJoCo's world poses back.
        const world = compose(frames, rel);
        for (let b = 1; b < nbody; b++) {
          const w = world.get(frames.frames[b - 1] as string)!;
          assert.ok(gap(w.p, xpos.subarray(3 * b, 3 * b + 3)) < 1e-12, `body ${b} position`);
          assert.ok(
            quatGap(w.q, xquat.subarray(4 * b, 4 * b + 4)) < 1e-12,
            `body ${b} orientation`,
          );
        }
      }
    } finally {
      env.close();
    }
  });

  test('reacher-2dof: the poses of the reported joint positions, not mj_step stale ones', async () => {
    const mj = await loadMujoco();
    const env = await makeEnv('reacher-2dof');
    try {
      const model = env.model;
      const frames = new BodyFrames(mj, model);
      assert.deepEqual(frames.frames, ['body0', 'body1', 'fingertip', 'target']);
      assert.deepEqual(frames.parents, ['world', 'body0', 'body1', 'world']);
      const xpos = new Float64Array(3 * model.nbody);
      const xquat = new Float64Array(4 * model.nbody);
      env.reset(5);
      for (let k = 0; k < 10; k++) env.step([0.8, -0.6]);
      env.readBodyPoses(xpos, xquat);
      // Ground truth: forward kinematics of the same state on a data of its own.
      const state = env.getState();
      const data = new mj.MjData(model);
      try {
        (data.qpos as Float64Array).set(state.physics['qpos'] as number[]);
        mj.mj_kinematics(model, data);
        assert.ok(gap(xpos, data.xpos as Float64Array) < 1e-12, 'xpos of the current qpos');
        assert.ok(gap(xquat, data.xquat as Float64Array) < 1e-12, 'xquat of the current qpos');
      } finally {
        data.delete();
      }
      // The environment steps on unchanged: a twin stepped without reading poses agrees.
      const twin = await makeEnv('reacher-2dof');
      try {
        twin.reset(5);
        for (let k = 0; k < 10; k++) twin.step([0.8, -0.6]);
        const a = env.step([0.3, 0.2]);
        const b = twin.step([0.3, 0.2]);
        assert.deepEqual(Array.from(a.obs), Array.from(b.obs));
        assert.equal(a.reward, b.reward);
      } finally {
        twin.close();
      }
    } finally {
      env.close();
    }
  });

  test('relativePoses refuses a short output buffer', async () => {
    const mj = await loadMujoco();
    const env = await makeEnv('inverted-pendulum');
    try {
      const frames = new BodyFrames(mj, env.model);
      assert.throws(
        () =>
          frames.relativePoses(
            new Float64Array(3 * env.model.nbody),
            new Float64Array(4 * env.model.nbody),
            new Float64Array(3),
          ),
        /BodyFrames\.relativePoses: out has 3 entries, expected 14/,
      );
    } finally {
      env.close();
    }
  });
});
