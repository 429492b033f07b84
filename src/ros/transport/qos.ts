/**
 * QoS matching as DDS does it (request/offered, RxO), for torquepilot's named profiles: which
 * policy, if any, keeps a publisher and a subscription from ever matching. The in-process
 * transport delivers by it and raises incompatible-QoS events with it; the rclnodejs adapter uses
 * the same rules to find, in the ROS graph, which peer an rmw event was about.
 *
 * Only reliability and durability differ between torquepilot's profiles (history and depth never
 * keep endpoints apart; deadline, liveliness and lifespan are left at their defaults):
 * - RELIABILITY: a BEST_EFFORT offer cannot serve a RELIABLE request;
 * - DURABILITY: a VOLATILE offer cannot serve a TRANSIENT_LOCAL request (a TRANSIENT_LOCAL offer
 *   serves a VOLATILE request, without its history).
 */
import type { QosPolicyName, QosProfileName } from './transport.js';

/** rmw reliability / durability values (rmw/types.h): 1 = RELIABLE / TRANSIENT_LOCAL, 2 = the weaker. */
export const RMW_RELIABLE = 1;
export const RMW_BEST_EFFORT = 2;
export const RMW_TRANSIENT_LOCAL = 1;
export const RMW_VOLATILE = 2;

/** Reliability and durability of one profile, as rmw numbers them. */
export interface QosPolicies {
  readonly reliability: number;
  readonly durability: number;
}

/**
 * What each profile requests (subscription) or offers (publisher). 'system_default' is taken as
 * rmw's documented default (RELIABLE, VOLATILE); Fast DDS actually offers TRANSIENT_LOCAL for a
 * system-default writer, which only makes more peers compatible.
 */
export const PROFILE_POLICIES: Readonly<Record<QosProfileName, QosPolicies>> = Object.freeze({
  sensor: { reliability: RMW_BEST_EFFORT, durability: RMW_VOLATILE },
  reliable: { reliability: RMW_RELIABLE, durability: RMW_VOLATILE },
  system_default: { reliability: RMW_RELIABLE, durability: RMW_VOLATILE },
  latest: { reliability: RMW_RELIABLE, durability: RMW_VOLATILE },
  latched: { reliability: RMW_RELIABLE, durability: RMW_TRANSIENT_LOCAL },
});

/**
 * The policy that keeps an offer (publisher) from serving a request (subscription), or null when
 * they match. Reliability is named first when both differ.
 */
export function policyIncompatibility(
  offered: QosPolicies,
  requested: QosPolicies,
): QosPolicyName | null {
  if (requested.reliability === RMW_RELIABLE && offered.reliability === RMW_BEST_EFFORT) {
    return 'RELIABILITY';
  }
  if (requested.durability === RMW_TRANSIENT_LOCAL && offered.durability === RMW_VOLATILE) {
    return 'DURABILITY';
  }
  return null;
}

/** `policyIncompatibility` for two named profiles: publisher `pub`, subscription `sub`. */
export function qosIncompatibility(pub: QosProfileName, sub: QosProfileName): QosPolicyName | null {
  return policyIncompatibility(PROFILE_POLICIES[pub], PROFILE_POLICIES[sub]);
}

/** Whether a subscription with `sub` QoS receives from a publisher with `pub` QoS (DDS RxO). */
export function qosCompatible(pub: QosProfileName, sub: QosProfileName): boolean {
  return qosIncompatibility(pub, sub) === null;
}

/** rmw_qos_policy_kind_t bit flags (rmw/qos_policy_kind.h), as the incompatible-QoS events carry them. */
const RMW_POLICY_KINDS: Readonly<Record<number, QosPolicyName>> = Object.freeze({
  1: 'INVALID',
  2: 'DURABILITY',
  4: 'DEADLINE',
  8: 'LIVELINESS',
  16: 'RELIABILITY',
  32: 'HISTORY',
  64: 'LIFESPAN',
  128: 'DEPTH',
  256: 'LIVELINESS_LEASE_DURATION',
  512: 'AVOID_ROS_NAMESPACE_CONVENTIONS',
});

/** The name of an rmw_qos_policy_kind_t value ('INVALID' for one rmw does not define). */
export function rmwPolicyName(kind: number): QosPolicyName {
  return RMW_POLICY_KINDS[kind] ?? 'INVALID';
}
