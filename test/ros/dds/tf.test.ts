/**
 * /tf and /robot_description over real DDS (domain 61), with rclpy as the independent peer
 * (test/ros/peer/tf_peer.py), which imports tf2_msgs/msg/TFMessage from the ROS prefix (the
 * fallback package of `npm run setup:ros` on the PyPI core), so the type and its hash are the ones
 * RViz and Foxglove decode:
 * - `torquepilot sim-robot --task arm7-reach --ros-args -p tf_rate:=50 -p
 *   robot_description_file:=...`: the peer moves the arm with effort commands, then composes the
 *   newest /tf chain from `world` in Python; every link's world pose equals MuJoCo's forward
 *   kinematics (xpos, xquat) of the joint state with the same stamp, to 1e-6, and the arm moved;
 * - a late-joining TRANSIENT_LOCAL subscriber gets the URDF from /robot_description, byte for byte;
 * - readRobotDescription in a process of its own returns what an rclpy publisher latched before it
 *   started, and names the topic and robot_state_publisher when nobody publishes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeEnv } from '../../../sim/env.js';
import { loadMujoco, nameToId } from '../../../sim/mujoco.js';
import { findRosEnvironment } from '../../../src/ros/transport/rclnodejs/rosEnv.js';
import { ManagedProcess, ROOT, peerPython, rosProcessEnv, rosSkipReason } from './harness.js';

const DOMAIN = 61;
const TF_PEER = join(ROOT, 'test', 'ros', 'peer', 'tf_peer.py');
const URDF = `<?xml version="1.0"?>
<!-- µ-sized test arm: non-ASCII text must cross unchanged -->
<robot name="arm7">
  <link name="link0"/>
  <link name="link1"/>
  <joint name="joint1" type="revolute">
    <parent link="link0"/><child link="link1"/><origin xyz="0 0 0.333"/>
    <axis xyz="0 0 1"/><limit lower="-2.9" upper="2.9" effort="87" velocity="2.2"/>
  </joint>
</robot>
`;
const skip = rosSkipReason();

interface PeerTransform {
  parent: string;
  child: string;
  stampNs: number;
  t: number[];
  q: number[];
}
interface TfResult {
  ok: boolean;
  error?: string;
  tfCount: number;
  first: PeerTransform[];
  transforms: PeerTransform[];
  world: Record<string, { p: number[]; q: number[] }>;
  jointState: { name: string[]; position: number[] };
}

/** Run the rclpy peer in `mode` and resolve with its first JSON line. */
async function runPeer(args: string[], timeoutMs: number): Promise<Record<string, unknown>> {
  const ros = findRosEnvironment();
  assert.ok(ros);
  const peer = ManagedProcess.start(
    `tf_peer ${args[0]}`,
    peerPython(ros),
    ['-u', TF_PEER, ...args],
    rosProcessEnv(DOMAIN, { node: false }),
  );
  try {
    const line = await peer.waitForLine(/^\{/, timeoutMs);
    return JSON.parse(line) as Record<string, unknown>;
  } finally {
    await peer.stop();
  }
}

function quatGap(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let plus = 0;
  let minus = 0;
  for (let k = 0; k < 4; k++) {
    plus = Math.max(plus, Math.abs((a[k] as number) - (b[k] as number)));
    minus = Math.max(minus, Math.abs((a[k] as number) + (b[k] as number)));
  }
  return Math.min(plus, minus);
}

describe('/tf and /robot_description over DDS', { skip: skip ?? false }, () => {
  let dir = '';
  let simRobot: ManagedProcess | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tp-tf-dds-'));
    const urdf = join(dir, 'arm7.urdf');
    writeFileSync(urdf, URDF);
    simRobot = ManagedProcess.start(
      'sim-robot',
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'src/cli.ts'),
        'sim-robot',
        '--task',
        'arm7-reach',
        '--seed',
        '3',
        '--ros-args',
        '-p',
        'tf_rate:=50.0',
        '-p',
        `robot_description_file:=${urdf}`,
      ],
      rosProcessEnv(DOMAIN, { node: true }),
    );
    await simRobot.waitForLine(/simulating arm7-reach/, 60_000);
  });

  after(async () => {
    await simRobot?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  test('/tf: frames of every link; composed from world, equal to MuJoCo FK of the joint state', async () => {
    const torque = [30, -25, 12, 8, 3, -3, 1];
    const r = (await runPeer(
      ['tf', '--commands', '25', '--torque', torque.join(',')],
      60_000,
    )) as unknown as TfResult;
    assert.ok(r.ok, r.error);
    const edges = ['world>link0', ...[0, 1, 2, 3, 4, 5, 6].map((j) => `link${j}>link${j + 1}`)];
    assert.deepEqual(
      r.transforms.map((t) => `${t.parent}>${t.child}`),
      edges,
    );
    assert.deepEqual(
      r.first.map((t) => `${t.parent}>${t.child}`),
      edges,
    );

    // Ground truth: mj_kinematics of the joint state the newest /tf carries the stamp of.
    const mj = await loadMujoco();
    const env = await makeEnv('arm7-reach');
    const model = env.model;
    const data = new mj.MjData(model);
    try {
      const qpos = data.qpos as Float64Array;
      const adr = model.jnt_qposadr as Int32Array;
      r.jointState.name.forEach((name, i) => {
        const j = nameToId(mj, model, 'joint', name);
        assert.ok(j >= 0, `joint ${name} in the model`);
        qpos[adr[j] as number] = r.jointState.position[i] as number;
      });
      mj.mj_kinematics(model, data);
      const xpos = data.xpos as Float64Array;
      const xquat = data.xquat as Float64Array;
      for (let b = 1; b < model.nbody; b++) {
        const name = `link${b - 1}`;
        const w = r.world[name];
        assert.ok(w, `${name} in the composed tree`);
        for (let k = 0; k < 3; k++) {
          const e = Math.abs((w.p[k] as number) - (xpos[3 * b + k] as number));
          assert.ok(e < 1e-6, `${name} position[${k}] off by ${e}`);
        }
        const g = quatGap(w.q, xquat.subarray(4 * b, 4 * b + 4));
        assert.ok(g < 1e-6, `${name} orientation off by ${g}`);
      }
    } finally {
      data.delete();
      env.close();
    }
    // The arm moved between the first /tf and the newest: link1's rotation about z changed.
    const z0 = r.first[1]!.q[3] as number;
    const z1 = r.transforms[1]!.q[3] as number;
    assert.ok(Math.abs(z1 - z0) > 1e-3, `link1 did not turn: ${z0} → ${z1}`);
  });

  test('/robot_description: a late TRANSIENT_LOCAL subscriber gets the URDF unchanged', async () => {
    const r = await runPeer(['desc-sub', '--timeout', '20'], 40_000);
    assert.equal(r['ok'], true);
    assert.equal(r['text'], URDF);
  });

  test('readRobotDescription: the text latched before it started; a clear timeout', async () => {
    const ros = findRosEnvironment();
    assert.ok(ros);
    const file = join(dir, 'peer.urdf');
    const text = URDF.replace('arm7', 'peer_arm');
    writeFileSync(file, text);
    const publisher = ManagedProcess.start(
      'tf_peer desc-pub',
      peerPython(ros),
      ['-u', TF_PEER, 'desc-pub', '--file', file, '--topic', '/peer/robot_description'],
      rosProcessEnv(DOMAIN, { node: false }),
    );
    const read = (topic: string, timeoutMs: number) =>
      ManagedProcess.start(
        'readDescription',
        process.execPath,
        [
          '--import',
          'tsx',
          join(ROOT, 'test/ros/dds/fixtures/readDescription.ts'),
          topic,
          String(timeoutMs),
        ],
        rosProcessEnv(DOMAIN, { node: true }),
      );
    try {
      await publisher.waitForLine(/"published"/, 30_000);
      const reader = read('/peer/robot_description', 20_000);
      const line = await reader.waitForLine(/^\{/, 60_000);
      await reader.stop();
      assert.deepEqual(JSON.parse(line), { ok: true, text });
    } finally {
      publisher.child.stdin?.end();
      await publisher.stop();
    }
    const lonely = read('/nobody/robot_description', 1500);
    const line = await lonely.waitForLine(/^\{/, 60_000);
    await lonely.stop();
    const r = JSON.parse(line) as { ok: boolean; error: string };
    assert.equal(r.ok, false);
    assert.match(
      r.error,
      /^readRobotDescription: no publisher on \/nobody\/robot_description within 1\.5 s; is robot_state_publisher running in this ROS_DOMAIN_ID \(61\)\?/,
    );
  });
});
