/**
 * /robot_description on the in-process transport (src/ros/nodes/robotDescriptionTopic.ts):
 * - the sim robot node latches the URDF it is given: a subscriber that joins later gets it;
 * - on an imported robot (robot.yaml `description:`) it latches that URDF with no parameter, and the
 *   `robot_description_file` text overrides it;
 * - readRobotDescriptionFrom returns a latched message sent before it was called, and times out
 *   with an error naming the topic, the ROS_DOMAIN_ID and robot_state_publisher, plus the QoS
 *   when a VOLATILE publisher is there (it can never serve a TRANSIENT_LOCAL reader);
 * - readRobotDescriptionFile names the parameter and the path of a missing or empty file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  publishRobotDescription,
  readRobotDescriptionFile,
  readRobotDescriptionFrom,
  ROBOT_DESCRIPTION_TOPIC,
} from '../../../src/ros/nodes/robotDescriptionTopic.js';
import { SimRobotNode } from '../../../src/ros/nodes/simRobotNode.js';
import type { SimulatedRobot } from '../../../src/ros/nodes/simRobotNode.js';
import { MujocoRobot } from '../../../src/ros/nodes/simDeployment.js';
import { InProcessTransport } from '../../../src/ros/transport/inProcessTransport.js';
import { importRobot } from '../../../src/robot/index.js';
import { tempDir, urUrdf } from '../../robot/fixtures.js';
import { ToyRobot } from '../fakes.js';

const URDF = '<robot name="toy"><link name="base_link"/></robot>';

describe('/robot_description', () => {
  test('the sim robot latches its URDF for subscribers that join later', () => {
    const transport = new InProcessTransport({ clock: 'manual' });
    const robot = new ToyRobot();
    new SimRobotNode(transport.createNode('sim_robot'), {
      robot,
      jointStatesTopic: '/joint_states',
      commandTopic: '/effort_controller/commands',
      realtime: false,
      publishClock: false,
      seed: 0,
      robotDescription: URDF,
    });
    transport.advanceBy(0n);
    const late: string[] = [];
    transport.subscribe('std_msgs/msg/String', ROBOT_DESCRIPTION_TOPIC, 'latched', (m) =>
      late.push(m.data),
    );
    transport.advanceBy(0n);
    assert.deepEqual(late, [URDF]);
    // Without a description: nothing on the topic.
    const other = new InProcessTransport({ clock: 'manual' });
    new SimRobotNode(other.createNode('sim_robot'), {
      robot,
      jointStatesTopic: '/joint_states',
      commandTopic: '/effort_controller/commands',
      realtime: false,
      publishClock: false,
      seed: 0,
    });
    const none: string[] = [];
    other.subscribe('std_msgs/msg/String', ROBOT_DESCRIPTION_TOPIC, 'latched', (m) =>
      none.push(m.data),
    );
    other.advanceBy(0n);
    assert.deepEqual(none, []);
  });

  test("an imported robot: its robot.yaml description latched by default, the parameter's text wins", async () => {
    const root = tempDir('description-default');
    const urdfPath = join(root, 'ur.urdf');
    const urdf = urUrdf();
    writeFileSync(urdfPath, urdf);
    const out = join(root, 'ur');
    await importRobot({ input: { kind: 'file', path: urdfPath }, outDir: out, noCollision: true });
    const robot = await MujocoRobot.create('reach', out);
    try {
      assert.equal(robot.descriptionFile, join(out, 'robot.urdf'));
      const latched = (robotDescription?: string): string[] => {
        const transport = new InProcessTransport({ clock: 'manual' });
        new SimRobotNode(transport.createNode('sim_robot'), {
          robot,
          jointStatesTopic: robot.jointStatesTopic,
          commandTopic: robot.commandTopic,
          realtime: false,
          publishClock: false,
          seed: 0,
          ...(robotDescription !== undefined ? { robotDescription } : {}),
        });
        const got: string[] = [];
        transport.subscribe('std_msgs/msg/String', ROBOT_DESCRIPTION_TOPIC, 'latched', (m) =>
          got.push(m.data),
        );
        transport.advanceBy(0n);
        return got;
      };
      assert.deepEqual(latched(), [urdf]);
      assert.deepEqual(latched(''), [urdf]);
      assert.deepEqual(latched(URDF), [URDF]);
    } finally {
      robot.close();
    }
    // A robot whose description file has gone: the error names robot.yaml's key and the path.
    const gone: SimulatedRobot = Object.assign(new ToyRobot(), {
      descriptionFile: join(root, 'gone.urdf'),
    });
    assert.throws(
      () =>
        new SimRobotNode(new InProcessTransport({ clock: 'manual' }).createNode('sim_robot'), {
          robot: gone,
          jointStatesTopic: '/joint_states',
          commandTopic: '/effort_controller/commands',
          realtime: false,
          publishClock: false,
          seed: 0,
        }),
      /readRobotDescriptionFile: description \(robot\.yaml\) = .*gone\.urdf: cannot read/,
    );
  });

  test('readRobotDescriptionFrom: the message latched before the call', async () => {
    const transport = new InProcessTransport({ clock: 'steady' });
    publishRobotDescription(transport.createNode('robot_state_publisher'), URDF);
    const text = await readRobotDescriptionFrom(transport, ROBOT_DESCRIPTION_TOPIC, {
      timeoutMs: 2000,
    });
    assert.equal(text, URDF);
    await transport.shutdown();
  });

  test('readRobotDescriptionFrom: a timeout names topic, domain and robot_state_publisher', async () => {
    const transport = new InProcessTransport({ clock: 'steady' });
    const domain = process.env['ROS_DOMAIN_ID'] ?? '0';
    await assert.rejects(
      readRobotDescriptionFrom(transport, '/arm/robot_description', { timeoutMs: 50 }),
      new RegExp(
        `^Error: readRobotDescription: no publisher on /arm/robot_description within 0\\.05 s; is robot_state_publisher running in this ROS_DOMAIN_ID \\(${domain}\\)\\?`,
      ),
    );
    // A VOLATILE publisher cannot serve the TRANSIENT_LOCAL reader: the error says so.
    transport
      .createNode('volatile_talker')
      .createPublisher('std_msgs/msg/String', ROBOT_DESCRIPTION_TOPIC, 'reliable')
      .publish({ data: URDF });
    await assert.rejects(
      readRobotDescriptionFrom(transport, ROBOT_DESCRIPTION_TOPIC, { timeoutMs: 50 }),
      /TRANSIENT_LOCAL.*A publisher \(\/volatile_talker\) on \/robot_description has an incompatible QoS \(DURABILITY\)/,
    );
    await transport.shutdown();
  });

  test('readRobotDescriptionFile: the text, or an error naming the parameter and path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-description-'));
    try {
      const path = join(dir, 'robot.urdf');
      writeFileSync(path, URDF);
      assert.equal(readRobotDescriptionFile(path), URDF);
      assert.throws(
        () => readRobotDescriptionFile(join(dir, 'missing.urdf')),
        /robot_description_file = .*missing\.urdf: cannot read .*missing\.urdf/,
      );
      writeFileSync(path, '  \n');
      assert.throws(
        () => readRobotDescriptionFile(path, 'description'),
        /readRobotDescriptionFile: description = .*robot\.urdf: .*robot\.urdf is empty/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
