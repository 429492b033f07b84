/**
 * QoS matching and incompatible-QoS events on the in-process transport, as DDS has them (issue 20):
 * which policy keeps two profiles apart, both sides told once per pair with the peer node's name,
 * and history (a latched sample) only for a TRANSIENT_LOCAL reader.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InProcessTransport } from '../../../src/ros/transport/inProcessTransport.js';
import { qosIncompatibility, rmwPolicyName } from '../../../src/ros/transport/qos.js';
import type {
  IncompatibleQosEvent,
  QosPolicyName,
  QosProfileName,
} from '../../../src/ros/transport/transport.js';

describe('QoS request/offered rules', () => {
  // [publisher, subscription, the policy that keeps them apart or null]
  const table: [QosProfileName, QosProfileName, QosPolicyName | null][] = [
    ['sensor', 'reliable', 'RELIABILITY'], // a best-effort e-stop button, our reliable e-stop
    ['sensor', 'latest', 'RELIABILITY'],
    ['sensor', 'latched', 'RELIABILITY'], // reliability is named first
    ['sensor', 'sensor', null],
    ['reliable', 'sensor', null], // joint_state_broadcaster → our best-effort joint states
    ['latest', 'latched', 'DURABILITY'], // ros2 topic pub → a transient-local reader
    ['reliable', 'latched', 'DURABILITY'],
    ['system_default', 'latched', 'DURABILITY'],
    ['latched', 'latest', null], // a latched publisher serves a volatile reader (no history)
    ['latched', 'latched', null],
    ['latest', 'reliable', null],
  ];
  for (const [pub, sub, policy] of table) {
    test(`${pub} → ${sub}: ${policy ?? 'match'}`, () => {
      assert.equal(qosIncompatibility(pub, sub), policy);
    });
  }

  test('rmw policy kinds (bit flags) by name', () => {
    assert.equal(rmwPolicyName(16), 'RELIABILITY');
    assert.equal(rmwPolicyName(2), 'DURABILITY');
    assert.equal(rmwPolicyName(3), 'INVALID');
  });
});

describe('InProcessTransport: incompatible-QoS events', () => {
  test('both sides are told once, naming the other node, whichever comes first', () => {
    const t = new InProcessTransport({ clock: 'manual' });
    const policyNode = t.createNode('torquepilot_policy');
    const button = t.createNode('estop_button');
    const events: [string, IncompatibleQosEvent][] = [];
    const got: boolean[] = [];
    policyNode.createSubscription(
      'std_msgs/msg/Bool',
      '/estop',
      'reliable',
      (m) => got.push(m.data),
      {
        onIncompatibleQos: (e) => events.push(['policy', e]),
      },
    );
    const pub = button.createPublisher('std_msgs/msg/Bool', '/estop', 'sensor', {
      onIncompatibleQos: (e) => events.push(['button', e]),
    });
    pub.publish({ data: true });
    assert.deepEqual(got, [], 'a best-effort sample reached a reliable subscription');
    assert.deepEqual(events, [
      [
        'policy',
        {
          topic: '/estop',
          endpoint: 'subscription',
          peerNodes: ['/estop_button'],
          policy: 'RELIABILITY',
        },
      ],
      [
        'button',
        {
          topic: '/estop',
          endpoint: 'publisher',
          peerNodes: ['/torquepilot_policy'],
          policy: 'RELIABILITY',
        },
      ],
    ]);
    // A compatible publisher raises nothing; a subscription made after an incompatible publisher
    // is told at once (the publisher came first).
    button.createPublisher('std_msgs/msg/Bool', '/estop', 'reliable');
    const late: IncompatibleQosEvent[] = [];
    t.createNode('echo').createSubscription('std_msgs/msg/Bool', '/estop', 'latched', () => {}, {
      onIncompatibleQos: (e) => late.push(e),
    });
    assert.deepEqual(
      late.map((e) => [e.peerNodes.join(), e.policy]),
      [
        ['/estop_button', 'RELIABILITY'],
        ['/estop_button', 'DURABILITY'],
      ],
    );
    // Of the button's publishers, the best-effort one has a callback: told about the new reader.
    assert.equal(events.length, 3);
    assert.deepEqual(events[2], [
      'button',
      { topic: '/estop', endpoint: 'publisher', peerNodes: ['/echo'], policy: 'RELIABILITY' },
    ]);
  });

  test('a destroyed node is no longer matched; a publisher outside any node has no name', () => {
    const t = new InProcessTransport({ clock: 'manual' });
    const peer = t.createNode('peer');
    peer.createPublisher('std_msgs/msg/Bool', '/x', 'sensor');
    peer.destroy();
    const events: IncompatibleQosEvent[] = [];
    t.createNode('n').createSubscription('std_msgs/msg/Bool', '/x', 'reliable', () => {}, {
      onIncompatibleQos: (e) => events.push(e),
    });
    assert.equal(events.length, 0, 'an event about a destroyed node');
    t.publish('std_msgs/msg/Bool', '/x', { data: true }, 'sensor');
    t.publish('std_msgs/msg/Bool', '/x', { data: true }, 'sensor');
    assert.deepEqual(
      events.map((e) => e.peerNodes),
      [[]],
      'one event for the outside publisher (one per topic and QoS), with no node',
    );
  });
});

describe('InProcessTransport: history only for transient-local readers', () => {
  test('a latched sample reaches a late latched reader, not a late volatile one', () => {
    const t = new InProcessTransport({ clock: 'manual' });
    const point = { stampNs: 0n, frameId: 'world', x: 1, y: 2, z: 3 };
    t.publish('geometry_msgs/msg/PointStamped', '/target', point, 'latched');
    const volatile: number[] = [];
    const latched: number[] = [];
    t.subscribe('geometry_msgs/msg/PointStamped', '/target', 'latest', (m) => volatile.push(m.x));
    t.subscribe('geometry_msgs/msg/PointStamped', '/target', 'latched', (m) => latched.push(m.x));
    assert.deepEqual([volatile, latched], [[], [1]]);
    // Live samples: the latched publisher's reach both; a volatile publisher's only the volatile.
    t.publish('geometry_msgs/msg/PointStamped', '/target', { ...point, x: 4 }, 'latched');
    t.publish('geometry_msgs/msg/PointStamped', '/target', { ...point, x: 5 }, 'latest');
    assert.deepEqual(
      [volatile, latched],
      [
        [4, 5],
        [1, 4],
      ],
    );
  });
});
