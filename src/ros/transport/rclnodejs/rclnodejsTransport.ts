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
  lifecycle as rclLifecycle,
} from 'rclnodejs';
import type { Timer } from '../../timing/index.js';
import { guardLifecycleCallback } from '../lifecycle.js';
import type { LifecycleCallbacks, PrimaryState, TransitionName } from '../lifecycle.js';
import { ParameterStore } from '../parameterStore.js';
import type { RawTopicNode } from '../rawTopics.js';
import { loadEventCallbackClasses } from './qosEvents.js';
import type { EventCallbackClasses } from './qosEvents.js';
import { RclTransportNode } from './rclnodejsNode.js';
import { PARAMETER_TYPE } from './rclnodejsParameters.js';
import type { RclTransportState } from './rclnodejsNode.js';
import { noRosError } from './rosEnv.js';
import type {
  CreateNodeOptions,
  LifecycleHandle,
  NodeLogger,
  Transport,
  TransportNode,
} from '../transport.js';

type Rcl = typeof rclnodejsModule;

/** A lifecycle State's id: rclnodejs 2.2's State has `id` (its .d.ts declares asMessage()). */
function stateId(state: rclLifecycle.State): number {
  const plain = state as unknown as { id?: number; asMessage?: () => { id: number } };
  return plain.id ?? plain.asMessage?.().id ?? 0;
}

/**
 * Load rclnodejs and make a transport. Throws one error naming the fix when ROS is absent.
 * Call `ensureRosEnvironment()` (src/ros/transport/rclnodejs/rosEnv.ts) first, in the CLI, before this.
 */
export async function loadRclnodejsTransport(
  options: { argv?: string[]; logger?: NodeLogger; busyPoll?: boolean } = {},
): Promise<RclnodejsTransport> {
  let rcl: Rcl;
  let events: EventCallbackClasses | null = null;
  try {
    const mod = (await import('rclnodejs')) as unknown as { default?: Rcl } & Rcl;
    rcl = mod.default ?? mod;
    await rcl.init(undefined, options.argv ?? process.argv);
    // rclnodejs's own SIGINT handler shuts every context down at once, under the nodes' feet
    // (timers still armed, lifecycle nodes not destroyed): under `ros2 launch` that ended in
    // SIGSEGV (exit -11). The CLI shuts down itself, in order (RclnodejsTransport.shutdown).
    rcl.removeSignalHandlers();
    events = await loadEventCallbackClasses();
  } catch (err) {
    const e = noRosError('torquepilot ROS node');
    e.message += ` (loading rclnodejs failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
    throw e;
  }
  return new RclnodejsTransport(rcl, options.logger, options.busyPoll ?? false, events);
}

export class RclnodejsTransport implements Transport {
  readonly kind = 'ros' as const;
  readonly #rcl: Rcl;
  readonly #logger: NodeLogger | undefined;
  readonly #nodes: RclNode[] = [];
  readonly #transportNodes: RclTransportNode[] = [];
  /** Shared with the nodes: closed from the first line of shutdown() on (nothing sent or run). */
  readonly #state: RclTransportState = { closed: false };
  readonly #busyPoll: boolean;
  /** The nodes' live spin timers, disposed on shutdown (they would keep the process alive). */
  readonly #spinTimers = new Set<Timer>();
  readonly #events: EventCallbackClasses | null;

  /**
   * `busyPoll`: steady-clock timers are spin timers on the main thread (busyPoll.ts), which then
   * never sleeps, so the uv_async wake-ups from rclnodejs's executor threads are picked up within
   * one turn. (Polling rcl with a non-blocking `spinOnce(0)` instead builds and tears down a wait
   * set per call; in a trial it missed more ticks.)
   */
  constructor(
    rcl: Rcl,
    logger?: NodeLogger,
    busyPoll = false,
    events: EventCallbackClasses | null = null,
  ) {
    this.#rcl = rcl;
    this.#events = events;
    this.#logger = logger;
    this.#busyPoll = busyPoll;
  }

  createNode(name: string, options: CreateNodeOptions = {}): TransportNode {
    const node = new this.#rcl.Node(name, '', undefined, this.#nodeOptions(options));
    this.#nodes.push(node);
    return this.#wrap(node, name, options);
  }

  /** A plain node whose endpoints carry serialized messages (the fleet's actor and learner). */
  createRawTopicNode(name: string): RawTopicNode {
    const node = new this.#rcl.Node(name, '', undefined, this.#nodeOptions({}));
    this.#nodes.push(node);
    return this.#wrap(node, name, {}).rawTopics();
  }

  #wrap(node: RclNode, name: string, options: CreateNodeOptions): RclTransportNode {
    const tnode = new RclTransportNode(
      this.#rcl,
      node,
      new ParameterStore(name, options.parameterOverrides ?? {}),
      this.#logger,
      this.#busyPoll ? this.#spinTimers : null,
      this.#events,
      this.#state,
    );
    this.#transportNodes.push(tnode);
    return tnode;
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
    const tnode = this.#wrap(node, name, options);
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

  /**
   * Shut down in order: close first (publishing becomes a no-op, queued callbacks are skipped),
   * then stop every timer, then destroy the nodes, then shut rcl down. Idempotent.
   */
  async shutdown(): Promise<void> {
    this.#state.closed = true;
    for (const t of [...this.#spinTimers]) t.dispose();
    for (const tnode of this.#transportNodes) tnode.disposeTimers();
    this.#transportNodes.length = 0;
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
