import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runDeploy, DEPLOY_DEFAULTS, DEPLOY_REPORT_KEYS } from '../../../src/ros/cli/deploy.js';
import { InProcessTransport } from '../../../src/ros/transport/inProcessTransport.js';
import type {
  HeaderMessage,
  JointStateMessage,
  PointStampedMessage,
} from '../../../src/ros/transport/messages.js';
import { PolicyNode } from '../../../src/ros/nodes/policyNode.js';
import { SimRobotNode } from '../../../src/ros/nodes/simRobotNode.js';
import { LIMITS, ToyRobot, fakeWorld } from '../fakes.js';

const MS = 1_000_000n;
const CMD = '/effort_controller/commands';

function robotSetup(options: { realtime: boolean; episodeSteps?: number; clock?: boolean }) {
  const transport = new InProcessTransport({ clock: 'manual' });
  const robot = new ToyRobot(0.01, 1000);
  const node = new SimRobotNode(transport.createNode('sim_robot'), {
    robot,
    jointStatesTopic: '/joint_states',
    commandTopic: CMD,
    realtime: options.realtime,
    publishClock: options.clock ?? false,
    seed: 7,
    ...(options.episodeSteps !== undefined ? { episodeSteps: options.episodeSteps } : {}),
  });
  const states: JointStateMessage[] = [];
  const targets: PointStampedMessage[] = [];
  const clocks: bigint[] = [];
  transport.subscribe('sensor_msgs/msg/JointState', '/joint_states', 'sensor', (m) =>
    states.push(m),
  );
  transport.subscribe('rosgraph_msgs/msg/Clock', '/clock', 'sensor', (m) => clocks.push(m.stampNs));
  const command = (data: number[]) =>
    transport.publish('std_msgs/msg/Float64MultiArray', CMD, { data }, 'system_default');
  return { transport, robot, node, states, targets, clocks, command };
}

describe('SimRobotNode', () => {
  test('lockstep: one step per command, the command divided by the gear, state after each', () => {
    const s = robotSetup({ realtime: false });
    s.node.start();
    assert.equal(s.states.length, 1, 'the first state is published on start');
    assert.deepEqual(s.states[0]!.name, ['gripper', 'wrist', 'shoulder', 'elbow']);
    s.command([1, 2, 3]);
    s.command([0, 0, 0]);
    assert.deepEqual(s.robot.actions, [
      [1, 2, 3],
      [0, 0, 0],
    ]);
    assert.equal(s.states.length, 3);
    // q̇ after one Euler step from rest with τ = (1, 2, 3): q̇ = 0.01 τ; state order wrist, shoulder, elbow.
    assert.deepEqual(Array.from(s.states[1]!.velocity).slice(1), [0.03, 0.01, 0.02]);
  });

  test('wrong-size and non-finite commands are dropped, as ros2_control drops them', () => {
    const s = robotSetup({ realtime: false });
    s.node.start();
    s.command([1, 2]);
    s.command([1, 2, 3, 4]);
    s.command([1, NaN, 3]);
    assert.equal(s.robot.actions.length, 0);
    assert.equal(s.node.stats().wrongSizeCommands, 2);
    assert.equal(s.node.stats().nonFiniteCommands, 1);
  });

  test('lockstep heartbeat republishes the state while no command comes, without stepping', () => {
    const s = robotSetup({ realtime: false });
    s.node.start();
    s.transport.advanceBy(50n * MS);
    assert.equal(s.robot.actions.length, 0);
    assert.ok(s.states.length >= 5);
  });

  test('lockstep with /clock: the heartbeat steps (held command) so sim time advances', () => {
    const s = robotSetup({ realtime: false, clock: true });
    s.node.start();
    s.command([1, 0, 0]);
    s.transport.advanceBy(35n * MS);
    // one step from the command, then heartbeat steps at 10 and 20 and 30 ms with the held command
    assert.equal(s.robot.actions.length, 4);
    assert.deepEqual(s.robot.actions.at(-1), [1, 0, 0]);
    assert.equal(s.clocks.at(-1), 40n * MS);
  });

  test('realtime: one step per period with the last command held (zero-order hold)', () => {
    const s = robotSetup({ realtime: true });
    s.node.start();
    s.command([1, 1, 1]);
    s.transport.advanceBy(30n * MS);
    assert.deepEqual(s.robot.actions, [
      [1, 1, 1],
      [1, 1, 1],
      [1, 1, 1],
    ]);
  });

  test('episodes reset after episode_steps with seeds seed, seed+1, ...; target latched; /clock', () => {
    const s = robotSetup({ realtime: false, episodeSteps: 3, clock: true });
    s.node.start();
    for (let k = 0; k < 7; k++) s.command([0.1, 0, 0]);
    assert.deepEqual(s.robot.resets, [7, 8, 9]);
    assert.equal(s.node.stats().episodes, 2);
    assert.equal(s.node.stats().finalDistances.length, 2);
    // A late subscriber still gets the target (TRANSIENT_LOCAL).
    const late: PointStampedMessage[] = [];
    s.transport.subscribe('geometry_msgs/msg/PointStamped', '/torquepilot/target', 'latched', (m) =>
      late.push(m),
    );
    assert.deepEqual([late[0]?.x, late[0]?.frameId], [0.5, 'world']);
    // sim time = steps × dt: 0, 10 ms, ..., 70 ms
    assert.deepEqual(s.clocks.at(-1), 70n * MS);
  });
});

describe('SimRobotNode episodes: ~/reset and /torquepilot/episode', () => {
  /** Joint states and episode boundaries in the order published: [kind, stamp, detail]. */
  function record(s: ReturnType<typeof robotSetup>) {
    const events: [string, bigint, string][] = [];
    s.transport.subscribe('std_msgs/msg/Header', '/torquepilot/episode', 'reliable', (m) =>
      events.push(['episode', m.stampNs, m.frameId]),
    );
    s.transport.subscribe('sensor_msgs/msg/JointState', '/joint_states', 'reliable', (m) =>
      events.push(['state', m.stampNs, Array.from(m.position).join(',')]),
    );
    return events;
  }

  test('start, horizon and ~/reset: announced with the stamp of the first state, command zeroed', () => {
    const s = robotSetup({ realtime: true, episodeSteps: 3, clock: true });
    const events = record(s);
    s.node.start();
    assert.deepEqual(events, [
      ['episode', 0n, 'start'],
      ['state', 0n, '0.01,0,0,0'],
    ]);
    s.command([1, 1, 1]);
    s.transport.advanceBy(30n * MS); // steps 1-3: the third ends the episode (episode_steps 3)
    const horizon = events.findIndex((e) => e[0] === 'episode' && e[2] === 'horizon');
    assert.deepEqual(events[horizon], ['episode', 30n * MS, 'horizon']);
    assert.deepEqual(events[horizon + 1], ['state', 30n * MS, '0.01,0,0,0']);
    s.transport.advanceBy(10n * MS);
    assert.deepEqual(s.robot.actions.at(-1), [0, 0, 0], 'the held command was zeroed');
    s.command([2, 2, 2]);
    s.transport.advanceBy(10n * MS); // step 5
    assert.deepEqual(s.robot.actions.at(-1), [2, 2, 2]);
    assert.notEqual(events.at(-1)?.[2], '0.01,0,0,0', 'the arm moved');

    const before = events.length;
    assert.deepEqual(s.transport.callTrigger('/sim_robot/reset'), {
      success: true,
      message: 'episode 2 started',
    });
    // The reset pose at once, announced first with its stamp (sim time: no step, 50 ms).
    assert.deepEqual(events.slice(before), [
      ['episode', 50n * MS, 'reset'],
      ['state', 50n * MS, '0.01,0,0,0'],
    ]);
    assert.deepEqual(s.robot.resets, [7, 8, 9], 'episode k has seed + k');
    assert.deepEqual([s.node.stats().resets, s.node.stats().episodes], [1, 1]);
    s.transport.advanceBy(10n * MS);
    assert.deepEqual(s.robot.actions.at(-1), [0, 0, 0], 'the held command was zeroed');
    // The reset restarted the episode's step count: the horizon comes 3 steps after it.
    s.transport.advanceBy(20n * MS);
    assert.deepEqual(
      events.filter((e) => e[0] === 'episode').map((e) => [e[1], e[2]]),
      [
        [0n, 'start'],
        [30n * MS, 'horizon'],
        [50n * MS, 'reset'],
        [80n * MS, 'horizon'],
      ],
    );
  });

  test('an episode the task terminated is announced as terminated and restarts the step count', () => {
    const s = robotSetup({ realtime: false, episodeSteps: 3 });
    const headers: HeaderMessage[] = [];
    s.transport.subscribe('std_msgs/msg/Header', '/torquepilot/episode', 'reliable', (m) =>
      headers.push(m),
    );
    const step = s.robot.step.bind(s.robot);
    // The task ends the episode on the 2nd step (the robot resets itself, as MujocoRobot does).
    s.robot.step = (a: Float64Array): boolean => (step(a), s.robot.actions.length === 2);
    s.node.start();
    for (let k = 0; k < 5; k++) s.command([1, 0, 0]);
    assert.deepEqual(
      headers.map((h) => h.frameId),
      ['start', 'terminated', 'horizon'],
    );
    assert.deepEqual(s.robot.resets, [7, 8], "the terminated reset was the robot's own");
  });

  test('~/reset before start is refused', () => {
    const s = robotSetup({ realtime: false });
    assert.equal(s.transport.callTrigger('/sim_robot/reset').success, false);
  });
});

describe('policy node against the sim robot node (in process)', () => {
  test('closed loop on the manual clock: shuffled + extra joints matched, torques within limits', () => {
    const transport = new InProcessTransport({ clock: 'manual' });
    const robot = new ToyRobot(0.01, 50);
    const robotNode = new SimRobotNode(transport.createNode('sim_robot'), {
      robot,
      jointStatesTopic: '/joint_states',
      commandTopic: CMD,
      realtime: false,
      publishClock: false,
      seed: 0,
    });
    const world = fakeWorld();
    let pn: PolicyNode | undefined;
    const handle = transport.createLifecycleNode(
      'torquepilot_policy',
      (node) => {
        pn = new PolicyNode(node, { loader: world.loader });
        return pn.callbacks();
      },
      { parameterOverrides: { checkpoint: '/x', max_torque_step: 2 } },
    );
    world.policy.gain = -5;
    world.policy.bias = [20, 1, 1];
    handle.trigger('configure');
    handle.trigger('activate');
    robotNode.start();
    transport.advanceBy(2_000n * MS);
    const stats = pn!.stats();
    assert.equal(stats.ticks, 200);
    assert.equal(robot.actions.length, 200, 'each tick drove one lockstep step');
    assert.equal(stats.torqueLimitViolations, 0);
    assert.equal(stats.maxAbsTorque, LIMITS[0]);
    for (const a of robot.actions) a.forEach((x, j) => assert.ok(Math.abs(x) <= LIMITS[j]!));
    assert.equal(robotNode.stats().wrongSizeCommands, 0);
    assert.equal(robotNode.stats().episodes, 4);
  });

  test('runDeploy reports every key of the --json contract', async () => {
    const world = fakeWorld();
    const report = await runDeploy(
      { ...DEPLOY_DEFAULTS, checkpoint: '/x', durationS: 0.5, rateHz: 200 },
      {
        transport: new InProcessTransport({ clock: 'steady' }),
        loader: world.loader,
        robot: new ToyRobot(0.01, 100),
      },
    );
    for (const key of DEPLOY_REPORT_KEYS) {
      assert.equal(typeof (report as unknown as Record<string, unknown>)[key], 'number', key);
    }
    assert.ok(report.ticks > 0);
    assert.equal(report.torqueLimitViolations, 0);
    assert.equal(report.wrongSizeCommands, 0);
    assert.equal(report.checkpointId, 'fake-ckpt');
    assert.equal(report.roundTripP99Ms, undefined, 'in process there is no DDS round trip');
    assert.equal(world.closed, 1);
  });
});
