/**
 * The real `torquepilot node` process over real DDS, driven by the rclpy robot peer
 * (test/ros/peer/robot_peer.py: joint_state_broadcaster + JointGroupEffortController stand-in,
 * and the client of the standard lifecycle and parameter services). Domain 52, loopback only.
 *
 * The policy is a random-weights arm7-reach checkpoint (as in test/ros/nodes/arm7Deploy.test.ts); the
 * peer publishes the 7 joints shuffled with 2 extra names at 200 Hz.
 * The node process is started WITHOUT the ROS environment, so it also proves that the CLI finds
 * .ros/ and re-executes itself (src/ros/transport/rclnodejs/rosEnv.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { POLICY_TOPICS } from '../../../src/ros/nodes/parameters.js';
import { ROOT, RobotPeer, rosSkipReason, startPolicyNodeCli, waitUntil } from './harness.js';
import type { ManagedProcess } from './harness.js';
import type { PeerStatus } from './harness.js';
import { saveRandomArm7Checkpoint } from '../../fixtures/arm7Checkpoint.js';

const DOMAIN = 52;
const JOINTS = ['joint1', 'joint2', 'joint3', 'joint4', 'joint5', 'joint6', 'joint7'];
const LIMITS = [87, 87, 87, 87, 12, 12, 12];
const NODE = 'torquepilot_policy';
const RATE_HZ = 50; // arm7-reach description's control rate
const WATCHDOG_S = 0.1; // the node's default watchdog_period
const skip = rosSkipReason();
const startNode = (name: string, args: string[]): ManagedProcess =>
  startPolicyNodeCli(DOMAIN, name, args);

const isZero = (c: readonly number[]): boolean => c.every((x) => x === 0);

async function nextCommands(peer: RobotPeer, n: number, what: string): Promise<PeerStatus> {
  const start = (await peer.status()).commandCount;
  return waitUntil(
    what,
    async () => {
      const s = await peer.status();
      return s.commandCount >= start + n ? s : undefined;
    },
    15_000,
  );
}

describe('torquepilot node over real DDS with the rclpy peer', { skip: skip ?? false }, () => {
  let dir = '';
  let checkpoint = '';
  let peer: RobotPeer | undefined;
  const processes: ManagedProcess[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tp-dds-'));
    checkpoint = join(dir, 'ckpt');
    saveRandomArm7Checkpoint(checkpoint, 5);
    // arm7-reach observes a reach target: the peer publishes one, latched, as a user would.
    peer = await RobotPeer.start(DOMAIN, { joints: JOINTS, rateHz: 200, target: [0.4, 0.2, 0.5] });
  });

  after(async () => {
    for (const p of processes) await p.stop();
    await peer?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  // A node process takes several seconds to start (tsx, re-exec, MuJoCo WASM) on a loaded machine.
  const lifecycle = async (node: string, transition: string): Promise<boolean> =>
    (await peer!.request('change_state', { node, transition, timeout: 40 }, 45_000))['success'] ===
    true;
  const state = async (node: string): Promise<string> =>
    String((await peer!.request('get_state', { node, timeout: 40 }, 45_000))['label']);

  test('configure fails with a mismatched robot description', async () => {
    const node = startNode('tp_mismatch', [
      '--checkpoint',
      checkpoint,
      '--robot',
      join(ROOT, 'models/robots/reacher-2dof/robot.yaml'),
    ]);
    processes.push(node);
    assert.equal(await state('tp_mismatch'), 'unconfigured');
    assert.equal(await lifecycle('tp_mismatch', 'configure'), false);
    assert.equal(await state('tp_mismatch'), 'unconfigured');
    await node.stop();
  });

  test('lifecycle: configure and activate through /<node>/change_state', async () => {
    const node = startNode(NODE, ['--mode', 'sim', '--checkpoint', checkpoint]);
    processes.push(node);
    assert.equal(await state(NODE), 'unconfigured');
    assert.equal(await lifecycle(NODE, 'configure'), true);
    assert.equal(await state(NODE), 'inactive');
    assert.equal(await lifecycle(NODE, 'activate'), true);
    assert.equal(await state(NODE), 'active');
  });

  test('commands: one entry per joint, description order, never a wrong size', async () => {
    const s = await nextCommands(peer!, 25, '25 commands');
    assert.equal(s.wrongSize, 0, 'the peer counted wrong-size commands');
    assert.equal(s.lastCommand?.length, JOINTS.length);
    const out = await waitUntil(
      'a PolicyOutput',
      async () => (await peer!.status()).lastPolicyOutput ?? undefined,
      10_000,
    );
    assert.deepEqual(out.jointNames, JOINTS);
    assert.equal(out.command.length, JOINTS.length);
    s.lastCommand!.forEach((c, i) =>
      assert.ok(Math.abs(c) <= LIMITS[i]!, `joint ${i}: |${c}| > limit`),
    );
  });

  test('/diagnostics arrives', async () => {
    const s = await waitUntil(
      'a DiagnosticArray',
      async () => {
        const st = await peer!.status();
        return st.diagnostics > 0 && st.lastDiagnostics !== null ? st : undefined;
      },
      10_000,
    );
    assert.ok(s.lastDiagnostics!.length > 0);
  });

  test('watchdog: zero torque within one period plus one tick after joint states stop', async () => {
    // Torque must be flowing before the states stop (bounded wait: a tick can hold zero while a
    // delayed joint state is in flight).
    await waitUntil(
      'non-zero torque before stopping the joint states',
      async () => {
        const st = await peer!.status();
        return st.lastCommand !== null && !isZero(st.lastCommand) ? st : undefined;
      },
      5000,
    );
    const { stoppedAt, stoppedAtWall } = (await peer!.request('publish', {
      on: false,
    })) as unknown as { stoppedAt: number; stoppedAtWall: number };
    // The node's first tick that holds zero torque for the watchdog, by its own stamp (the node's
    // clock and the peer's wall clock are the same machine clock): within one watchdog period plus
    // one tick of the last joint state, + 10 ms for that state's delivery under load.
    const outputs = await waitUntil(
      'a watchdog tick after joint states stopped',
      async () => {
        const st = await peer!.status(stoppedAt);
        const tripped = st.policyOutputsSince.filter((o) => o.safetyState === 'watchdog');
        return tripped.length > 0 ? tripped : undefined;
      },
      5_000,
    );
    const first = outputs[0]!;
    assert.ok(isZero(first.command), 'watchdog tick with torque');
    const delayS = first.stampSec - stoppedAtWall;
    assert.ok(
      delayS <= WATCHDOG_S + 1 / RATE_HZ + 0.01,
      `watchdog zero torque ${(delayS * 1e3).toFixed(1)} ms after the last joint state`,
    );
    // and the zero command reaches the controller
    await waitUntil(
      'a zero command at the peer',
      async () => {
        const st = await peer!.status(stoppedAt);
        return st.commands.some((c) => isZero(c.data)) ? true : undefined;
      },
      5_000,
    );
    await peer!.request('publish', { on: true });
    await waitUntil(
      `non-zero torque after joint states resume (${await lastOutput(peer!)})`,
      async () => {
        const st = await peer!.status();
        return st.lastCommand !== null && !isZero(st.lastCommand) ? st : undefined;
      },
      5_000,
    );
  });

  test('e-stop latches over the real topic and resets', async () => {
    const { now } = (await peer!.request('publish_bool', {
      topic: POLICY_TOPICS.estop,
      value: true,
    })) as unknown as {
      now: number;
    };
    await waitUntil(
      'zero torque after the e-stop',
      async () => {
        const st = await peer!.status(now);
        return st.commands.some((c) => isZero(c.data)) ? st : undefined;
      },
      5_000,
    );
    // latched: false on the e-stop topic does not clear it; 20 more ticks all zero
    await peer!.request('publish_bool', { topic: POLICY_TOPICS.estop, value: false });
    const mark = (await peer!.status()).now;
    const held = await nextCommands(peer!, 20, '20 ticks under the e-stop');
    const since = (await peer!.status(mark)).commands;
    assert.ok(since.length >= 15 && since.every((c) => isZero(c.data)), 'e-stop did not latch');
    assert.equal(held.wrongSize, 0);
    await peer!.request('publish_bool', { topic: POLICY_TOPICS.estopReset, value: true });
    await waitUntil(
      `non-zero torque after the reset (${await lastOutput(peer!)})`,
      async () => {
        const st = await peer!.status();
        return st.lastCommand !== null && !isZero(st.lastCommand) ? st : undefined;
      },
      5_000,
    );
  });

  test('an out-of-range parameter is refused through /<node>/set_parameters', async () => {
    const r = await peer!.request('set_parameters', {
      node: NODE,
      name: 'torque_scale',
      type: 'double',
      value: 5,
    });
    const results = r['results'] as { successful: boolean; reason: string }[];
    assert.equal(results[0]?.successful, false);
    // The reason names the parameter, the value and the allowed range (not rclnodejs's garbled
    // "Parameter torque_scale does not  readonly").
    assert.equal(results[0]?.reason, "'torque_scale' = 5: out of range [0, 1]");
    const ok = await peer!.request('set_parameters', {
      node: NODE,
      name: 'torque_scale',
      type: 'double',
      value: 0.5,
    });
    assert.equal((ok['results'] as { successful: boolean }[])[0]?.successful, true);
  });

  test('deactivate publishes zero torque and stops', async () => {
    assert.equal(await lifecycle(NODE, 'deactivate'), true);
    // The zero command is published inside the transition; the service reply can reach the peer
    // before the command does, so wait (bounded) for it rather than reading the status once.
    const s = await waitUntil(
      'a zero command after deactivate',
      async () => {
        const st = await peer!.status();
        return st.lastCommand !== null && isZero(st.lastCommand) ? st : undefined;
      },
      2000,
    );
    const count = s.commandCount;
    await nextJointStates(peer!, 40);
    assert.equal((await peer!.status()).commandCount, count, 'commands after deactivate');
  });

  test('real mode: nothing until armed via set_parameters, then the torque ramps up', async () => {
    await processes.find((p) => p.label === NODE)?.stop();
    const node = startNode('tp_real', ['--mode', 'real', '--checkpoint', checkpoint]);
    processes.push(node);
    assert.equal(await lifecycle('tp_real', 'configure'), true);
    assert.equal(await lifecycle('tp_real', 'activate'), true);
    const before = (await peer!.status()).commandCount;
    await nextJointStates(peer!, 100); // 0.5 s = 25 ticks at 50 Hz
    assert.equal((await peer!.status()).commandCount, before, 'unarmed real mode published');
    const now = (await peer!.status()).now;
    const armedReply = await peer!.request('set_parameters', {
      node: 'tp_real',
      name: 'armed',
      type: 'bool',
      value: true,
    });
    const results = armedReply['results'] as { successful: boolean; reason: string }[];
    assert.equal(results[0]?.successful, true, `armed refused: ${results[0]?.reason}`);
    // The ramp (arm_ramp_time 1 s = 50 ticks) shows as command / action per tick: the policy's
    // torques here are far below the limits, so neither clamping nor the rate limit interferes.
    const outputs = await waitUntil(
      '30 policy outputs with torque after arming',
      async () => {
        const st = await peer!.status(now);
        const live = st.policyOutputsSince.filter((o) => !isZero(o.command));
        return live.length >= 30 ? live : undefined;
      },
      15_000,
    );
    const scales = outputs.map((o) => {
      const j = o.action.findIndex((a) => Math.abs(a) > 1e-9);
      assert.ok(j >= 0, 'an all-zero action');
      return o.command[j]! / o.action[j]!;
    });
    assert.ok(scales[0]! > 0 && scales[0]! <= 0.1, `first armed tick at scale ${scales[0]}`);
    for (let k = 1; k < scales.length; k++) {
      assert.ok(
        scales[k]! >= scales[k - 1]! - 1e-9,
        `scale fell at tick ${k}: ${scales.join(', ')}`,
      );
    }
    assert.ok(scales[scales.length - 1]! > scales[0]! + 0.3, `no ramp: ${scales.join(', ')}`);
    assert.equal((await peer!.status()).wrongSize, 0);
  });
});

async function lastOutput(peer: RobotPeer): Promise<string> {
  const s = await peer.status();
  return `joint states sent ${s.jointStatesSent} publishing ${s.publishing}, command count ${s.commandCount}, last command ${JSON.stringify(s.lastCommand)}, policy output ${JSON.stringify(s.lastPolicyOutput)}`;
}

async function nextJointStates(peer: RobotPeer, n: number): Promise<void> {
  const start = (await peer.status()).jointStatesSent;
  await waitUntil(
    `${n} joint states`,
    async () => ((await peer.status()).jointStatesSent >= start + n ? true : undefined),
    10_000,
  );
}
