/**
 * /tf from the sim robot and the trainer node (src/ros/nodes/tfPublisher.ts) on the in-process
 * transport:
 * - TfPublisher: parent/child frames and the w-first quaternion mapped to TransformStamped fields,
 *   at most `rateHz` messages per second of the stamps (7/8-period tolerance), a stamp that went
 *   back publishes;
 * - a toy planar arm whose link j turns by q_j about z: each transform is (0.1, 0, 0) and
 *   (cos q/2, 0, 0, sin q/2) with q from the joint state of the same stamp;
 * - tf_rate 0 or a robot without links: no /tf;
 * - the MuJoCo arm7 behind the sim robot node: its eight links, link1 turned by joint1.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MujocoRobot } from '../../../src/ros/nodes/simDeployment.js';
import { SimRobotNode } from '../../../src/ros/nodes/simRobotNode.js';
import { LINK_POSE_STRIDE, TF_TOPIC, TfPublisher } from '../../../src/ros/nodes/tfPublisher.js';
import type { LinkPoseSource } from '../../../src/ros/nodes/tfPublisher.js';
import { TrainerNode } from '../../../src/ros/nodes/trainerNode.js';
import { InProcessTransport } from '../../../src/ros/transport/inProcessTransport.js';
import type { JointStateMessage, TfMessage } from '../../../src/ros/transport/messages.js';
import { ToyRobot, fakeWorld } from '../fakes.js';

const MS = 1_000_000n;
const CMD = '/effort_controller/commands';

/** ToyRobot as a planar chain: link j at (0.1, 0, 0) in link j−1, turned by q_j about z. */
class LinkedToyRobot extends ToyRobot {
  readonly links: LinkPoseSource = {
    linkFrames: ['shoulder_link', 'elbow_link', 'wrist_link'],
    linkParents: ['world', 'shoulder_link', 'elbow_link'],
    readLinkPoses: (out) => {
      for (let j = 0; j < 3; j++) {
        const half = (this.q[j] as number) / 2;
        out.set([0.1, 0, 0, Math.cos(half), 0, 0, Math.sin(half)], j * LINK_POSE_STRIDE);
      }
    },
  };
}

function listenTf(transport: InProcessTransport): TfMessage[] {
  const got: TfMessage[] = [];
  transport.subscribe('tf2_msgs/msg/TFMessage', TF_TOPIC, 'reliable', (m) => got.push(m));
  return got;
}

describe('TfPublisher', () => {
  const source: LinkPoseSource = {
    linkFrames: ['a', 'b'],
    linkParents: ['world', 'a'],
    readLinkPoses: (out) => out.set([1, 2, 3, 0.5, 0.5, -0.5, 0.5, 4, 5, 6, 1, 0, 0, 0]),
  };

  test('fields: parent → header.frame_id, link → child_frame_id, w-first quaternion', () => {
    const transport = new InProcessTransport({ clock: 'manual' });
    const tf = new TfPublisher(transport.createNode('n'), source, 20);
    const got = listenTf(transport);
    tf.publish(7n);
    transport.advanceBy(0n);
    assert.deepEqual(got, [
      {
        transforms: [
          {
            stampNs: 7n,
            frameId: 'world',
            childFrameId: 'a',
            translation: { x: 1, y: 2, z: 3 },
            rotation: { w: 0.5, x: 0.5, y: -0.5, z: 0.5 },
          },
          {
            stampNs: 7n,
            frameId: 'a',
            childFrameId: 'b',
            translation: { x: 4, y: 5, z: 6 },
            rotation: { w: 1, x: 0, y: 0, z: 0 },
          },
        ],
      },
    ]);
  });

  test('at most rateHz per second of the stamps; a stamp that went back publishes', () => {
    const transport = new InProcessTransport({ clock: 'manual' });
    const tf = new TfPublisher(transport.createNode('n'), source, 20); // 50 ms, gap ≥ 43.75 ms
    const sent = [0, 10, 40, 44, 60, 88, 100, 20].map((ms) => tf.publish(BigInt(ms) * MS));
    assert.deepEqual(sent, [true, false, false, true, false, true, false, true]);
    assert.equal(tf.published, 4);
    assert.throws(() => new TfPublisher(transport.createNode('m'), source, 0), /rateHz = 0/);
    assert.throws(
      () => new TfPublisher(transport.createNode('k'), { ...source, linkParents: ['world'] }, 5),
      /2 link frames but 1 parent frames/,
    );
  });
});

describe('/tf from the nodes', () => {
  function simRobot(robot: ToyRobot, tfRateHz?: number) {
    const transport = new InProcessTransport({ clock: 'manual' });
    const node = new SimRobotNode(transport.createNode('sim_robot'), {
      robot,
      jointStatesTopic: '/joint_states',
      commandTopic: CMD,
      realtime: false,
      publishClock: false,
      seed: 1,
      ...(tfRateHz !== undefined ? { tfRateHz } : {}),
    });
    const states: JointStateMessage[] = [];
    transport.subscribe('sensor_msgs/msg/JointState', '/joint_states', 'sensor', (m) =>
      states.push(m),
    );
    const tf = listenTf(transport);
    // 5 ms apart, under the 10 ms lockstep heartbeat: exactly one state per command.
    const command = (data: number[]) => {
      transport.advanceBy(5n * MS);
      transport.publish('std_msgs/msg/Float64MultiArray', CMD, { data }, 'system_default');
    };
    return { transport, node, states, tf, command };
  }

  test('sim robot: one /tf per state at tf_rate ≥ the state rate, the pose of that state', () => {
    const s = simRobot(new LinkedToyRobot(), 1000);
    s.node.start();
    s.command([3, -2, 1]);
    s.command([1, 1, -4]);
    s.transport.advanceBy(0n);
    assert.equal(s.states.length, 3);
    assert.equal(s.tf.length, 3);
    s.tf.forEach((message, k) => {
      const state = s.states[k]!;
      assert.deepEqual(
        message.transforms.map((t) => [t.frameId, t.childFrameId]),
        [
          ['world', 'shoulder_link'],
          ['shoulder_link', 'elbow_link'],
          ['elbow_link', 'wrist_link'],
        ],
      );
      // state order gripper, wrist, shoulder, elbow; links shoulder, elbow, wrist.
      const q = [state.position[2], state.position[3], state.position[1]] as number[];
      message.transforms.forEach((t, j) => {
        assert.equal(t.stampNs, state.stampNs);
        assert.deepEqual(t.translation, { x: 0.1, y: 0, z: 0 });
        assert.ok(Math.abs(t.rotation.w - Math.cos(q[j]! / 2)) < 1e-15);
        assert.ok(Math.abs(t.rotation.z - Math.sin(q[j]! / 2)) < 1e-15);
      });
    });
    assert.ok(s.tf[2]!.transforms[0]!.rotation.z !== 0, 'the arm moved');
  });

  test('sim robot: default tf_rate 20 Hz throttles 200 Hz states; 0 or no links: no /tf', () => {
    const s = simRobot(new LinkedToyRobot());
    s.node.start();
    for (let k = 0; k < 20; k++) s.command([1, 0, 0]);
    s.transport.advanceBy(0n);
    assert.equal(s.states.length, 21);
    assert.deepEqual(
      s.tf.map((m) => Number(m.transforms[0]!.stampNs / MS)),
      [0, 45, 90],
      'the first state ≥ 43.75 ms after the last /tf',
    );
    const off = simRobot(new LinkedToyRobot(), 0);
    off.node.start();
    off.command([1, 0, 0]);
    off.transport.advanceBy(0n);
    assert.equal(off.states.length, 2);
    assert.equal(off.tf.length, 0);
    const plain = simRobot(new ToyRobot(), 1000);
    plain.node.start();
    plain.command([1, 0, 0]);
    plain.transport.advanceBy(0n);
    assert.equal(plain.tf.length, 0);
  });

  test('trainer node: the /joint_states environment publishes its links on /tf', () => {
    const transport = new InProcessTransport({ clock: 'manual' });
    const robot = new LinkedToyRobot(0.05, 1000);
    const trainer = new TrainerNode(transport.createNode('torquepilot_trainer'), {
      runDir: '/nonexistent-run',
      task: 'fake',
      totalSteps: 10,
      showcase: { robot, loader: fakeWorld().loader, seed: 0 },
    });
    const tf = listenTf(transport);
    trainer.start();
    transport.advanceBy(200n * MS); // 4 steps at dt = 50 ms, tf at 20 Hz: every state
    assert.equal(tf.length, 5);
    assert.deepEqual(
      tf[0]!.transforms.map((t) => t.childFrameId),
      ['shoulder_link', 'elbow_link', 'wrist_link'],
    );
    trainer.stop();
  });

  test('MuJoCo arm7: eight links from world, link1 turned by joint1 about z', async () => {
    const robot = await MujocoRobot.create('arm7-reach');
    try {
      const transport = new InProcessTransport({ clock: 'manual' });
      const node = new SimRobotNode(transport.createNode('sim_robot'), {
        robot,
        jointStatesTopic: robot.jointStatesTopic,
        commandTopic: robot.commandTopic,
        realtime: false,
        publishClock: false,
        seed: 4,
        tfRateHz: 1000,
      });
      const states: JointStateMessage[] = [];
      transport.subscribe('sensor_msgs/msg/JointState', robot.jointStatesTopic, 'sensor', (m) =>
        states.push(m),
      );
      const tf = listenTf(transport);
      node.start();
      for (let k = 0; k < 5; k++) {
        transport.advanceBy(10n * MS); // under the 20 ms heartbeat: one state per command
        transport.publish(
          'std_msgs/msg/Float64MultiArray',
          robot.commandTopic,
          { data: [30, -20, 10, 5, 2, -2, 1] },
          'system_default',
        );
      }
      transport.advanceBy(0n);
      assert.equal(tf.length, states.length);
      const last = tf[tf.length - 1]!;
      const state = states[states.length - 1]!;
      assert.deepEqual(
        last.transforms.map((t) => `${t.frameId}>${t.childFrameId}`),
        ['world>link0', ...[0, 1, 2, 3, 4, 5, 6].map((j) => `link${j}>link${j + 1}`)],
      );
      const q1 = state.position[state.name.indexOf('joint1')] as number;
      const link1 = last.transforms[1]!;
      assert.ok(Math.abs(link1.translation.z - 0.333) < 1e-12);
      assert.ok(Math.abs(link1.rotation.w - Math.cos(q1 / 2)) < 1e-9, `w at q1 = ${q1}`);
      assert.ok(Math.abs(link1.rotation.z - Math.sin(q1 / 2)) < 1e-9, `z at q1 = ${q1}`);
      node.stop();
    } finally {
      robot.close();
    }
  });
});
