/**
 * ROS 2's own typesupport (rclpy's deserialize_message with the colcon-built torquepilot_msgs and
 * the standard sensor_msgs / std_msgs) decodes the CDR we write, bit-exactly: the bag's messages
 * are what a ROS 2 subscriber receives from `ros2 bag play`.
 *
 * Needs the project's ROS 2 prefix (`npm run setup:ros` → .ros/env.sh with torquepilot_msgs built,
 * or $TORQUEPILOT_ROS_HOME); skipped, with that reason, when it is absent.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { EpisodeMessageCodec } from '../../src/replay/episodeMessages.js';
import type { TransitionRecord } from '../../src/replay/types.js';
import { floatHex, tempDir } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
// The project's ROS folder, found as the ROS layer finds it: $TORQUEPILOT_ROS_HOME or <root>/.ros.
const rosHome = process.env['TORQUEPILOT_ROS_HOME'] ?? join(root, '.ros');
const envSh = join(rosHome, 'env.sh');
const built = join(
  rosHome,
  'ws/install/lib/python3.11/site-packages/torquepilot_msgs/msg/_transition.py',
);
const tmp = tempDir('torquepilot-replay-rclpy-');
/** Why to skip: no ROS prefix, or its torquepilot_msgs was built from an older Transition.msg. */
function skipReason(): string | false {
  if (!existsSync(envSh) || !existsSync(built)) {
    return 'no ROS 2 prefix with torquepilot_msgs (.ros/env.sh; run npm run setup:ros)';
  }
  if (!readFileSync(built, 'utf8').includes("'_deterministic'")) {
    return `the torquepilot_msgs built in ${rosHome} predates Transition.deterministic (rebuild: npm run setup:ros)`;
  }
  return false;
}

test(
  'rclpy decodes our Transition, JointState and Float64MultiArray bit-exactly',
  {
    skip: skipReason(),
  },
  () => {
    const codec = new EpisodeMessageCodec();
    const t: TransitionRecord = {
      stampNs: 1_700_000_000_123_456_789n,
      episodeIndex: 3,
      stepIndex: 7,
      checkpointId: 'reacher-2dof-it4-0123456789ab',
      task: 'reacher-2dof',
      jointNames: ['joint0', 'joint1'],
      observation: Float64Array.from([Math.PI, -0, 1e-310, 1 / 3]),
      action: Float64Array.from([0.25, -1.5]),
      mean: Float64Array.from([0.1, 0.2]),
      logStd: Float64Array.from([-0.5, Math.log(0.3)]),
      logProb: -1.2345678901234567,
      deterministic: true,
      reward: -1 / 7,
      terminated: false,
      truncated: true,
      finalObservation: Float64Array.from([1, 2, Number.MAX_VALUE, -Number.MIN_VALUE]),
    };
    const js = {
      stampNs: 5n,
      name: ['joint0', 'joint1'],
      position: Float64Array.from([1.5, 2.5]),
      velocity: Float64Array.from([-1, 0]),
      effort: new Float64Array(0),
    };
    const cmd = { stampNs: 0n, data: Float64Array.from([0.5, -0.25]) };
    const files = ['t.cdr', 'j.cdr', 'c.cdr'].map((f) => join(tmp, f));
    writeFileSync(files[0] as string, codec.encodeTransition(t));
    writeFileSync(files[1] as string, codec.encodeJointState(js));
    writeFileSync(files[2] as string, codec.encodeCommand(cmd));
    const script = fileURLToPath(new URL('rclpy_decode.py', import.meta.url));
    const run = spawnSync(
      'bash',
      ['-c', `source "${envSh}" && exec python "${script}" "$@"`, 'rclpy', ...files],
      { encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout) as {
      transition: Record<string, unknown>;
      joint_state: Record<string, unknown>;
      command: string[];
    };
    const hex = (a: ArrayLike<number>): string[] => Array.from(a, floatHex);
    assert.deepEqual(out.transition, {
      sec: 1_700_000_000,
      nanosec: 123_456_789,
      episode_index: 3,
      step_index: 7,
      checkpoint_id: t.checkpointId,
      task: 'reacher-2dof',
      joint_names: ['joint0', 'joint1'],
      observation: hex(t.observation),
      action: hex(t.action),
      mean: hex(t.mean),
      log_std: hex(t.logStd),
      log_prob: floatHex(t.logProb),
      deterministic: true,
      reward: floatHex(t.reward),
      terminated: false,
      truncated: true,
      final_observation: hex(t.finalObservation),
    });
    assert.deepEqual(out.joint_state, {
      name: ['joint0', 'joint1'],
      position: hex(js.position),
      velocity: hex(js.velocity),
      effort: [],
    });
    assert.deepEqual(out.command, hex(cmd.data));
  },
);
