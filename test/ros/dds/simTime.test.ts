/**
 * Sim time over real DDS, in two configurations:
 * - flags (domain 53): `torquepilot sim-robot --task arm7-reach --use-sim-time` and
 *   `torquepilot node --use-sim-time --autostart`;
 * - parameters only (domain 71), as `sim_training.launch.py` starts them: `sim-robot --ros-args
 *   -p task:=arm7-reach -p use_sim_time:=true` and `node --autostart --ros-args -p
 *   use_sim_time:=true`. This is the configuration that stalled under `ros2 launch` (the sim
 *   robot's pacing timer followed its own, never-advancing sim time: no /clock, no commands).
 * The sim robot publishes /clock, /joint_states and the reach target; the node follows the clock.
 * The rclpy peer only listens (its joint_states publisher stays off): the stamps of the node's
 * torquepilot_msgs/PolicyOutput are sim time (steps × dt from 0, far below wall time) and advance,
 * and every command the node sends has one entry per joint. Then both get SIGINT (what `ros2
 * launch` sends on Ctrl-C) and must exit cleanly with code 0, not die of a signal (SIGSEGV).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ManagedProcess,
  ROOT,
  RobotPeer,
  rosProcessEnv,
  rosSkipReason,
  waitUntil,
} from './harness.js';
import type { PeerStatus } from './harness.js';
import { saveRandomArm7Checkpoint } from '../../fixtures/arm7Checkpoint.js';

const JOINTS = ['joint1', 'joint2', 'joint3', 'joint4', 'joint5', 'joint6', 'joint7'];
const skip = rosSkipReason();

interface Variant {
  readonly label: string;
  readonly domain: number;
  readonly simRobotArgs: readonly string[];
  readonly nodeArgs: readonly string[];
}

const VARIANTS: readonly Variant[] = [
  {
    label: 'flags --task / --use-sim-time',
    domain: 53,
    simRobotArgs: ['--task', 'arm7-reach', '--use-sim-time'],
    nodeArgs: ['--use-sim-time'],
  },
  {
    label: 'parameters task / use_sim_time only (as the launch file)',
    domain: 71,
    simRobotArgs: ['--ros-args', '-p', 'task:=arm7-reach', '-p', 'use_sim_time:=true'],
    nodeArgs: ['--ros-args', '-p', 'use_sim_time:=true'],
  },
];

for (const variant of VARIANTS) {
  const cli = (label: string, args: string[]): ManagedProcess =>
    ManagedProcess.start(
      label,
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src/cli.ts'), ...args],
      rosProcessEnv(variant.domain, { node: true }),
    );

  describe(
    `use_sim_time (${variant.label}): the sim robot /clock drives the policy node`,
    { skip: skip ?? false },
    () => {
      let dir = '';
      let peer: RobotPeer | undefined;
      let simRobot: ManagedProcess | undefined;
      let node: ManagedProcess | undefined;

      before(async () => {
        dir = mkdtempSync(join(tmpdir(), 'tp-simtime-'));
        const checkpoint = join(dir, 'ckpt');
        saveRandomArm7Checkpoint(checkpoint, 9);
        peer = await RobotPeer.start(variant.domain, { joints: JOINTS, startStopped: true });
        simRobot = cli('sim-robot', ['sim-robot', ...variant.simRobotArgs]);
        node = cli('node', [
          'node',
          '--mode',
          'sim',
          '--checkpoint',
          checkpoint,
          '--autostart',
          ...variant.nodeArgs,
        ]);
      });

      after(async () => {
        await node?.stop();
        await simRobot?.stop();
        await peer?.stop();
        if (dir !== '') rmSync(dir, { recursive: true, force: true });
      });

      test('PolicyOutput stamps are sim time and advance; commands have the right size', async () => {
        assert.ok(peer);
        const first = await waitUntil<PeerStatus>(
          'a PolicyOutput with torque from the node on sim time',
          async () => {
            const s = await peer!.status();
            return s.lastPolicyOutput !== null && s.lastPolicyOutput.safetyState !== 'watchdog'
              ? s
              : undefined;
          },
          60_000,
        );
        const t0 = first.lastPolicyOutput!.stampSec;
        // Sim time starts at 0 and advances by dt per step; wall time is ~1.8e9 s.
        assert.ok(t0 < 1e6, `stamp ${t0} s is wall time, not sim time`);
        const later = await waitUntil<PeerStatus>(
          'sim time to advance by 0.5 s',
          async () => {
            const s = await peer!.status();
            return s.lastPolicyOutput !== null && s.lastPolicyOutput.stampSec > t0 + 0.5
              ? s
              : undefined;
          },
          30_000,
        );
        assert.ok(later.lastPolicyOutput!.stampSec < 1e6);
        assert.equal(later.wrongSize, 0, 'wrong-size commands');
        assert.ok(later.commandCount > 0);
      });

      test('SIGINT (as ros2 launch sends it) shuts both nodes down cleanly', async () => {
        assert.ok(node && simRobot);
        const n = await node.interrupt('SIGINT', 20_000);
        assert.deepEqual(n, { code: 0, signal: null }, `policy node:\n${node.tail()}`);
        const r = await simRobot.interrupt('SIGINT', 20_000);
        assert.deepEqual(r, { code: 0, signal: null }, `sim robot:\n${simRobot.tail()}`);
      });
    },
  );
}
