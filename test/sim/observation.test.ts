// The observation builder shared with the ROS node: from joint positions/velocities (as a
// /joint_states message gives them), the target and forward kinematics, it reproduces the
// simulator's observation.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildObservation, Kinematics, makeEnv } from '../../sim/index.js';

describe('buildObservation + Kinematics (what the ROS node calls)', () => {
  test('arm7-reach: equals the simulator observation exactly, mid-episode', async () => {
    const env = await makeEnv('arm7-reach');
    const fk = await Kinematics.create('arm7-reach');
    try {
      assert.deepEqual(fk.jointNames, [
        'joint1',
        'joint2',
        'joint3',
        'joint4',
        'joint5',
        'joint6',
        'joint7',
      ]);
      env.reset(3);
      for (let s = 0; s < 20; s++) {
        const r = env.step([20, -30, 10, 15, 2, -2, 1]);
        const state = env.getState();
        const jointPos = (state.physics['qpos'] ?? []).slice(0, 7);
        const jointVel = (state.physics['qvel'] ?? []).slice(0, 7);
        const target = state.task['target'] ?? [];
        const endEffector = fk.endEffector(jointPos);
        assert.deepEqual(Array.from(endEffector), r.info.endEffector);
        const obs = buildObservation('arm7-reach', { jointPos, jointVel, target, endEffector });
        assert.deepEqual(Array.from(obs), Array.from(r.obs));
      }
    } finally {
      env.close();
      fk.close();
    }
  });

  test('reacher-2dof: equals the reset observation (positions fresh after reset)', async () => {
    const env = await makeEnv('reacher-2dof');
    const fk = await Kinematics.create('reacher-2dof');
    try {
      for (let seed = 0; seed < 10; seed++) {
        const expected = Array.from(env.reset(seed));
        const { physics, task } = env.getState();
        const qpos = physics['qpos'] ?? [];
        const obs = buildObservation('reacher-2dof', {
          jointPos: qpos.slice(0, 2),
          jointVel: (physics['qvel'] ?? []).slice(0, 2),
          target: task['target'] ?? [],
          endEffector: fk.endEffector(qpos.slice(0, 2)),
        });
        assert.deepEqual(Array.from(obs), expected);
      }
    } finally {
      env.close();
      fk.close();
    }
  });

  test('wrong joint counts are rejected with the expected names', async () => {
    assert.throws(
      () =>
        buildObservation('arm7-reach', {
          jointPos: [0, 0],
          jointVel: [0, 0],
          target: [0, 0, 0],
          endEffector: [0, 0, 0],
        }),
      /expected 7 joint positions and velocities \(joint1, .*joint7\), got 2 and 2/,
    );
    const fk = await Kinematics.create('inverted-pendulum');
    assert.throws(() => fk.endEffector([0]), /got 1 joint positions, expected 2 \(slider, hinge\)/);
    fk.close();
  });
});
