/**
 * The policy node on the in-process transport's manual clock, with the fakes of ../fakes.ts: a
 * node under test, its published commands and its log, and a peer that publishes joint states.
 */
import assert from 'node:assert/strict';
import { InProcessTransport } from '../../../src/ros/transport/inProcessTransport.js';
import { PolicyNode } from '../../../src/ros/nodes/policyNode.js';
import type { ParameterValue, TransportNode } from '../../../src/ros/transport/transport.js';
import { JOINTS, fakeWorld } from '../fakes.js';
import type { FakeWorld } from '../fakes.js';

export const MS = 1_000_000n;
export const PERIOD = 10n * MS; // fake description: 100 Hz

/** A command publisher's acknowledgement, as DDS would give it (default: none to wait for). */
export type DeliveryWait = (timeoutMs: number) => boolean;

export function setup(
  overrides: Record<string, ParameterValue> = {},
  world: FakeWorld = fakeWorld(),
  waitForDelivery?: DeliveryWait,
) {
  const logs: string[] = [];
  const log = (level: string) => (m: string) => logs.push(`${level}: ${m}`);
  const transport = new InProcessTransport({
    clock: 'manual',
    logger: { debug: () => {}, info: log('info'), warn: log('warn'), error: log('error') },
  });
  let policyNode: PolicyNode | undefined;
  const handle = transport.createLifecycleNode(
    'torquepilot_policy',
    (node) => {
      policyNode = new PolicyNode(withDeliveryWait(node, waitForDelivery), {
        loader: world.loader,
      });
      return policyNode.callbacks();
    },
    { parameterOverrides: { checkpoint: '/ckpt', ...overrides } },
  );
  const commands: { t: bigint; data: number[] }[] = [];
  transport.subscribe(
    'std_msgs/msg/Float64MultiArray',
    '/effort_controller/commands',
    'reliable',
    (m) => commands.push({ t: transport.nowNs(), data: Array.from(m.data) }),
  );
  /** Publish a joint state in the given order; q_j = value(name), q̇_j = 0.1 q_j. */
  const publishState = (
    order: readonly string[] = JOINTS,
    value: (name: string) => number = (n) => JOINTS.indexOf(n as never) + 1,
  ) =>
    transport.publish(
      'sensor_msgs/msg/JointState',
      '/joint_states',
      {
        stampNs: transport.nowNs(),
        name: order,
        position: order.map(value),
        velocity: order.map((n) => 0.1 * value(n)),
        effort: [],
      },
      'reliable',
    );
  return {
    transport,
    handle,
    node: () => policyNode as PolicyNode,
    commands,
    publishState,
    logs,
    world,
  };
}

/** `node`, its publishers given `wait` as their waitForDelivery (the in-process ones have none). */
function withDeliveryWait(node: TransportNode, wait: DeliveryWait | undefined): TransportNode {
  if (wait === undefined) return node;
  const createPublisher: TransportNode['createPublisher'] = (...args) => ({
    ...node.createPublisher(...args),
    waitForDelivery: wait,
  });
  return new Proxy(node, {
    get(target, key) {
      if (key === 'createPublisher') return createPublisher;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export function activate(s: ReturnType<typeof setup>) {
  assert.equal(s.handle.trigger('configure').success, true, s.logs.join('\n'));
  assert.equal(s.handle.trigger('activate').success, true, s.logs.join('\n'));
}
