/**
 * The in-process transport: topics, timers, services, parameters and the lifecycle state machine
 * in one Node.js process, with the same interface as the rclnodejs adapter.
 *
 * Two clocks:
 * - 'steady': real time (process.hrtime), drift-free setTimeout timers; messages are delivered on
 *   the next event-loop turn (setImmediate), so a publisher never runs a subscriber re-entrantly.
 * - 'manual': virtual time that only moves in `advanceBy`/`advanceTo`; timers fire in deadline
 *   order and messages are delivered synchronously after the publishing callback returns, so tests
 *   are deterministic and take no wall time.
 *
 * QoS is checked as DDS would (qos.ts): a RELIABLE subscription does not match a BEST_EFFORT
 * publisher, and a TRANSIENT_LOCAL ('latched') subscription needs a TRANSIENT_LOCAL publisher; a
 * latched publisher's last message reaches late TRANSIENT_LOCAL subscriptions (a VOLATILE one gets
 * no history). When a publisher and a subscription on one topic cannot match, both sides'
 * incompatible-QoS callbacks fire (once per pair), naming the other side's node, as rmw's events do.
 */
import { LifecycleStateMachine } from './lifecycle.js';
import type { LifecycleCallbacks } from './lifecycle.js';
import type { MessageTypeName, MessageTypes } from './messages.js';
import type {
  CreateNodeOptions,
  EndpointOptions,
  IncompatibleQosEvent,
  LifecycleHandle,
  NodeLogger,
  Publisher,
  QosProfileName,
  Transport,
  TransportNode,
} from './transport.js';
import { InProcessNode } from './inProcessNode.js';
import { qosIncompatibility } from './qos.js';
import { busyPollLoop, DeadlineSchedule, PreciseTimer } from '../timing/index.js';
import type { Disposable, Timer } from '../timing/index.js';

export { qosCompatible } from './qos.js';

export interface InProcessTransportOptions {
  /** 'steady' (real time) or 'manual' (virtual time driven by advanceBy). */
  readonly clock: 'steady' | 'manual';
  /** Logger for all nodes; defaults to a silent one. */
  readonly logger?: NodeLogger;
  /**
   * Steady clock: timers of period ≤ 20 ms wake from a worker thread with sub-ms precision
   * (PreciseTimer) instead of setTimeout. Default true.
   */
  readonly preciseTimers?: boolean;
  /**
   * Steady clock: those timers poll on the main thread instead (busyPoll.ts): no wake-up to miss,
   * one core busy. Default false.
   */
  readonly busyPoll?: boolean;
  /** Upper bound on messages delivered in one synchronous drain (manual clock), to catch loops. */
  readonly maxDeliveriesPerDrain?: number;
}

export const SILENT_LOGGER: NodeLogger = Object.freeze({
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
});

/** One publisher or subscription, as the topic's QoS matching sees it. */
interface Endpoint {
  readonly qos: QosProfileName;
  /** The owning node's name ('' for a publisher made outside any node). */
  readonly nodeName: string;
  readonly onIncompatibleQos: ((event: IncompatibleQosEvent) => void) | undefined;
  active: boolean;
}

interface Subscriber extends Endpoint {
  readonly type: MessageTypeName;
  readonly callback: (message: unknown) => void;
}

interface Topic {
  type: MessageTypeName;
  subscribers: Subscriber[];
  publishers: Endpoint[];
  latched?: unknown;
}

/** Options of an endpoint made through a node. */
export interface InProcessEndpointOptions extends EndpointOptions {
  /** The owning node's name, reported to incompatible peers. */
  readonly nodeName?: string;
}

interface TimerEntry {
  readonly schedule: DeadlineSchedule;
  readonly callback: () => void;
  active: boolean;
  handle?: NodeJS.Timeout;
}

export class InProcessTransport implements Transport {
  readonly kind = 'inprocess' as const;
  readonly #clock: 'steady' | 'manual';
  readonly #preciseTimers: boolean;
  readonly #busyPoll: boolean;
  readonly #logger: NodeLogger;
  readonly #maxDeliveries: number;
  readonly #topics = new Map<string, Topic>();
  readonly #services = new Map<string, () => { success: boolean; message: string }>();
  readonly #timers: TimerEntry[] = [];
  readonly #fastTimers: Timer[] = [];
  readonly #queue: (() => void)[] = [];
  /** publish()'s own publishers, one per topic and QoS (a peer outside any node). */
  readonly #outsidePublishers = new Map<string, Publisher<MessageTypeName>>();
  #draining = false;
  #drainScheduled = false;
  #virtualNowNs = 0n;
  #shutdown = false;

  constructor(options: InProcessTransportOptions) {
    this.#clock = options.clock;
    this.#preciseTimers = options.preciseTimers ?? true;
    this.#busyPoll = options.busyPoll ?? false;
    this.#logger = options.logger ?? SILENT_LOGGER;
    this.#maxDeliveries = options.maxDeliveriesPerDrain ?? 100_000;
  }

  /** Monotonic now: virtual time (manual) or process.hrtime (steady). */
  nowNs(): bigint {
    return this.#clock === 'manual' ? this.#virtualNowNs : process.hrtime.bigint();
  }

  createNode(name: string, options: CreateNodeOptions = {}): TransportNode {
    return new InProcessNode(this, name, options, this.#logger);
  }

  createLifecycleNode(
    name: string,
    makeCallbacks: (node: TransportNode) => LifecycleCallbacks,
    options: CreateNodeOptions = {},
  ): LifecycleHandle {
    const node = this.createNode(name, options);
    const machine = new LifecycleStateMachine(makeCallbacks(node), (m) =>
      node.logger.error(`${name}: ${m}`),
    );
    return {
      node,
      state: () => machine.state,
      trigger: (t) => machine.trigger(t),
    };
  }

  spin(): void {}

  async shutdown(): Promise<void> {
    this.#shutdown = true;
    for (const t of this.#timers) this.#cancelTimer(t);
    this.#timers.length = 0;
    for (const t of this.#fastTimers) t.dispose();
    this.#fastTimers.length = 0;
    this.#queue.length = 0;
  }

  /** Call a std_srvs/Trigger service by name, as a client would. */
  callTrigger(service: string): { success: boolean; message: string } {
    const handler = this.#services.get(service);
    if (handler === undefined) {
      throw new Error(`InProcessTransport.callTrigger: no service '${service}'`);
    }
    return handler();
  }

  /** Publish from outside any node (a test playing a peer). */
  publish<T extends MessageTypeName>(
    type: T,
    topic: string,
    message: MessageTypes[T],
    qos: QosProfileName = 'reliable',
  ): void {
    const key = `${topic}|${qos}`;
    let pub = this.#outsidePublishers.get(key) as Publisher<T> | undefined;
    if (pub === undefined) {
      pub = this.publisherFor(type, topic, qos);
      this.#outsidePublishers.set(key, pub as Publisher<MessageTypeName>);
    }
    pub.publish(message);
  }

  // ---- manual clock -------------------------------------------------------------------------

  /** Advance virtual time to `targetNs`, firing every due timer in deadline order. */
  advanceTo(targetNs: bigint): void {
    if (this.#clock !== 'manual') throw new Error('InProcessTransport.advanceTo: clock is steady');
    for (;;) {
      let next: TimerEntry | undefined;
      for (const t of this.#timers) {
        if (t.active && t.schedule.due(targetNs)) {
          if (next === undefined || t.schedule.deadlineNs < next.schedule.deadlineNs) next = t;
        }
      }
      if (next === undefined) break;
      this.#virtualNowNs = next.schedule.deadlineNs;
      next.schedule.advance(this.#virtualNowNs);
      this.#run(next.callback);
    }
    this.#virtualNowNs = targetNs;
  }

  advanceBy(deltaNs: bigint): void {
    this.advanceTo(this.#virtualNowNs + deltaNs);
  }

  // ---- used by nodes --------------------------------------------------------------------------

  /**
   * A publisher on `topic`. Through a node, `options.nodeName` names it to incompatible peers;
   * `registration.dispose()` (the node's destroy) takes it out of the topic's QoS matching.
   */
  publisherFor<T extends MessageTypeName>(
    type: T,
    topic: string,
    qos: QosProfileName,
    options: InProcessEndpointOptions = {},
  ): Publisher<T> & { readonly registration: Disposable } {
    const entry = this.#topic(type, topic);
    const endpoint: Endpoint = {
      qos,
      nodeName: options.nodeName ?? '',
      onIncompatibleQos: options.onIncompatibleQos,
      active: true,
    };
    entry.publishers.push(endpoint);
    for (const sub of entry.subscribers) this.#matchQos(topic, endpoint, sub);
    return {
      topic,
      publish: (message: MessageTypes[T]) => {
        if (this.#shutdown) return;
        if (qos === 'latched') entry.latched = message;
        for (const sub of entry.subscribers) {
          if (sub.active && qosIncompatibility(qos, sub.qos) === null) {
            this.#enqueue(() => sub.callback(message));
          }
        }
      },
      registration: {
        dispose: () => {
          endpoint.active = false;
          entry.publishers = entry.publishers.filter((p) => p !== endpoint);
        },
      },
    };
  }

  subscribe<T extends MessageTypeName>(
    type: T,
    topic: string,
    qos: QosProfileName,
    callback: (message: MessageTypes[T]) => void,
    options: InProcessEndpointOptions = {},
  ): Disposable {
    const entry = this.#topic(type, topic);
    const sub: Subscriber = {
      type,
      qos,
      nodeName: options.nodeName ?? '',
      onIncompatibleQos: options.onIncompatibleQos,
      callback: callback as (message: unknown) => void,
      active: true,
    };
    entry.subscribers.push(sub);
    for (const pub of entry.publishers) this.#matchQos(topic, pub, sub);
    // History goes only to a TRANSIENT_LOCAL reader (DDS: a VOLATILE reader gets new samples only).
    const latched = entry.latched;
    if (latched !== undefined && qos === 'latched') {
      this.#enqueue(() => sub.active && sub.callback(latched));
    }
    return {
      dispose: () => {
        sub.active = false;
        entry.subscribers = entry.subscribers.filter((s) => s !== sub);
      },
    };
  }

  addService(name: string, handler: () => { success: boolean; message: string }): Disposable {
    if (this.#services.has(name)) {
      throw new Error(`InProcessTransport: service '${name}' already exists`);
    }
    this.#services.set(name, handler);
    return { dispose: () => this.#services.delete(name) };
  }

  addTimer(periodNs: bigint, callback: () => void): Timer {
    if (periodNs <= 0n)
      throw new Error(`InProcessTransport.addTimer: period must be > 0, got ${periodNs}`);
    if (this.#clock === 'steady' && this.#busyPoll && periodNs <= 20_000_000n) {
      const spinning = busyPollLoop.addTimer(periodNs, () => this.#run(callback));
      this.#fastTimers.push(spinning);
      return spinning;
    }
    if (this.#clock === 'steady' && this.#preciseTimers && periodNs <= 20_000_000n) {
      const precise = new PreciseTimer(periodNs, () => this.#run(callback));
      const handle: Timer = {
        get missedTicks() {
          return precise.missedTicks;
        },
        dispose: () => precise.dispose(),
      };
      this.#fastTimers.push(handle);
      return handle;
    }
    const entry: TimerEntry = {
      schedule: new DeadlineSchedule(periodNs, this.nowNs()),
      callback,
      active: true,
    };
    this.#timers.push(entry);
    if (this.#clock === 'steady') this.#scheduleSteady(entry);
    return {
      get missedTicks() {
        return entry.schedule.missedTicks;
      },
      dispose: () => {
        this.#cancelTimer(entry);
        const i = this.#timers.indexOf(entry);
        if (i >= 0) this.#timers.splice(i, 1);
      },
    };
  }

  // ---- internals ------------------------------------------------------------------------------

  /** A publisher and a subscription met on `topic`: tell both sides if they cannot match. */
  #matchQos(topic: string, pub: Endpoint, sub: Endpoint): void {
    const policy = qosIncompatibility(pub.qos, sub.qos);
    if (policy === null) return;
    const tell = (own: Endpoint, peer: Endpoint, endpoint: 'publisher' | 'subscription') => {
      const callback = own.onIncompatibleQos;
      if (callback === undefined) return;
      const event: IncompatibleQosEvent = {
        topic,
        endpoint,
        peerNodes: peer.nodeName === '' ? [] : [peer.nodeName],
        policy,
      };
      this.#enqueue(() => own.active && callback(event));
    };
    tell(sub, pub, 'subscription');
    tell(pub, sub, 'publisher');
  }

  #topic(type: MessageTypeName, topic: string): Topic {
    let entry = this.#topics.get(topic);
    if (entry === undefined) {
      entry = { type, subscribers: [], publishers: [] };
      this.#topics.set(topic, entry);
    } else if (entry.type !== type) {
      throw new Error(
        `InProcessTransport: topic '${topic}' has type '${entry.type}', not '${type}'`,
      );
    }
    return entry;
  }

  /**
   * Drift-free: deadlines are start + k·period whatever the callback's duration. A timer that wakes
   * more than one period late skips (and counts) the ticks it missed instead of bunching them.
   */
  #scheduleSteady(entry: TimerEntry): void {
    const delayNs = entry.schedule.deadlineNs - process.hrtime.bigint();
    const delayMs = delayNs > 0n ? Number(delayNs) / 1e6 : 0;
    entry.handle = setTimeout(() => {
      if (!entry.active) return;
      entry.schedule.advance(process.hrtime.bigint());
      this.#run(entry.callback);
      if (entry.active) this.#scheduleSteady(entry);
    }, Math.floor(delayMs));
  }

  #cancelTimer(entry: TimerEntry): void {
    entry.active = false;
    if (entry.handle !== undefined) clearTimeout(entry.handle);
  }

  #run(callback: () => void): void {
    try {
      callback();
    } catch (err) {
      this.#logger.error(`InProcessTransport: callback threw: ${describe(err)}`);
    }
    if (this.#clock === 'manual') this.#drain();
  }

  #enqueue(delivery: () => void): void {
    this.#queue.push(delivery);
    if (this.#clock === 'manual') {
      if (!this.#draining) this.#drain();
    } else if (!this.#drainScheduled) {
      this.#drainScheduled = true;
      setImmediate(() => {
        this.#drainScheduled = false;
        this.#drain();
      });
    }
  }

  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    let delivered = 0;
    try {
      // Deliver only what is queued now in steady mode (new messages wait for the next turn, so
      // timers interleave); everything in manual mode, up to the loop guard.
      const limit = this.#clock === 'manual' ? this.#maxDeliveries : this.#queue.length;
      while (this.#queue.length > 0 && delivered < limit) {
        const delivery = this.#queue.shift() as () => void;
        delivered++;
        try {
          delivery();
        } catch (err) {
          this.#logger.error(`InProcessTransport: subscription callback threw: ${describe(err)}`);
        }
      }
    } finally {
      this.#draining = false;
    }
    if (this.#queue.length > 0) {
      if (this.#clock === 'manual') {
        throw new Error(
          `InProcessTransport: more than ${this.#maxDeliveries} messages in one drain (a publish loop?)`,
        );
      }
      this.#drainScheduled = true;
      setImmediate(() => {
        this.#drainScheduled = false;
        this.#drain();
      });
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
