/**
 * Topics carried as serialized bytes (CDR with its encapsulation header), with an explicit QoS:
 * what the fleet's actor and learner nodes use for TransitionChunk and PolicyParameters, whose
 * codecs live in rclnodejs/fleetCodecs.ts. The rclnodejs adapter implements it on a DDS node
 * (rclnodejs/rawEndpoints.ts); tests use an in-process bus.
 */
import type { Disposable } from '../timing/index.js';
import type { NodeLogger } from './transport.js';

/** Reliability, durability and keep-last depth of one endpoint. */
export interface RawQos {
  readonly reliability: 'reliable' | 'best_effort';
  readonly durability: 'volatile' | 'transient_local';
  readonly depth: number;
}

export interface RawPublisher {
  readonly topic: string;
  /** Publish one serialized message; failures are logged and counted, never thrown. */
  publish(bytes: Buffer): void;
  /** Subscriptions matched now (0 when unknown). */
  subscriptionCount(): number;
}

/** What a fleet node needs from the middleware. */
export interface RawTopicNode {
  readonly name: string;
  readonly logger: NodeLogger;
  /** The node's clock in ns. */
  now(): bigint;
  createRawPublisher(type: string, topic: string, qos: RawQos): RawPublisher;
  /** `callback` gets each message's bytes; an exception in it is logged, never rethrown. */
  createRawSubscription(
    type: string,
    topic: string,
    qos: RawQos,
    callback: (bytes: Uint8Array) => void,
  ): Disposable;
}
