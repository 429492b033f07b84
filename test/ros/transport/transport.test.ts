import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  InProcessTransport,
  qosCompatible,
} from '../../../src/ros/transport/inProcessTransport.js';
import type { MessageTypeName, MessageTypes } from '../../../src/ros/transport/messages.js';
import { rosConverters } from '../../../src/ros/transport/rclnodejs/rosMessages.js';
import type { QosProfileName } from '../../../src/ros/transport/transport.js';

const MS = 1_000_000n;

describe('InProcessTransport', () => {
  test('QoS matching follows DDS request/offered rules', () => {
    // [publisher, subscriber, matches]
    const table: [QosProfileName, QosProfileName, boolean][] = [
      ['reliable', 'sensor', true], // joint_state_broadcaster → our best-effort subscription
      ['sensor', 'sensor', true],
      ['sensor', 'reliable', false], // best-effort offer cannot serve a reliable request
      ['system_default', 'system_default', true],
      ['reliable', 'latched', false], // volatile offer cannot serve transient-local
      ['latched', 'latched', true],
      ['latched', 'reliable', true],
    ];
    for (const [pub, sub, ok] of table) assert.equal(qosCompatible(pub, sub), ok, `${pub}→${sub}`);
    const t = new InProcessTransport({ clock: 'manual' });
    const got: boolean[] = [];
    t.subscribe('std_msgs/msg/Bool', '/x', 'reliable', (m) => got.push(m.data));
    t.publish('std_msgs/msg/Bool', '/x', { data: true }, 'sensor');
    t.publish('std_msgs/msg/Bool', '/x', { data: false }, 'reliable');
    assert.deepEqual(got, [false]);
  });

  test('a latched topic reaches late subscribers; a type clash is refused', () => {
    const t = new InProcessTransport({ clock: 'manual' });
    t.publish(
      'geometry_msgs/msg/PointStamped',
      '/target',
      { stampNs: 0n, frameId: 'w', x: 1, y: 2, z: 3 },
      'latched',
    );
    const got: number[] = [];
    t.subscribe('geometry_msgs/msg/PointStamped', '/target', 'latched', (m) => got.push(m.x));
    assert.deepEqual(got, [1]);
    assert.throws(
      () => t.subscribe('std_msgs/msg/Bool', '/target', 'reliable', () => {}),
      /topic '\/target' has type 'geometry_msgs\/msg\/PointStamped', not 'std_msgs\/msg\/Bool'/,
    );
  });

  test('manual clock: timers fire on k·period deadlines in order, whatever the callbacks cost', () => {
    const t = new InProcessTransport({ clock: 'manual' });
    const node = t.createNode('n');
    const fired: [string, bigint][] = [];
    node.createTimer(3n * MS, () => fired.push(['a', t.nowNs()]));
    node.createTimer(5n * MS, () => fired.push(['b', t.nowNs()]));
    t.advanceBy(10n * MS);
    assert.deepEqual(fired, [
      ['a', 3n * MS],
      ['b', 5n * MS],
      ['a', 6n * MS],
      ['a', 9n * MS],
      ['b', 10n * MS],
    ]);
  });

  test('messages published inside a callback are delivered after it returns (no re-entry)', () => {
    const t = new InProcessTransport({ clock: 'manual' });
    const order: string[] = [];
    t.subscribe('std_msgs/msg/Bool', '/a', 'reliable', () => {
      order.push('a:start');
      t.publish('std_msgs/msg/Bool', '/b', { data: true });
      order.push('a:end');
    });
    t.subscribe('std_msgs/msg/Bool', '/b', 'reliable', () => order.push('b'));
    t.publish('std_msgs/msg/Bool', '/a', { data: true });
    assert.deepEqual(order, ['a:start', 'a:end', 'b']);
  });

  test('a publish loop is caught instead of hanging', () => {
    const t = new InProcessTransport({ clock: 'manual', maxDeliveriesPerDrain: 100 });
    t.subscribe('std_msgs/msg/Bool', '/ping', 'reliable', () =>
      t.publish('std_msgs/msg/Bool', '/ping', { data: true }),
    );
    assert.throws(
      () => t.publish('std_msgs/msg/Bool', '/ping', { data: true }),
      /more than 100 messages/,
    );
  });

  test('trigger services: call by name, unknown name refused', () => {
    const t = new InProcessTransport({ clock: 'manual' });
    t.createNode('n').createTriggerService('/reset', () => ({ success: true, message: 'done' }));
    assert.deepEqual(t.callTrigger('/reset'), { success: true, message: 'done' });
    assert.throws(() => t.callTrigger('/nope'), /no service '\/nope'/);
  });
});

describe('rclnodejs boundary converters (no ROS needed)', () => {
  const samples: { [K in MessageTypeName]: MessageTypes[K] } = {
    'sensor_msgs/msg/JointState': {
      stampNs: 1_700_000_000_123_456_789n,
      name: ['a', 'b'],
      position: [1, 2],
      velocity: [3, 4],
      effort: [],
    },
    'std_msgs/msg/Float64MultiArray': { data: [1.5, -2] },
    'std_msgs/msg/Bool': { data: true },
    'std_msgs/msg/String': { data: '{"iteration":3}' },
    'geometry_msgs/msg/PointStamped': { stampNs: 5n, frameId: 'world', x: 1, y: 2, z: 3 },
    'rosgraph_msgs/msg/Clock': { stampNs: 2_000_000_001n },
    'std_msgs/msg/Header': { stampNs: 3_000_000_002n, frameId: 'horizon' },
    'torquepilot_msgs/msg/PolicyOutput': {
      stampNs: 7n,
      jointNames: ['a'],
      mean: [0.1],
      std: [0.5],
      logStd: [Math.log(0.5)],
      action: [0.2],
      logProb: -1.25,
      command: [0.2],
      deterministic: false,
      safetyState: 'ok',
      checkpointId: 'ck',
      tickLatency: 1e-5,
    },
    'diagnostic_msgs/msg/DiagnosticArray': {
      stampNs: 9n,
      status: [
        { level: 1, name: 'n', message: 'm', hardwareId: 'h', values: [{ key: 'k', value: 'v' }] },
      ],
    },
  };

  test('camelCase → ROS → camelCase is the identity for every message type', () => {
    for (const type of Object.keys(samples) as MessageTypeName[]) {
      const toRos = rosConverters.toRos[type] as (m: unknown) => Record<string, unknown>;
      const fromRos = rosConverters.fromRos[type] as (m: Record<string, unknown>) => unknown;
      const back = fromRos(toRos(samples[type]));
      assert.deepEqual(
        JSON.parse(JSON.stringify(back, big)),
        JSON.parse(JSON.stringify(samples[type], big)),
        type,
      );
    }
  });

  test('ROS field names and builtin_interfaces/Time at the boundary', () => {
    const js = rosConverters.toRos['sensor_msgs/msg/JointState'](
      samples['sensor_msgs/msg/JointState'],
    );
    assert.deepEqual(js['header'], {
      stamp: { sec: 1_700_000_000, nanosec: 123_456_789 },
      frame_id: '',
    });
    const po = rosConverters.toRos['torquepilot_msgs/msg/PolicyOutput'](
      samples['torquepilot_msgs/msg/PolicyOutput'],
    );
    for (const key of [
      'joint_names',
      'log_std',
      'log_prob',
      'safety_state',
      'checkpoint_id',
      'tick_latency',
    ]) {
      assert.ok(key in po, key);
    }
    const cmd = rosConverters.toRos['std_msgs/msg/Float64MultiArray']({
      data: new Float64Array([1, 2]),
    });
    assert.deepEqual(cmd, { layout: { dim: [], data_offset: 0 }, data: new Float64Array([1, 2]) });
  });
});

function big(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (ArrayBuffer.isView(value)) return Array.from(value as Float64Array);
  return value;
}
