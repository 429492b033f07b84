/**
 * Sim time over real DDS (domain 53): `torquepilot sim-robot --use-sim-time` publishes /clock,
 * /joint_states and the reach target; `torquepilot node --use-sim-time --autostart` follows the
 * clock. The rclpy peer only listens (its joint_states publisher stays off): the stamps of the
 * node's torquepilot_msgs/PolicyOutput are sim time (steps × dt from 0, far below wall time) and
 * advance, and every command the node sends has one entry per joint.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { saveCheckpoint } from '../../../src/policy/checkpoint.js';
import { GaussianPolicy } from '../../../src/policy/index.js';
import { Random } from '../../../src/util/random.js';
import {
  ManagedProcess,
  ROOT,
  RobotPeer,
  rosProcessEnv,
  rosSkipReason,
  waitUntil,
} from './harness.js';
import type { PeerStatus } from './harness.js';

const DOMAIN = 53;
const JOINTS = ['joint1', 'joint2', 'joint3', 'joint4', 'joint5', 'joint6', 'joint7'];
const skip = rosSkipReason();

function cli(label: string, args: string[]): ManagedProcess {
  return ManagedProcess.start(
    label,
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/cli.ts'), ...args],
    rosProcessEnv(DOMAIN, { node: true }),
  );
}

describe(
  'use_sim_time: the sim robot /clock drives the policy node',
  { skip: skip ?? false },
  () => {
    let dir = '';
    let peer: RobotPeer | undefined;
    const processes: ManagedProcess[] = [];

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tp-simtime-'));
      const checkpoint = join(dir, 'ckpt');
      saveCheckpoint(checkpoint, {
        task: 'arm7-reach',
        jointNames: JOINTS,
        backend: 'cpu',
        iteration: 0,
        steps: 0,
        policy: new GaussianPolicy({ obsSize: 20, actionSize: 7, logStdInit: 0 }, new Random(9)),
        hyperparameters: {},
      });
      peer = await RobotPeer.start(DOMAIN, { joints: JOINTS, startStopped: true });
      processes.push(cli('sim-robot', ['sim-robot', '--task', 'arm7-reach', '--use-sim-time']));
      processes.push(
        cli('node', [
          'node',
          '--mode',
          'sim',
          '--checkpoint',
          checkpoint,
          '--use-sim-time',
          '--autostart',
        ]),
      );
    });

    after(async () => {
      for (const p of processes) await p.stop();
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
  },
);
