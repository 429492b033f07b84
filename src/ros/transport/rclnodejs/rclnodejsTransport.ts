/**
 * The thin rclnodejs adapter: the Transport interface on real ROS 2 (DDS). Loaded only by dynamic
 * import (`loadRclnodejsTransport`), after `ensureRosEnvironment()` has applied the ROS
 * environment, because importing rclnodejs without one fails (or starts a native build).
 *
 * ROS field names (snake_case, builtin_interfaces/Time) live only at this boundary: rosMessages.ts
 * turns the node's camelCase messages into ROS messages and back. Lifecycle callbacks are registered
 * with rclnodejs's LifecycleNode (rcl_lifecycle runs the state machine and the standard
 * /<node>/change_state, get_state, ... services); they are synchronous and return 97/98/99.
 */
import type * as rclnodejsModule from 'rclnodejs';
import type {
  Node as RclNode,
  Parameter as RclParameter,
  ParameterType as RclParameterType,
  QoS as RclQoS,
  Timer as RclTimer,
  lifecycle as rclLifecycle,
} from 'rclnodejs';
import { busyPollLoop, DeadlineSchedule } from '../../timing/index.js';
import type { Disposable, Timer } from '../../timing/index.js';
import { guardLifecycleCallback } from '../lifecycle.js';
import type { LifecycleCallbacks, PrimaryState, TransitionName } from '../lifecycle.js';
import type { MessageTypeName, MessageTypes } from '../messages.js';
import { ParameterStore } from '../parameterStore.js';
import type { ParameterChange } from '../parameterStore.js';
import { noRosError } from './rosEnv.js';
import { rosConverters } from './rosMessages.js';
import type { RosMessage } from './rosMessages.js';
import type {
  CreateNodeOptions,
  LifecycleHandle,
  NodeLogger,
  ParameterSpec,
  ParameterValue,
  Publisher,
  QosProfileName,
  SetParametersResult,
  TimerClock,
  Transport,
  TransportNode,
} from '../transport.js';

type Rcl = typeof rclnodejsModule;

/** rcl_interfaces/msg/ParameterType values (rclnodejs declares them as a const enum). */
const PARAMETER_TYPE: Readonly<Record<ParameterSpec['type'], RclParameterType>> = Object.freeze({
  bool: 1 as RclParameterType,
  integer: 2 as RclParameterType,
  double: 3 as RclParameterType,
  string: 4 as RclParameterType,
});

/** A lifecycle State's id: rclnodejs 2.2's State has `id` (its .d.ts declares asMessage()). */
function stateId(state: rclLifecycle.State): number {
  const plain = state as unknown as { id?: number; asMessage?: () => { id: number } };
  return plain.id ?? plain.asMessage?.().id ?? 0;
}

interface AnyPublisher {
  publish(message: object): void;
}

/**
 * Load rclnodejs and make a transport. Throws one error naming the fix when ROS is absent.
 * Call `ensureRosEnvironment()` (src/ros/transport/rclnodejs/rosEnv.ts) first, in the CLI, before this.
 */
export async function loadRclnodejsTransport(
  options: { argv?: string[]; logger?: NodeLogger; busyPoll?: boolean } = {},
): Promise<RclnodejsTransport> {
  let rcl: Rcl;
  try {
    const mod = (await import('rclnodejs')) as unknown as { default?: Rcl } & Rcl;
    rcl = mod.default ?? mod;
    await rcl.init(undefined, options.argv ?? process.argv);
    // rclnodejs's own SIGINT handler shuts every context down at once, under the nodes' feet
    // (timers still armed, lifecycle nodes not destroyed): under `ros2 launch` that ended in
    // SIGSEGV (exit -11). The CLI shuts down itself, in order (RclnodejsTransport.shutdown).
    rcl.removeSignalHandlers();
  } catch (err) {
    const e = noRosError('torquepilot ROS node');
    e.message += ` (loading rclnodejs failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
    throw e;
  }
  return new RclnodejsTransport(rcl, options.logger, options.busyPoll ?? false);
}

export class RclnodejsTransport implements Transport {
  readonly kind = 'ros' as const;
  readonly #rcl: Rcl;
  readonly #logger: NodeLogger | undefined;
  readonly #nodes: RclNode[] = [];
  readonly #busyPoll: boolean;
  /** The nodes' live spin timers, disposed on shutdown (they would keep the process alive). */
  readonly #spinTimers = new Set<Timer>();

  /**
   * `busyPoll`: steady-clock timers are spin timers on the main thread (busyPoll.ts), which then
   * never sleeps, so the uv_async wake-ups from rclnodejs's executor threads are picked up within
   * one turn. (Polling rcl with a non-blocking `spinOnce(0)` instead builds and tears down a wait
   * set per call; in a trial it missed more ticks.)
   */
  constructor(rcl: Rcl, logger?: NodeLogger, busyPoll = false) {
    this.#rcl = rcl;
    this.#logger = logger;
    this.#busyPoll = busyPoll;
  }

  createNode(name: string, options: CreateNodeOptions = {}): TransportNode {
    const node = new this.#rcl.Node(name, '', undefined, this.#nodeOptions(options));
    this.#nodes.push(node);
    return new RclTransportNode(
      this.#rcl,
      node,
      new ParameterStore(name, options.parameterOverrides ?? {}),
      this.#logger,
      this.#busyPoll ? this.#spinTimers : null,
    );
  }

  createLifecycleNode(
    name: string,
    makeCallbacks: (node: TransportNode) => LifecycleCallbacks,
    options: CreateNodeOptions = {},
  ): LifecycleHandle {
    const node = new this.#rcl.lifecycle.LifecycleNode(
      name,
      '',
      undefined,
      this.#nodeOptions(options),
      true,
    );
    this.#nodes.push(node);
    const tnode = new RclTransportNode(
      this.#rcl,
      node,
      new ParameterStore(name, options.parameterOverrides ?? {}),
      this.#logger,
      this.#busyPoll ? this.#spinTimers : null,
    );
    const callbacks = makeCallbacks(tnode);
    const wrap =
      (which: keyof LifecycleCallbacks): rclLifecycle.TransitionCallback =>
      () =>
        guardLifecycleCallback(which, callbacks, (m) =>
          tnode.logger.error(`${name}: ${m}`),
        ) as rclLifecycle.CallbackReturnCode;
    node.registerOnConfigure(wrap('onConfigure'));
    node.registerOnActivate(wrap('onActivate'));
    node.registerOnDeactivate(wrap('onDeactivate'));
    node.registerOnCleanup(wrap('onCleanup'));
    node.registerOnShutdown(wrap('onShutdown'));
    node.registerOnError(wrap('onError'));
    const labels: Record<number, PrimaryState> = {
      1: 'unconfigured',
      2: 'inactive',
      3: 'active',
      4: 'finalized',
    };
    return {
      node: tnode,
      state: () => labels[stateId(node.currentState)] ?? 'unconfigured',
      trigger: (t: TransitionName) => {
        const before = labels[stateId(node.currentState)] ?? 'unconfigured';
        try {
          const holder = new this.#rcl.lifecycle.CallbackReturnValue();
          const state = node[t](holder);
          const reached = labels[stateId(state)] ?? before;
          return holder.isSuccess()
            ? { success: true, state: reached }
            : { success: false, state: reached, reason: `${t} returned ${holder.value}` };
        } catch (err) {
          return { success: false, state: before, reason: String(err) };
        }
      },
    };
  }

  spin(): void {
    for (const node of this.#nodes) node.spin();
  }

  async shutdown(): Promise<void> {
    for (const t of [...this.#spinTimers]) t.dispose();
    for (const node of this.#nodes) {
      try {
        node.destroy();
      } catch {
        // already destroyed
      }
    }
    this.#nodes.length = 0;
    if (!this.#rcl.isShutdown()) this.#rcl.shutdown();
  }

  #nodeOptions(options: CreateNodeOptions): InstanceType<Rcl['NodeOptions']> {
    // Our own overrides (CLI flags) are applied as declaration defaults in declareParameters, where
    // the declared type is known; `--ros-args -p name:=value` overrides still win there.
    const nodeOptions = new this.#rcl.NodeOptions();
    const overrides: RclParameter[] = [];
    if (options.useSimTime === true) {
      overrides.push(new this.#rcl.Parameter('use_sim_time', PARAMETER_TYPE.bool, true));
    }
    nodeOptions.parameterOverrides = overrides;
    return nodeOptions;
  }
}

class RclTransportNode implements TransportNode {
  readonly name: string;
  readonly logger: NodeLogger;
  readonly #rcl: Rcl;
  readonly #node: RclNode;
  /** Specs and checks only: rcl keeps the values. */
  readonly #parameters: ParameterStore;
  readonly #timerClocks = new Map<RclTimer, InstanceType<Rcl['Clock']>>();
  /** Busy polling: the transport's set of live spin timers (null: rcl timers). */
  readonly #spinTimers: Set<Timer> | null;

  constructor(
    rcl: Rcl,
    node: RclNode,
    parameters: ParameterStore,
    logger?: NodeLogger,
    spinTimers: Set<Timer> | null = null,
  ) {
    this.#rcl = rcl;
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
  ): Publisher<T> {
    const pub = this.#node.createPublisher(type, topic, {
      qos: this.#qos(qos),
    }) as unknown as AnyPublisher;
    const toRos = rosConverters.toRos[type] as (m: MessageTypes[T]) => RosMessage;
    return { topic, publish: (message) => pub.publish(toRos(message)) };
  }

  createSubscription<T extends MessageTypeName>(
    type: T,
    topic: string,
    qos: QosProfileName,
    callback: (message: MessageTypes[T]) => void,
  ): Disposable {
    const fromRos = rosConverters.fromRos[type] as (m: RosMessage) => MessageTypes[T];
    const sub = this.#node.createSubscription(
      type,
      topic,
      { qos: this.#qos(qos), enableTypedArray: true },
      (message: unknown) => callback(fromRos(message as RosMessage)),
    );
    return { dispose: () => this.#node.destroySubscription(sub) };
  }

  createTimer(periodNs: bigint, callback: () => void, clock: TimerClock = 'node'): Timer {
    // Busy polling: a spin timer, on the steady clock, unless the node follows /clock.
    const spinTimers = this.#spinTimers;
    if (spinTimers !== null && (clock === 'steady' || !this.#usesSimTime())) {
      const timer = busyPollLoop.addTimer(periodNs, callback);
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
      callback();
    };
    const timer: RclTimer = this.#node.createTimer(periodNs, onTimer, timerClock);
    const node = this.#node;
    // The rcl timer points at the clock's native handle, which the Clock object frees when it is
    // garbage-collected: keep it reachable as long as the timer (a collected clock → SIGSEGV).
    if (timerClock !== null) this.#timerClocks.set(timer, timerClock);
    const clocks = this.#timerClocks;
    return {
      get missedTicks() {
        return schedule.missedTicks;
      },
      dispose: () => {
        node.destroyTimer(timer);
        clocks.delete(timer);
      },
    };
  }

  createTriggerService(
    name: string,
    callback: () => { success: boolean; message: string },
  ): Disposable {
    const service = this.#node.createService(
      'std_srvs/srv/Trigger',
      name,
      (_request: unknown, response: { send(r: object): void }) => {
        const result = callback();
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
        // Parameters rcl declared itself (use_sim_time, ...) are rcl's to check.
        const checked = this.#parameters.check(parameters.map(toChange), 'skip');
        if (!checked.successful) return checked;
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
    this.#node.addOnSetParametersCallback((parameters: RclParameter[]) => {
      const changes = parameters.map(toChange);
      // Choices are not expressible in a ParameterDescriptor (and _validateParameters may not be
      // there to hook): check against the specs here too.
      const checked = this.#parameters.check(changes, 'skip');
      if (!checked.successful) return { successful: false, reason: checked.reason };
      const r = callback(changes);
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
function toChange(p: RclParameter): ParameterChange {
  const value: unknown = p.value;
  return {
    name: p.name,
    value: typeof value === 'bigint' ? Number(value) : (value as ParameterValue),
  };
}
