/**
 * rmw's incompatible-QoS events on rclnodejs 2.2 (ROS 2 Jazzy and later), for the Transport's
 * `onIncompatibleQos` option:
 * - a subscription gets SUBSCRIPTION_REQUESTED_INCOMPATIBLE_QOS when a publisher that offers too
 *   little appears (a BEST_EFFORT e-stop button for our RELIABLE subscription); a publisher gets
 *   PUBLISHER_OFFERED_INCOMPATIBLE_QOS for a subscription that requests too much;
 * - the event carries the last incompatible policy (an rmw_qos_policy_kind_t bit flag, not
 *   rclnodejs.QoSPolicyKind) and counts, but no peer: the peer node comes from the ROS graph
 *   (getPublishersInfoByTopic / getSubscriptionsInfoByTopic), matched by the same RxO rules
 *   (../qos.ts). Seen: the peer is listed by the time the event fires, though its node may not be
 *   named yet (_NODE_NAME_UNKNOWN_); then look again for up to a second before reporting no name.
 *   rmw does not say which endpoint fired, so every incompatible peer on the topic is named.
 *
 * The package entry (dist bundle) does not export SubscriptionEventCallbacks /
 * PublisherEventCallbacks, and createSubscription refuses the lib/ copies by `instanceof`. So the
 * endpoint is created without callbacks and the handlers are attached afterwards, as
 * createSubscription would: into `node._events` (which the native executor waits on) and
 * `entity.events` (which destroySubscription / destroyPublisher destroy), then `syncHandles()`.
 */
import type { Node as RclNode } from 'rclnodejs';
import type { IncompatibleQosEvent } from '../transport.js';
import { policyIncompatibility, rmwPolicyName } from '../qos.js';
import type { QosPolicies } from '../qos.js';

/** Graph look-ups for the peer of an event, LOOKUP_INTERVAL_MS apart. */
const LOOKUPS = 6;
const LOOKUP_INTERVAL_MS = 200;
/** rmw's placeholder for an endpoint whose node is not discovered yet. */
const UNKNOWN_NODE = '_NODE_NAME_UNKNOWN_';

/** The payload of an incompatible-QoS event (rmw_qos_incompatible_event_status_t). */
interface IncompatibleQosStatus {
  readonly total_count: number;
  readonly total_count_change: number;
  /** rmw_qos_policy_kind_t bit flag. */
  readonly last_policy_kind: number;
}

/** The part of rclnodejs's lib/event_handler.js callback classes used here (no .d.ts ships). */
interface EventCallbacks {
  incompatibleQos: ((status: IncompatibleQosStatus) => void) | null;
  createEventHandlers(handle: unknown): unknown[];
}

/** The two classes of 'rclnodejs/lib/event_handler.js'. */
export interface EventCallbackClasses {
  readonly PublisherEventCallbacks: new () => EventCallbacks;
  readonly SubscriptionEventCallbacks: new () => EventCallbacks;
}

/** One endpoint of the ROS graph (rmw_topic_endpoint_info_t as rclnodejs returns it). */
interface GraphEndpoint {
  readonly node_name: string;
  readonly node_namespace: string;
  readonly qos_profile: { readonly reliability: number; readonly durability: number };
}

/**
 * Load the event callback classes (after rclnodejs itself, with the ROS environment applied).
 * null on a distro without them (before Jazzy) or an rclnodejs without the file: the node then
 * runs without incompatible-QoS warnings.
 */
export async function loadEventCallbackClasses(): Promise<EventCallbackClasses | null> {
  try {
    const mod = (await import('rclnodejs/lib/event_handler.js' as string)) as Partial<
      EventCallbackClasses & { default: Partial<EventCallbackClasses> }
    >;
    const classes = mod.PublisherEventCallbacks !== undefined ? mod : mod.default;
    if (classes?.PublisherEventCallbacks === undefined) return null;
    if (classes.SubscriptionEventCallbacks === undefined) return null;
    // The constructors throw before Jazzy: find out now, not per endpoint.
    new classes.PublisherEventCallbacks();
    return classes as EventCallbackClasses;
  } catch {
    return null;
  }
}

/**
 * Attach an incompatible-QoS handler to `entity` (a publisher or subscription of `node`, created
 * without event callbacks). `ours`: the reliability and durability the endpoint was made with.
 */
export function attachIncompatibleQos(
  classes: EventCallbackClasses,
  node: RclNode,
  entity: unknown,
  endpoint: 'publisher' | 'subscription',
  topic: string,
  ours: QosPolicies,
  callback: (event: IncompatibleQosEvent) => void,
): void {
  const callbacks =
    endpoint === 'subscription'
      ? new classes.SubscriptionEventCallbacks()
      : new classes.PublisherEventCallbacks();
  callbacks.incompatibleQos = (status) => {
    const policy = rmwPolicyName(status.last_policy_kind);
    const report = (peerNodes: readonly string[]) =>
      callback({ topic, endpoint, peerNodes, policy });
    // The graph may not know the peer's node yet (Fast DDS lists such an endpoint under
    // _NODE_NAME_UNKNOWN_): look again, up to 1 s, then report it unnamed.
    const lookUp = (attempt: number): void => {
      const peers = incompatiblePeers(node, endpoint, topic, ours);
      if (peers.length > 0 || attempt >= LOOKUPS) return report(peers);
      setTimeout(() => lookUp(attempt + 1), LOOKUP_INTERVAL_MS).unref();
    };
    lookUp(1);
  };
  const target = entity as { handle: unknown; events?: unknown[] };
  const handlers = callbacks.createEventHandlers(target.handle);
  const internal = node as unknown as { _events: unknown[]; syncHandles(): void };
  internal._events.push(...handlers);
  target.events = [...(target.events ?? []), ...handlers];
  internal.syncHandles();
}

/** Peers on `topic` (of the other kind) whose QoS cannot match `ours`, as '/ns/name'. */
function incompatiblePeers(
  node: RclNode,
  endpoint: 'publisher' | 'subscription',
  topic: string,
  ours: QosPolicies,
): string[] {
  let peers: GraphEndpoint[];
  try {
    peers = (
      endpoint === 'subscription'
        ? node.getPublishersInfoByTopic(topic, false)
        : node.getSubscriptionsInfoByTopic(topic, false)
    ) as GraphEndpoint[];
  } catch {
    return [];
  }
  const names = new Set<string>();
  for (const p of peers) {
    const theirs = p.qos_profile;
    const policy =
      endpoint === 'subscription'
        ? policyIncompatibility(theirs, ours)
        : policyIncompatibility(ours, theirs);
    if (policy === null || p.node_name === UNKNOWN_NODE) continue;
    const ns = p.node_namespace === '/' || p.node_namespace === '' ? '' : p.node_namespace;
    names.add(`${ns}/${p.node_name}`);
  }
  return [...names].sort();
}
