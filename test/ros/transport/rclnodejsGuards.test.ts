/**
 * The rclnodejs adapter's guards, on a fake rclnodejs (no ROS needed). rclnodejs runs our
 * callbacks from its executor, a libuv callback in a C++ addon built with exceptions: a JS
 * exception there is std::terminate, SIGABRT. A DDS write that failed under load ("cannot publish
 * data", rmw_publish.cpp) aborted the policy node that way in the middle of a run. So:
 * - a publish that rclnodejs refuses is logged, never thrown;
 * - a timer, subscription, service or parameter callback that throws is logged, never rethrown;
 * - the transport's shutdown closes first (publishing is then a no-op, callbacks are skipped),
 *   then destroys the timers, then the nodes, then shuts rcl down.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type * as rclnodejsModule from 'rclnodejs';
import type { Node as RclNode } from 'rclnodejs';
import { ParameterStore } from '../../../src/ros/transport/parameterStore.js';
import { RclTransportNode } from '../../../src/ros/transport/rclnodejs/rclnodejsNode.js';
import type { RclTransportState } from '../../../src/ros/transport/rclnodejs/rclnodejsNode.js';
import { RclnodejsTransport } from '../../../src/ros/transport/rclnodejs/rclnodejsTransport.js';
import type { NodeLogger } from '../../../src/ros/transport/index.js';

const DDS_WRITE_FAILED = 'cannot publish data, at /project/src/rmw_publish.cpp:68';

/** What the fake rclnodejs saw, in order. */
class Recorder {
  readonly events: string[] = [];
  readonly sent: object[] = [];
  failPublish = false;
}

/** The part of an rclnodejs Node the adapter uses; the callbacks are kept for the test to run. */
class FakeRclNode {
  readonly timers = new Map<number, () => void>();
  readonly subscriptions: ((m: unknown) => void)[] = [];
  readonly services: ((req: unknown, res: { send(r: object): void }) => void)[] = [];
  readonly parameterCallbacks: ((p: unknown[]) => { successful: boolean; reason?: string })[] = [];
  #nextTimer = 0;
  constructor(
    readonly rec: Recorder,
    readonly nodeName = 'fake',
  ) {}
  name(): string {
    return this.nodeName;
  }
  getLogger() {
    return { debug() {}, info() {}, warn() {}, error() {} };
  }
  createPublisher(_type: string, topic: string) {
    return {
      topic,
      publish: (m: object) => {
        if (this.rec.failPublish) throw new Error(DDS_WRITE_FAILED);
        this.rec.sent.push(m);
      },
    };
  }
  createSubscription(_t: string, topic: string, _o: object, cb: (m: unknown) => void) {
    this.subscriptions.push(cb);
    return { topic };
  }
  createService(
    _t: string,
    _n: string,
    cb: (req: unknown, res: { send(r: object): void }) => void,
  ) {
    this.services.push(cb);
    return {};
  }
  createTimer(_period: bigint, cb: () => void): number {
    const id = this.#nextTimer++;
    this.timers.set(id, cb);
    return id;
  }
  destroyTimer(id: number): void {
    this.timers.delete(id);
    this.rec.events.push(`${this.nodeName}: destroyTimer`);
  }
  addOnSetParametersCallback(cb: (p: unknown[]) => { successful: boolean; reason?: string }) {
    this.parameterCallbacks.push(cb);
  }
  destroy(): void {
    this.rec.events.push(`${this.nodeName}: destroy (${this.timers.size} timers left)`);
  }
}

/** rclnodejs's QoS, as far as the adapter's profiles need it. */
class FakeQoS {
  static readonly profileSystemDefault = 'qos_profile_system_default';
  static readonly profileSensorData = 'qos_profile_sensor_data';
}

function recordingLogger(): NodeLogger & { errors: string[]; debugs: string[] } {
  const errors: string[] = [];
  const debugs: string[] = [];
  return {
    errors,
    debugs,
    debug: (m) => debugs.push(m),
    info: () => undefined,
    warn: () => undefined,
    error: (m) => errors.push(m),
  };
}

function adapterNode(state: RclTransportState = { closed: false }) {
  const rec = new Recorder();
  const fake = new FakeRclNode(rec);
  const logger = recordingLogger();
  const node = new RclTransportNode(
    { QoS: FakeQoS } as unknown as typeof rclnodejsModule,
    fake as unknown as RclNode,
    new ParameterStore('fake', {}),
    logger,
    null,
    null,
    state,
  );
  return { rec, fake, logger, node, state };
}

const COMMAND = { data: Float64Array.of(0.5, -0.5) };

describe('rclnodejs adapter: nothing throws into the executor', () => {
  test('a failed DDS write is logged (at the 1st, 10th, 100th failure), not thrown', () => {
    const { rec, logger, node } = adapterNode();
    const pub = node.createPublisher('std_msgs/msg/Float64MultiArray', '/cmd', 'system_default');
    rec.failPublish = true;
    for (let i = 0; i < 100; i++) assert.doesNotThrow(() => pub.publish(COMMAND));
    assert.equal(logger.errors.length, 3, logger.errors.join('\n'));
    assert.match(
      logger.errors[0] ?? '',
      /publish on \/cmd failed \(1 so far\): cannot publish data/,
    );
    assert.match(logger.errors[2] ?? '', /\(100 so far\)/);
    rec.failPublish = false;
    pub.publish(COMMAND);
    assert.equal(rec.sent.length, 1, 'publishing goes on once DDS accepts writes again');
  });

  test('a timer or subscription callback that throws is logged; the next call runs', () => {
    const { fake, logger, node } = adapterNode();
    let ticks = 0;
    node.createTimer(20_000_000n, () => {
      ticks++;
      throw new Error('tick failed');
    });
    node.createSubscription('std_msgs/msg/Bool', '/in', 'reliable', () => {
      throw new Error('bad message');
    });
    const timer = [...fake.timers.values()][0];
    assert.ok(timer);
    assert.doesNotThrow(() => timer());
    assert.doesNotThrow(() => timer());
    assert.equal(ticks, 2);
    assert.doesNotThrow(() => fake.subscriptions[0]?.({ data: true }));
    assert.deepEqual(
      logger.errors.map((e) => e.replace(/ \(\d+ so far\)/, '')),
      ['fake: timer callback failed: tick failed', 'fake: callback of /in failed: bad message'],
    );
  });

  test('a service or parameter callback that throws answers failure instead', () => {
    const { fake, node } = adapterNode();
    node.createTriggerService('~/reset', () => {
      throw new Error('reset failed');
    });
    node.onSetParameters(() => {
      throw new Error('veto failed');
    });
    let answer: object | undefined;
    assert.doesNotThrow(() => fake.services[0]?.({}, { send: (r) => (answer = r) }));
    assert.deepEqual(answer, { success: false, message: 'reset failed' });
    const result = fake.parameterCallbacks[0]?.([]);
    assert.deepEqual(result, { successful: false, reason: 'veto failed' });
  });

  test('once closed: publishing sends nothing (one debug line), callbacks do not run', () => {
    const { rec, fake, logger, node, state } = adapterNode();
    const pub = node.createPublisher('std_msgs/msg/Float64MultiArray', '/cmd', 'system_default');
    let ticks = 0;
    node.createTimer(20_000_000n, () => {
      ticks++;
      pub.publish(COMMAND);
    });
    const timer = [...fake.timers.values()][0];
    assert.ok(timer);
    timer();
    assert.equal(rec.sent.length, 1);
    // A callback already queued in the turn of the shutdown.
    state.closed = true;
    timer();
    pub.publish(COMMAND);
    pub.publish(COMMAND);
    assert.equal(ticks, 1);
    assert.equal(rec.sent.length, 1);
    assert.equal(logger.debugs.filter((m) => m.includes('not publishing on /cmd')).length, 1);
    assert.deepEqual(logger.errors, []);
  });
});

describe('RclnodejsTransport.shutdown', () => {
  test('closes, destroys the timers, then the nodes, then shuts rcl down', async () => {
    const rec = new Recorder();
    const nodes: FakeRclNode[] = [];
    let shutDown = false;
    const rcl = {
      QoS: FakeQoS,
      Node: class {
        constructor(name: string) {
          const n = new FakeRclNode(rec, name);
          nodes.push(n);
          return n;
        }
      },
      NodeOptions: class {
        parameterOverrides: unknown[] = [];
      },
      isShutdown: () => shutDown,
      shutdown: () => {
        shutDown = true;
        rec.events.push('rcl.shutdown');
      },
    };
    const logger = recordingLogger();
    const transport = new RclnodejsTransport(rcl as unknown as typeof rclnodejsModule, logger);
    const a = transport.createNode('a');
    const b = transport.createNode('b');
    const pub = a.createPublisher('std_msgs/msg/Float64MultiArray', '/cmd', 'system_default');
    a.createTimer(10_000_000n, () => pub.publish(COMMAND));
    a.createTimer(1_000_000_000n, () => pub.publish(COMMAND));
    b.createTimer(10_000_000n, () => undefined);
    const queued = [...(nodes[0]?.timers.values() ?? [])];
    await transport.shutdown();
    assert.deepEqual(rec.events, [
      'a: destroyTimer',
      'a: destroyTimer',
      'b: destroyTimer',
      'a: destroy (0 timers left)',
      'b: destroy (0 timers left)',
      'rcl.shutdown',
    ]);
    // Callbacks rclnodejs had already taken before the shutdown, and a late publish: nothing sent.
    for (const cb of queued) assert.doesNotThrow(() => cb());
    assert.doesNotThrow(() => pub.publish(COMMAND));
    assert.equal(rec.sent.length, 0);
    assert.deepEqual(logger.errors, []);
    await transport.shutdown();
    assert.equal(rec.events.filter((e) => e === 'rcl.shutdown').length, 1);
  });
});
