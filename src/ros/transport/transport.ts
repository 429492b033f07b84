/**
 * The interface between the node logic (policy node, sim robot node) and a middleware. Two
 * implementations: the in-process transport (tests, `deploy --transport inprocess`) and the thin
 * rclnodejs adapter (real DDS). The node code never sees which one it runs on.
 */
import type {
  LifecycleCallbacks,
  PrimaryState,
  TransitionName,
  TransitionResult,
} from './lifecycle.js';
import type { MessageTypeName, MessageTypes } from './messages.js';
import type { RawTopicNode } from './rawTopics.js';
import type { Disposable, Timer } from '../timing/index.js';

export type { Disposable, Timer } from '../timing/index.js';

/**
 * QoS profiles used by torquepilot:
 * - 'sensor': BEST_EFFORT, VOLATILE, keep last 5. A best-effort subscription matches both the
 *   RELIABLE publisher of joint_state_broadcaster and best-effort sensor drivers.
 * - 'reliable': RELIABLE, VOLATILE, keep last 10.
 * - 'system_default': the RMW's system-default profile (RELIABLE, VOLATILE), which ros2_control's
 *   controllers subscribe their command topics with (rclcpp::SystemDefaultsQoS).
 * - 'latest': RELIABLE, VOLATILE, keep last 1: only the newest sample matters (a reach target from
 *   `ros2 topic pub`, RViz or Foxglove, which all publish VOLATILE).
 * - 'latched': RELIABLE, TRANSIENT_LOCAL, keep last 1 (targets and e-stops a late joiner must see).
 *   DDS never matches a VOLATILE writer to a TRANSIENT_LOCAL reader: to take both, subscribe twice.
 */
export type QosProfileName = 'sensor' | 'reliable' | 'system_default' | 'latched' | 'latest';

/**
 * A QoS policy as rclcpp names it in its incompatible-QoS warnings ("Last incompatible policy:
 * RELIABILITY"); the rmw_qos_policy_kind_t values torquepilot can meet.
 */
export type QosPolicyName =
  | 'DURABILITY'
  | 'DEADLINE'
  | 'LIVELINESS'
  | 'RELIABILITY'
  | 'HISTORY'
  | 'LIFESPAN'
  | 'DEPTH'
  | 'LIVELINESS_LEASE_DURATION'
  | 'AVOID_ROS_NAMESPACE_CONVENTIONS'
  | 'INVALID';

/**
 * A peer endpoint on one of our topics whose QoS cannot match ours (DDS request/offer): on our
 * subscription, a publisher offering too little (BEST_EFFORT to our RELIABLE, VOLATILE to our
 * TRANSIENT_LOCAL); on our publisher, a subscription requesting too much. No message ever flows
 * between the two, and DDS says so only through this event.
 */
export interface IncompatibleQosEvent {
  readonly topic: string;
  /** Our endpoint's kind; the peer is of the other kind. */
  readonly endpoint: 'publisher' | 'subscription';
  /** Fully qualified names of the peer nodes ('/ns/name'); empty when the graph did not say. */
  readonly peerNodes: readonly string[];
  /** The last incompatible policy (rclcpp's "Last incompatible policy"). */
  readonly policy: QosPolicyName;
}

/** Options of a publisher or subscription. */
export interface EndpointOptions {
  /** Called when a peer with an incompatible QoS appears (see IncompatibleQosEvent). */
  readonly onIncompatibleQos?: (event: IncompatibleQosEvent) => void;
}

export type ParameterType = 'bool' | 'integer' | 'double' | 'string';
export type ParameterValue = boolean | number | string;

/** A parameter declared with a descriptor (rcl_interfaces/msg/ParameterDescriptor). */
export interface ParameterSpec {
  readonly name: string;
  readonly type: ParameterType;
  readonly default: ParameterValue;
  readonly description: string;
  /** Inclusive numeric range (integer_range / floating_point_range). */
  readonly range?: { readonly from: number; readonly to: number };
  /** Allowed string values (stated in additional_constraints, enforced by the node). */
  readonly choices?: readonly string[];
  /** Cannot change after declaration (read_only). */
  readonly readOnly: boolean;
}

export interface SetParametersResult {
  readonly successful: boolean;
  readonly reason: string;
}

export interface Publisher<T extends MessageTypeName> {
  readonly topic: string;
  publish(message: MessageTypes[T]): void;
  /**
   * Block until every message published so far is acknowledged by the matched reliable readers,
   * or `timeoutMs` passed (rcl_publisher_wait_for_all_acked). True when all were. A transport that
   * delivers synchronously has nothing to wait for.
   */
  waitForDelivery?(timeoutMs: number): boolean;
}

export interface NodeLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What a node needs from the middleware. */
export interface TransportNode {
  readonly name: string;
  readonly logger: NodeLogger;
  /** Serialized-message endpoints (rclnodejs nodes have them; the in-process transport not). */
  rawTopics?(): RawTopicNode;
  /** The node's clock in ns (ROS time: follows /clock when use_sim_time is set). */
  now(): bigint;
  /** A monotonic clock in ns, for latencies and watchdog ages. */
  steadyNs(): bigint;
  createPublisher<T extends MessageTypeName>(
    type: T,
    topic: string,
    qos: QosProfileName,
    options?: EndpointOptions,
  ): Publisher<T>;
  createSubscription<T extends MessageTypeName>(
    type: T,
    topic: string,
    qos: QosProfileName,
    callback: (message: MessageTypes[T]) => void,
    options?: EndpointOptions,
  ): Disposable;
  /**
   * A drift-free periodic timer (deadlines k·period from its start) on the node's clock ('node',
   * the default: follows /clock under use_sim_time) or the steady clock ('steady': for the node
   * that publishes /clock itself, whose pacing must never wait for its own sim time).
   */
  createTimer(periodNs: bigint, callback: () => void, clock?: TimerClock): Timer;
  /** A std_srvs/srv/Trigger service. */
  createTriggerService(
    name: string,
    callback: () => { success: boolean; message: string },
  ): Disposable;
  /** Declare parameters with descriptors; values given at launch (overrides) replace defaults. */
  declareParameters(specs: readonly ParameterSpec[]): void;
  getParameter(name: string): ParameterValue;
  /** Veto or accept parameter changes before they apply (from set_parameters or in-process). */
  onSetParameters(
    callback: (changes: readonly { name: string; value: ParameterValue }[]) => SetParametersResult,
  ): void;
  /** Set parameters as the /<node>/set_parameters service would (atomically, after validation). */
  setParameters(changes: readonly { name: string; value: ParameterValue }[]): SetParametersResult;
  destroy(): void;
}

/** Which clock a timer runs on (see TransportNode.createTimer). */
export type TimerClock = 'node' | 'steady';

/** A managed node's handle: its state machine is run by the transport (or by rcl over DDS). */
export interface LifecycleHandle {
  readonly node: TransportNode;
  state(): PrimaryState;
  trigger(transition: TransitionName): TransitionResult;
}

export interface CreateNodeOptions {
  /** Values that replace parameter defaults at declaration (like `--ros-args -p name:=value`). */
  readonly parameterOverrides?: Readonly<Record<string, ParameterValue>>;
  /** ROS time from /clock instead of the system clock. */
  readonly useSimTime?: boolean;
}

export interface Transport {
  readonly kind: 'inprocess' | 'ros';
  createNode(name: string, options?: CreateNodeOptions): TransportNode;
  /**
   * Create a managed (lifecycle) node; `makeCallbacks` receives the node (to create publishers
   * etc.) and returns the lifecycle callbacks. The standard /<name>/change_state and get_state
   * services exist over DDS.
   */
  createLifecycleNode(
    name: string,
    makeCallbacks: (node: TransportNode) => LifecycleCallbacks,
    options?: CreateNodeOptions,
  ): LifecycleHandle;
  /** Start processing callbacks (no-op in process). */
  spin(): void;
  shutdown(): Promise<void>;
}
