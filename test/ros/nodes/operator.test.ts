/**
 * The policy node as an operator meets it (issue 20), in process on the manual clock: targets from
 * any publisher, incompatible-QoS warnings, /diagnostics that follow the node's one state, and
 * the default tick source. The same over DDS with rclpy as the peer: test/ros/dds/operator.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { POLICY_TOPICS } from '../../../src/ros/nodes/parameters.js';
import { dropDuplicateTargets } from '../../../src/ros/nodes/policyNodeIo.js';
import type {
  DiagnosticArrayMessage,
  PointStampedMessage,
} from '../../../src/ros/transport/messages.js';
import type { QosProfileName } from '../../../src/ros/transport/transport.js';
import { JOINTS, LinearPolicy, fakeWorld, stateObservation } from '../fakes.js';
import { activate, MS, PERIOD, setup } from './policyNodeSetup.js';

const SECOND = 1000n * MS;

/** A reach task (the observation needs a target). */
function reachWorld() {
  return fakeWorld(() => ({
    policy: new LinearPolicy(JOINTS, 9),
    observation: stateObservation(3, true),
  }));
}

function point(x: number, stampNs = 0n): PointStampedMessage {
  return { stampNs, frameId: 'world', x, y: 0, z: 0.5 };
}

/** Whether the last command is non-zero after one more state and one period. */
function commanding(s: ReturnType<typeof setup>): boolean {
  s.publishState();
  s.transport.advanceBy(PERIOD);
  return (s.commands.at(-1)?.data ?? [0]).some((x) => x !== 0);
}

describe('operator: a target from any publisher', () => {
  const publishers: [string, QosProfileName, boolean][] = [
    ['VOLATILE, as ros2 topic pub, RViz and Foxglove publish (after activate)', 'latest', false],
    ['VOLATILE with depth 10 (reliable)', 'reliable', false],
    ['TRANSIENT_LOCAL, latched before the node was configured', 'latched', true],
  ];
  for (const [name, qos, before] of publishers) {
    test(name, () => {
      const s = setup({ max_torque_step: 2 }, reachWorld());
      const target = s.transport.createNode('operator_tool');
      const pub = target.createPublisher(
        'geometry_msgs/msg/PointStamped',
        POLICY_TOPICS.target,
        qos,
      );
      if (before) pub.publish(point(0.4));
      activate(s);
      if (!before) {
        assert.equal(commanding(s), false, 'torque before any target');
        pub.publish(point(0.4));
      }
      assert.equal(commanding(s), true, 'the target did not reach the node');
      assert.doesNotMatch(s.logs.join('\n'), /incompatible/, 'a target publisher was warned about');
    });
  }

  test("target_topic names the topic: RViz's /clicked_point drives the reach", () => {
    const s = setup({ max_torque_step: 2, target_topic: '/clicked_point' }, reachWorld());
    activate(s);
    s.transport.publish(
      'geometry_msgs/msg/PointStamped',
      POLICY_TOPICS.target,
      point(0.4),
      'latest',
    );
    assert.equal(commanding(s), false, 'a target on the default topic was taken');
    s.transport.publish('geometry_msgs/msg/PointStamped', '/clicked_point', point(0.4), 'latest');
    assert.equal(commanding(s), true);
  });

  test('the duplicate of a latched live sample is dropped; a new sample passes', () => {
    const seen: number[] = [];
    const on = dropDuplicateTargets((m) => seen.push(m.x));
    on(point(1, 5n));
    on(point(1, 5n)); // the same sample through the other subscription
    on(point(1, 6n)); // published again (new stamp)
    on(point(2, 6n));
    on({ ...point(2, 6n), frameId: 'map' });
    assert.deepEqual(seen, [1, 1, 2, 2]);
  });
});

describe('operator: incompatible QoS is warned about, once per topic, peer and policy', () => {
  const warnings = (logs: string[]) =>
    logs.filter((l) => l.startsWith('warn: ') && /incompatible/.test(l));

  test('a best-effort e-stop publisher: named topic, node and policy, as rclcpp words it', () => {
    const s = setup();
    activate(s);
    const button = s.transport.createNode('estop_button');
    const pub = button.createPublisher('std_msgs/msg/Bool', POLICY_TOPICS.estop, 'sensor');
    button.createPublisher('std_msgs/msg/Bool', POLICY_TOPICS.estop, 'sensor'); // same node again
    pub.publish({ data: true });
    assert.equal(s.node().safety?.estopLatched, false, 'a best-effort e-stop latched');
    assert.deepEqual(warnings(s.logs), [
      "warn: torquepilot_policy: New publisher discovered on topic '/torquepilot/estop', offering incompatible QoS. No messages will be received from it. Last incompatible policy: RELIABILITY (publisher node: /estop_button)",
    ]);
  });

  test('a transient-local subscriber to /diagnostics (publisher side); none for the TL target twin', () => {
    const s = setup({}, reachWorld());
    activate(s);
    const echo = s.transport.createNode('echo');
    echo.createSubscription(
      'diagnostic_msgs/msg/DiagnosticArray',
      '/diagnostics',
      'latched',
      () => {},
    );
    // Three VOLATILE target publishers: the TRANSIENT_LOCAL twin cannot match them, by design.
    for (const name of ['pub_a', 'pub_b', 'pub_c']) {
      s.transport
        .createNode(name)
        .createPublisher('geometry_msgs/msg/PointStamped', POLICY_TOPICS.target, 'latest');
    }
    // A best-effort target publisher matches neither twin: warned once (by the VOLATILE one).
    s.transport
      .createNode('foxglove_bridge')
      .createPublisher('geometry_msgs/msg/PointStamped', POLICY_TOPICS.target, 'sensor');
    assert.deepEqual(warnings(s.logs), [
      "warn: torquepilot_policy: New subscription discovered on topic '/diagnostics', requesting incompatible QoS. No messages will be sent to it. Last incompatible policy: DURABILITY (subscription node: /echo)",
      "warn: torquepilot_policy: New publisher discovered on topic '/torquepilot/target', offering incompatible QoS. No messages will be received from it. Last incompatible policy: RELIABILITY (publisher node: /foxglove_bridge)",
    ]);
  });

  test('joint states from a best-effort driver are compatible (no warning)', () => {
    const s = setup();
    activate(s);
    s.transport
      .createNode('driver')
      .createPublisher('sensor_msgs/msg/JointState', '/joint_states', 'sensor');
    assert.deepEqual(warnings(s.logs), []);
  });
});

describe('operator: /diagnostics follows the node state', () => {
  test('one scripted run: each state in order, with its level and keys', () => {
    const s = setup(
      { mode: 'real', arm_ramp_time: 2, max_torque_step: 2, watchdog_period: 0.05 },
      reachWorld(),
    );
    const diags: DiagnosticArrayMessage[] = [];
    s.transport.subscribe('diagnostic_msgs/msg/DiagnosticArray', '/diagnostics', 'reliable', (m) =>
      diags.push(m),
    );
    /** Run one diagnostics period (1 s), with joint states every control period or none. */
    const second = (
      states: 'states' | 'none',
      order: readonly string[] = JOINTS,
      value?: (name: string) => number,
    ) => {
      for (let t = 0n; t < SECOND; t += PERIOD) {
        if (states === 'states') s.publishState(order, value);
        s.transport.advanceBy(PERIOD);
      }
      const status = diags.at(-1)!.status[0]!;
      const keys = Object.fromEntries(status.values.map((v) => [v.key, v.value]));
      const report: Record<string, string | number> = {
        level: status.level,
        message: status.message,
        ...keys,
      };
      return report;
    };
    const seen: Record<string, string | number>[] = [];
    const pick = (d: Record<string, string | number>) =>
      seen.push({
        state: d['state']!,
        level: d['level']!,
        waiting_for: d['waiting_for']!,
        watchdog_tripped: d['watchdog_tripped']!,
        watchdog_trips: d['watchdog_trips']!,
      });
    assert.equal(s.handle.trigger('configure').success, true);
    pick(second('none'));
    assert.equal(s.handle.trigger('activate').success, true);
    pick(second('none'));
    const waiting = second('states');
    pick(waiting);
    s.transport.publish(
      'geometry_msgs/msg/PointStamped',
      POLICY_TOPICS.target,
      point(0.4),
      'latest',
    );
    const unarmed = second('states');
    pick(unarmed);
    assert.equal(s.commands.length, 0, 'published while unarmed');
    s.node().node.setParameters([{ name: 'armed', value: true }]);
    const ramping = second('states');
    pick(ramping);
    const running = second('states');
    pick(running);
    pick(second('none'));
    s.transport.publish('std_msgs/msg/Bool', POLICY_TOPICS.estop, { data: true });
    pick(second('states'));
    s.transport.callTrigger(POLICY_TOPICS.estopResetService);
    const runningAgain = second('states');
    pick(runningAgain);
    s.world.policy.poison = NaN;
    pick(second('states'));
    s.world.policy.poison = null;
    pick(second('states', JOINTS, (n) => (n === 'elbow' ? NaN : 1)));
    const refused = second('states', ['shoulder', 'wrist']);
    pick(refused);
    s.handle.trigger('deactivate');
    pick(second('states'));
    const [OK, WARN, ERROR] = [0, 1, 2];
    assert.deepEqual(seen, [
      {
        state: 'inactive',
        level: OK,
        waiting_for: 'activate',
        watchdog_tripped: 'false',
        watchdog_trips: '0',
      },
      {
        state: 'waiting_for_joint_states',
        level: WARN,
        waiting_for: 'joint_states',
        watchdog_tripped: 'false',
        watchdog_trips: '0',
      },
      {
        state: 'waiting_for_target',
        level: WARN,
        waiting_for: 'target',
        watchdog_tripped: 'false',
        watchdog_trips: '0',
      },
      {
        state: 'unarmed',
        level: OK,
        waiting_for: 'armed',
        watchdog_tripped: 'false',
        watchdog_trips: '0',
      },
      {
        state: 'ramping',
        level: OK,
        waiting_for: 'none',
        watchdog_tripped: 'false',
        watchdog_trips: '0',
      },
      {
        state: 'running',
        level: OK,
        waiting_for: 'none',
        watchdog_tripped: 'false',
        watchdog_trips: '0',
      },
      {
        state: 'watchdog',
        level: ERROR,
        waiting_for: 'joint_states',
        watchdog_tripped: 'true',
        watchdog_trips: '1',
      },
      {
        state: 'estop',
        level: ERROR,
        waiting_for: 'estop_reset',
        watchdog_tripped: 'false',
        watchdog_trips: '1',
      },
      {
        state: 'running',
        level: OK,
        waiting_for: 'none',
        watchdog_tripped: 'false',
        watchdog_trips: '1',
      },
      {
        state: 'fault',
        level: ERROR,
        waiting_for: 'none',
        watchdog_tripped: 'false',
        watchdog_trips: '1',
      },
      // A NaN in the joint state: non-finite action again.
      {
        state: 'fault',
        level: ERROR,
        waiting_for: 'none',
        watchdog_tripped: 'false',
        watchdog_trips: '1',
      },
      // A joint missing: the refused states also go stale (a watchdog trip), the fault names why.
      {
        state: 'fault',
        level: ERROR,
        waiting_for: 'none',
        watchdog_tripped: 'true',
        watchdog_trips: '2',
      },
      {
        state: 'inactive',
        level: OK,
        waiting_for: 'activate',
        watchdog_tripped: 'false',
        watchdog_trips: '2',
      },
    ]);
    assert.match(
      String(refused['message']),
      /^fault: joint state refused \(.*elbow.*\), zero torque$/,
    );
    // The messages name what to do or what is wrong.
    assert.equal(
      waiting['message'],
      'waiting for a target on /torquepilot/target (geometry_msgs/msg/PointStamped)',
    );
    assert.equal(unarmed['message'], 'unarmed: publishing nothing (set parameter armed to true)');
    assert.match(String(ramping['message']), /^ramping up after arming: 5\d % of torque_scale$/);
    assert.equal(running['message'], 'running');
    assert.match(String(runningAgain['safety_state']), /^(ok|clamped|rate_limited)$/);
  });
});

describe('operator: the default tick source', () => {
  test('real mode ticks on the joint state itself; sim mode on the timer', () => {
    for (const mode of ['real', 'sim'] as const) {
      const s = setup({ mode, armed: mode === 'real', arm_ramp_time: 0, max_torque_step: 2 });
      activate(s);
      // States 3 ms after each timer deadline.
      s.transport.advanceBy(3n * MS);
      for (let k = 0; k < 5; k++) {
        s.publishState();
        s.transport.advanceBy(PERIOD);
      }
      const phases = s.commands
        .filter((c) => c.data.some((x) => x !== 0))
        .map((c) => Number((c.t % PERIOD) / MS));
      assert.deepEqual(phases, mode === 'real' ? [3, 3, 3, 3, 3] : [0, 0, 0, 0, 0], mode);
      assert.match(
        s.logs.join('\n'),
        new RegExp(`tick on ${mode === 'real' ? 'joint_states' : 'timer'}`),
      );
    }
  });
});
