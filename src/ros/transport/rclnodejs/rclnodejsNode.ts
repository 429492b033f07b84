/**
 * One node of the rclnodejs adapter (rclnodejsTransport.ts): the TransportNode interface on an
 * rclnodejs Node or LifecycleNode. Parameters are declared with descriptors (ranges, read-only)
 * and checked by our ParameterStore before rclnodejs's own checks, so refusals name the range;
 * timers count missed periods on the shared DeadlineSchedule; endpoints may watch rmw's
 * incompatible-QoS events (qosEvents.ts).
 *
 * No exception may leave a callback that rclnodejs's executor runs (timer, subscription, service,
 * parameter, QoS event): rclnodejs is built with C++ exceptions, so a JS exception there becomes
 * a Napi::Error thrown out of a libuv callback, std::terminate and SIGABRT. One failed DDS write
 * ("cannot publish data", rmw_publish.cpp: Fast DDS's write timed out under load) killed the
 * policy node that way mid-run. So every callback is guarded (logged, the node goes on), publish
 * failures are logged and counted, not thrown, and once the transport shuts down (`closed`),
 * publishing is a no-op and callbacks are skipped.
 */
import type * as rclnodejsModule from 'rclnodejs';
import type {
  Node as RclNode,
  Parameter as RclParameter,
  QoS as RclQoS,
  Timer as RclTimer,
} from 'rclnodejs';
import { busyPollLoop, DeadlineSchedule } from '../../timing/index.js';
import type { Disposable, Timer } from '../../timing/index.js';
import type { MessageTypeName, MessageTypes } from '../messages.js';
import type { ParameterStore } from '../parameterStore.js';
import type { ParameterChange } from '../parameterStore.js';
import { PROFILE_POLICIES } from '../qos.js';
import { publishEncoder, subscriptionDecoder } from './cdrWire.js';
import { attachIncompatibleQos } from './qosEvents.js';
import { PARAMETER_TYPE, prepareParameterOverride, toChange } from './rclnodejsParameters.js';
import { rawTopicNode } from './rawEndpoints.js';
import type { RawTopicNode } from '../rawTopics.js';
import type { EventCallbackClasses } from './qosEvents.js';
import type {
  EndpointOptions,
  NodeLogger,
  ParameterSpec,
  ParameterValue,
  Publisher,
  QosProfileName,
  SetParametersResult,
  TimerClock,
  TransportNode,
} from '../transport.js';

type Rcl = typeof rclnodejsModule;

interface AnyPublisher {
  publish(message: object): void;
  waitForAllAcked(timeoutNs: bigint): boolean;
}

/** State shared by a transport and its nodes. */
export interface RclTransportState {
  /** Set first thing in the transport's shutdown: from then on nothing is sent or run. */
  closed: boolean;
}

/** Log the 1st, 10th, 100th, ... failure of one kind: visible, never a flood at 500 Hz. */
function worthLogging(count: number): boolean {
  return Number.isInteger(Math.log10(count));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class RclTransportNode implements TransportNode {
  readonly name: string;
  readonly logger: NodeLogger;
  readonly #rcl: Rcl;
  readonly #node: RclNode;
  /** Specs and checks only: rcl keeps the values. */
  readonly #parameters: ParameterStore;
  readonly #timerClocks = new Map<RclTimer, InstanceType<Rcl['Clock']>>();
  /** Busy polling: the transport's set of live spin timers (null: rcl timers). */
  readonly #spinTimers: Set<Timer> | null;

  /** rmw's incompatible-QoS events (null: not available, no warnings). */
  readonly #events: EventCallbackClasses | null;
  readonly #state: RclTransportState;
  /** The live timers' disposers: the transport disposes them before destroying the node. */
  readonly #timers = new Set<() => void>();
  #destroyed = false;
  /** Callback failures by kind (logged at 1, 10, 100, ...). */
  readonly #failures = new Map<string, number>();

  constructor(
    rcl: Rcl,
    node: RclNode,
    parameters: ParameterStore,
    logger?: NodeLogger,
    spinTimers: Set<Timer> | null = null,
    events: EventCallbackClasses | null = null,
    state: RclTransportState = { closed: false },
  ) {
    this.#rcl = rcl;
    this.#state = state;
    this.#events = events;
    this.#spinTimers = spinTimers;
    this.#node = node;
    this.#parameters = parameters;
    this.name = node.name();
    this.#explainRefusals(node);
    const rosLogger = node.getLogger();
    this.logger = logger ?? {
      debug: (m) => void rosLogger.debug(m),
      info: (m) => void rosLogger.info(m),
      warn: (m) => void rosLogger.warn(m),
      error: (m) => void rosLogger.error(m),
    };
  }

  now(): bigint {
    return this.#node.now().nanoseconds;
  }
  steadyNs(): bigint {
    return process.hrtime.bigint();
  }

  createPublisher<T extends MessageTypeName>(
    type: T,
    topic: string,
    qos: QosProfileName,
    options: EndpointOptions = {},
  ): Publisher<T> {
    const pub = this.#node.createPublisher(type, topic, {
      qos: this.#qos(qos),
    }) as unknown as AnyPublisher;
    this.#watchQos(pub, 'publisher', qos, options);
    // The per-tick types go out as CDR bytes (cdrCodecs.ts: rclnodejs's conversion is the slow part).
    const encode = publishEncoder(type);
    let failures = 0;
    let skippedClosed = false;
    return {
      topic,
      publish: (message) => {
        if (this.#state.closed || this.#destroyed) {
          // Shut down: a callback already queued in this turn, or a late deactivate.
          if (!skippedClosed) {
            skippedClosed = true;
            this.logger.debug(`${this.name}: not publishing on ${topic}: the node is shut down`);
          }
          return;
        }
        try {
          pub.publish(encode(message));
        } catch (err) {
          // A failed DDS write is not the caller's to handle (it would abort the process from an
          // executor callback): log it and go on, as the next tick publishes afresh.
          failures++;
          if (worthLogging(failures)) {
            this.logger.error(
              `${this.name}: publish on ${topic} failed (${failures} so far): ${errorText(err)}`,
            );
          }
        }
      },
      waitForDelivery: (timeoutMs) => {
        if (this.#state.closed || this.#destroyed) return false;
        try {
          return pub.waitForAllAcked(BigInt(Math.max(0, Math.round(timeoutMs * 1e6))));
        } catch (err) {
          // A middleware without the feature: say so, and go on as before (publish and hope).
          this.logger.warn(`${this.name}: cannot wait for delivery on ${topic}: ${errorText(err)}`);
          return false;
        }
      },
    };
  }

  /**
   * `callback`, made safe to hand to rclnodejs: skipped once the transport or node is shut down,
   * and never throwing (see the file comment); `fallback` is returned instead.
   */
  #guarded<A extends unknown[], R>(
    what: string,
    callback: (...args: A) => R,
    fallback: (reason: string) => R,
  ): (...args: A) => R {
    return (...args: A): R => {
      if (this.#state.closed || this.#destroyed) return fallback('the node is shut down');
      try {
        return callback(...args);
      } catch (err) {
        const count = (this.#failures.get(what) ?? 0) + 1;
        this.#failures.set(what, count);
        if (worthLogging(count)) {
          this.logger.error(`${this.name}: ${what} failed (${count} so far): ${errorText(err)}`);
        }
        return fallback(errorText(err));
      }
    };
  }

  createSubscription<T extends MessageTypeName>(
    type: T,
    topic: string,
    qos: QosProfileName,
    callback: (message: MessageTypes[T]) => void,
    options: EndpointOptions = {},
  ): Disposable {
    // The per-tick types are taken as CDR bytes and decoded here (cdrCodecs.ts).
    const { raw, decode } = subscriptionDecoder(type);
    const onMessage = this.#guarded(
      `callback of ${topic}`,
      (message: unknown) => callback(decode(message)),
      () => undefined,
    );
    const sub = this.#node.createSubscription(
      type,
      topic,
      { qos: this.#qos(qos), enableTypedArray: true, isRaw: raw },
      onMessage,
    );
    this.#watchQos(sub, 'subscription', qos, options);
    return { dispose: () => this.#node.destroySubscription(sub) };
  }

  /** Attach the incompatible-QoS handler, if asked for and rclnodejs has the events. */
  #watchQos(
    entity: { readonly topic: string } | object,
    endpoint: 'publisher' | 'subscription',
    qos: QosProfileName,
    options: EndpointOptions,
  ): void {
    const onIncompatibleQos = options.onIncompatibleQos;
    if (onIncompatibleQos === undefined || this.#events === null) return;
    // The resolved name (remappings applied), as the graph lists it.
    const topic = (entity as { topic?: string }).topic ?? '';
    const callback = this.#guarded(
      `incompatible-QoS callback of ${topic}`,
      onIncompatibleQos,
      () => undefined,
    );
    try {
      attachIncompatibleQos(
        this.#events,
        this.#node,
        entity,
        endpoint,
        topic,
        PROFILE_POLICIES[qos],
        callback,
      );
    } catch (err) {
      this.logger.debug(
        `${this.name}: no incompatible-QoS events on ${topic}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  /** This node's endpoints for serialized messages with an explicit QoS (rawEndpoints.ts). */
  rawTopics(): RawTopicNode {
    return rawTopicNode(this.#rcl, this.#node, this, () => this.#state.closed || this.#destroyed);
  }

  createTimer(periodNs: bigint, callback: () => void, clock: TimerClock = 'node'): Timer {
    const onTick = this.#guarded('timer callback', callback, () => undefined);
    // Busy polling: a spin timer, on the steady clock, unless the node follows /clock.
    const spinTimers = this.#spinTimers;
    if (spinTimers !== null && (clock === 'steady' || !this.#usesSimTime())) {
      const timer = busyPollLoop.addTimer(periodNs, onTick);
      const handle: Timer = {
        get missedTicks() {
          return timer.missedTicks;
        },
        dispose: () => {
          timer.dispose();
          spinTimers.delete(handle);
        },
      };
      spinTimers.add(handle);
      return handle;
    }
    // rcl timers are drift-free (next call = previous deadline + period) and skip missed periods;
    // count the skips on the steady clock for the report, against the same deadline grid (started
    // just before the rcl timer, so its calls are never before our deadlines). Without a clock,
    // rclnodejs uses the node's ROS clock, which under use_sim_time only advances with /clock.
    const timerClock =
      clock === 'steady' ? new this.#rcl.Clock(this.#rcl.ClockType.STEADY_TIME) : null;
    const schedule = new DeadlineSchedule(periodNs, process.hrtime.bigint());
    const onTimer = () => {
      schedule.advance(process.hrtime.bigint());
      onTick();
    };
    const timer: RclTimer = this.#node.createTimer(periodNs, onTimer, timerClock);
    const node = this.#node;
    // The rcl timer points at the clock's native handle, which the Clock object frees when it is
    // garbage-collected: keep it reachable as long as the timer (a collected clock → SIGSEGV).
    if (timerClock !== null) this.#timerClocks.set(timer, timerClock);
    const clocks = this.#timerClocks;
    const timers = this.#timers;
    let disposed = false;
    const dispose = (): void => {
      if (disposed) return;
      disposed = true;
      timers.delete(dispose);
      try {
        node.destroyTimer(timer);
      } catch {
        // the node is already destroyed, and its timers with it
      }
      clocks.delete(timer);
    };
    timers.add(dispose);
    return {
      get missedTicks() {
        return schedule.missedTicks;
      },
      dispose,
    };
  }

  /** Dispose every live rcl timer (the transport's shutdown, before the node is destroyed). */
  disposeTimers(): void {
    for (const dispose of [...this.#timers]) dispose();
  }

  createTriggerService(
    name: string,
    callback: () => { success: boolean; message: string },
  ): Disposable {
    const handle = this.#guarded(`service ${name}`, callback, (reason) => ({
      success: false,
      message: reason,
    }));
    const service = this.#node.createService(
      'std_srvs/srv/Trigger',
      name,
      (_request: unknown, response: { send(r: object): void }) => {
        const result = handle();
        response.send({ success: result.success, message: result.message });
      },
    );
    return { dispose: () => this.#node.destroyService(service) };
  }

  declareParameters(specs: readonly ParameterSpec[]): void {
    const rcl = this.#rcl;
    for (const spec of specs) {
      const type = PARAMETER_TYPE[spec.type];
      const range =
        spec.range === undefined
          ? undefined
          : spec.type === 'integer'
            ? new rcl.IntegerRange(BigInt(spec.range.from), BigInt(spec.range.to))
            : // step 0: continuous (rclnodejs defaults to step 1, allowing only from + k).
              new rcl.FloatingPointRange(spec.range.from, spec.range.to, 0);
      const descriptor = new rcl.ParameterDescriptor(
        spec.name,
        type,
        spec.description,
        spec.readOnly,
        range,
      );
      if (spec.choices !== undefined) {
        descriptor.additionalConstraints = `one of: ${spec.choices.join(', ')}`;
      }
      const value = this.#parameters.declare(spec);
      prepareParameterOverride(this.#rcl, this.#node, spec, this.#parameters);
      this.#node.declareParameter(new rcl.Parameter(spec.name, type, value), descriptor);
      // A --ros-args override replaced the value: check it like any other set.
      this.#parameters.checkOverride(spec, this.getParameter(spec.name));
    }
  }

  /**
   * rclnodejs 2.2 refuses a value outside a descriptor's range with the reason "Parameter <name>
   * does not  readonly" (lib/node.js _validateParameters). Check our declared parameters first, so
   * that /<node>/set_parameters answers with the name, the value and the allowed range or choices.
   * Values that pass go on to rclnodejs's own checks unchanged.
   */
  #explainRefusals(node: RclNode): void {
    type Validation = { successful: boolean; reason: string | null };
    const internal = node as unknown as {
      _validateParameters?: (parameters: RclParameter[], declareMode?: boolean) => Validation;
    };
    const original = internal._validateParameters;
    if (typeof original !== 'function') return;
    internal._validateParameters = (parameters: RclParameter[], declareMode = false) => {
      if (!declareMode) {
        // Parameters rcl declared itself (use_sim_time, ...) are rcl's to check. Called from the
        // set_parameters service: an exception would abort the process (file comment).
        try {
          const checked = this.#parameters.check(parameters.map(toChange), 'skip');
          if (!checked.successful) return checked;
        } catch (err) {
          return { successful: false, reason: errorText(err) };
        }
      }
      return original.call(node, parameters, declareMode);
    };
  }

  #usesSimTime(): boolean {
    try {
      return this.getParameter('use_sim_time') === true;
    } catch {
      return false;
    }
  }

  getParameter(name: string): ParameterValue {
    const p = this.#node.getParameter(name);
    const value: unknown = p.value;
    return typeof value === 'bigint' ? Number(value) : (value as ParameterValue);
  }

  onSetParameters(
    callback: (changes: readonly { name: string; value: ParameterValue }[]) => SetParametersResult,
  ): void {
    const onSet = this.#guarded('parameter callback', callback, (reason) => ({
      successful: false,
      reason,
    }));
    this.#node.addOnSetParametersCallback((parameters: RclParameter[]) => {
      const changes = parameters.map(toChange);
      // Choices are not expressible in a ParameterDescriptor (and _validateParameters may not be
      // there to hook): check against the specs here too.
      const checked = this.#parameters.check(changes, 'skip');
      if (!checked.successful) return { successful: false, reason: checked.reason };
      const r = onSet(changes);
      return { successful: r.successful, reason: r.reason };
    });
  }

  setParameters(changes: readonly ParameterChange[]): SetParametersResult {
    const rcl = this.#rcl;
    const params = changes.map((c) => {
      const spec = this.#parameters.spec(c.name);
      const type = spec !== undefined ? PARAMETER_TYPE[spec.type] : PARAMETER_TYPE.string;
      return new rcl.Parameter(c.name, type, c.value);
    });
    const result = this.#node.setParametersAtomically(params);
    return { successful: result.successful, reason: result.reason ?? '' };
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.disposeTimers();
    this.#destroyed = true;
    this.#node.destroy();
  }

  #qos(profile: QosProfileName): RclQoS | string {
    const { QoS } = this.#rcl;
    switch (profile) {
      case 'sensor':
        // BEST_EFFORT, VOLATILE, keep last 5: matches reliable and best-effort publishers.
        return QoS.profileSensorData;
      case 'system_default':
        return QoS.profileSystemDefault;
      case 'reliable':
        return new QoS(
          1 as RclQoS.HistoryPolicy,
          10,
          1 as RclQoS.ReliabilityPolicy,
          2 as RclQoS.DurabilityPolicy,
        );
      case 'latest':
        return new QoS(
          1 as RclQoS.HistoryPolicy,
          1,
          1 as RclQoS.ReliabilityPolicy,
          2 as RclQoS.DurabilityPolicy,
        );
      case 'latched':
        return new QoS(
          1 as RclQoS.HistoryPolicy,
          1,
          1 as RclQoS.ReliabilityPolicy,
          1 as RclQoS.DurabilityPolicy,
        );
    }
  }
}

/** An rcl Parameter as a change (rcl integers are bigint; the node sees numbers). */
