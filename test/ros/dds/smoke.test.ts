/**
 * The DDS harness itself, before and beside the policy node: an rclnodejs node (built by
 * `npm run setup:ros`) and the rclpy robot peer on one loopback-only domain.
 * Checks: commands arrive with exactly one entry per commanded joint, in description order, though
 * the peer shuffles the joint order and adds extra joints (value = -position of that joint, which
 * the peer sets to 0.1*(i+1) + a drift below 0.01, so a mix-up by index shows); the custom
 * torquepilot_msgs/PolicyOutput crosses from rclnodejs to rclpy; the peer's wrong-size counter
 * stays 0; a joint_states → command round trip is measured.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import {
  ManagedProcess,
  ROOT,
  RobotPeer,
  rosProcessEnv,
  rosSkipReason,
  waitUntil,
} from './harness.js';
import type { PeerStatus } from './harness.js';

const DOMAIN = 51;
const JOINTS = ['shoulder_pan', 'shoulder_lift', 'elbow', 'wrist'];
const skip = rosSkipReason();

describe('DDS harness: rclnodejs node <-> rclpy peer', { skip: skip ?? false }, () => {
  let peer: RobotPeer | undefined;
  let smoke: ManagedProcess | undefined;

  before(async () => {
    peer = await RobotPeer.start(DOMAIN, { joints: JOINTS, rateHz: 200 });
    smoke = ManagedProcess.start(
      'smoke',
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'test/ros/dds/fixtures/smokeNode.ts'),
        'effort_controller',
        JOINTS.join(','),
      ],
      rosProcessEnv(DOMAIN, { node: true }),
    );
    await smoke.waitForLine(/smoke-node ready/, 30_000);
  });

  after(async () => {
    await smoke?.stop();
    await peer?.stop();
  });

  test('commands have one entry per joint in description order, matched by name', async () => {
    assert.ok(peer);
    const status = await waitUntil<PeerStatus>(
      '50 commands at the peer',
      async () => {
        const s = await peer!.status();
        return s.commandCount >= 50 ? s : undefined;
      },
      20_000,
    );
    assert.equal(status.wrongSize, 0, 'the peer counted wrong-size commands');
    const last = status.lastCommand;
    assert.ok(last);
    assert.equal(last.length, JOINTS.length);
    // -position, position_i = 0.1*(i+1) + a drift in [0, 0.01): within 0.02 of -0.1*(i+1).
    last.forEach((value, i) => {
      const base = -0.1 * (i + 1);
      assert.ok(Math.abs(value - base) < 0.02, `joint ${JOINTS[i]}: ${value} is not near ${base}`);
    });
    assert.ok(status.roundTripP99Ms !== null && status.roundTripP99Ms > 0);
  });

  test('torquepilot_msgs/PolicyOutput from rclnodejs reaches rclpy', async () => {
    assert.ok(peer);
    const status = await waitUntil<PeerStatus>(
      'a PolicyOutput at the peer',
      async () => {
        const s = await peer!.status();
        return s.policyOutputs > 0 ? s : undefined;
      },
      20_000,
    );
    assert.deepEqual(status.lastPolicyOutput?.jointNames, JOINTS);
    assert.equal(status.lastPolicyOutput?.command.length, JOINTS.length);
    assert.equal(status.lastPolicyOutput?.safetyState, 'ok');
  });

  test('stopping joint_states stops the commands', async () => {
    assert.ok(peer);
    const stopped = (await peer.request('publish', { on: false })) as unknown as {
      stoppedAt: number;
    };
    const after = await waitUntil<PeerStatus>(
      'no command for 200 ms after joint_states stopped',
      async () => {
        const s = await peer!.status();
        return s.lastCommandAt !== null && s.now - s.lastCommandAt > 0.2 ? s : undefined;
      },
      10_000,
    );
    assert.ok(after.lastCommandAt !== null && after.lastCommandAt < stopped.stoppedAt + 0.1);
    await peer.request('publish', { on: true });
  });
});
