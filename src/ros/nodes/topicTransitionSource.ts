/**
 * The topic source of the learning seam (src/learn transitionSource.ts): TransitionChunk messages
 * from any number of actors, taken raw from /torquepilot/transition_chunks and decoded
 * (fleetCodecs.ts) into TransitionDelivery objects. The subscription callback only decodes and
 * queues; the learner node drains the queue between updates (`poll`), or awaits `next()`.
 *
 * Counted here, before the learner sees anything: chunks that do not decode or whose shapes do not
 * add up (`malformed`, reported with the learner's refusals), and per-actor sequence gaps (`gaps`:
 * chunks lost on the way, or never sent by an actor killed mid-chunk). A chunk queued here beyond
 * `capacity` pushes the oldest one out (`droppedFull`): the learner's own queue is the bounded one
 * that matters; this one only absorbs bursts between two updates.
 */
import type { TransitionDelivery, TransitionSource } from '../../learn/index.js';
import { decodeTransitionChunk, TRANSITION_CHUNK_TYPE } from '../transport/index.js';
import type { Disposable, RawQos, RawTopicNode } from '../transport/index.js';

export const FLEET_TOPICS = Object.freeze({
  chunks: '/torquepilot/transition_chunks',
  parameters: '/torquepilot/policy_parameters',
  metrics: '/torquepilot/learner_metrics',
});

/**
 * QoS of the fleet's topics. Chunks: RELIABLE, VOLATILE (a chunk is worth nothing to a learner
 * that was not there), keep last 8 at the actor and 64 at the learner (absorbs a burst while an
 * update holds the learner's thread). Parameters: RELIABLE, TRANSIENT_LOCAL, keep last 1 (a late
 * actor gets the newest at once).
 */
export const FLEET_QOS = Object.freeze({
  chunksOut: { reliability: 'reliable', durability: 'volatile', depth: 8 } as RawQos,
  chunksIn: { reliability: 'reliable', durability: 'volatile', depth: 64 } as RawQos,
  parameters: { reliability: 'reliable', durability: 'transient_local', depth: 1 } as RawQos,
});

export interface TopicSourceStats {
  /** Chunks received (decoded or not). */
  readonly received: number;
  readonly malformed: number;
  /** Chunks missing from the actors' sequence numbers. */
  readonly gaps: number;
  readonly droppedFull: number;
  /** Actors heard from. */
  readonly origins: number;
}

export interface TopicTransitionSourceOptions {
  readonly topic?: string;
  readonly qos?: RawQos;
  /** Deliveries held between two drains (default 256). */
  readonly capacity?: number;
}

export class TopicTransitionSource implements TransitionSource {
  readonly kind = 'topic' as const;
  readonly #node: RawTopicNode;
  readonly #capacity: number;
  readonly #queue: TransitionDelivery[] = [];
  readonly #lastSequence = new Map<string, number>();
  #subscription: Disposable | null;
  #waiter: ((d: TransitionDelivery | null) => void) | null = null;
  /** Wake-ups of `arrival` (resolved by the next chunk). */
  #arrivals: (() => void)[] = [];
  #received = 0;
  #malformed = 0;
  #gaps = 0;
  #droppedFull = 0;
  #lastMalformed = '';

  constructor(node: RawTopicNode, options: TopicTransitionSourceOptions = {}) {
    this.#node = node;
    this.#capacity = options.capacity ?? 256;
    this.#subscription = node.createRawSubscription(
      TRANSITION_CHUNK_TYPE,
      options.topic ?? FLEET_TOPICS.chunks,
      options.qos ?? FLEET_QOS.chunksIn,
      (bytes) => this.receive(bytes),
    );
  }

  /** One chunk's bytes (the subscription's callback; public for tests). */
  receive(bytes: Uint8Array): void {
    if (this.#subscription === null) return;
    this.#received++;
    let delivery: TransitionDelivery;
    try {
      delivery = decodeTransitionChunk(bytes).delivery;
    } catch (err) {
      this.#malformed++;
      const why = err instanceof Error ? err.message : String(err);
      if (why !== this.#lastMalformed)
        this.#node.logger.warn(`${this.#node.name}: malformed chunk refused: ${why}`);
      this.#lastMalformed = why;
      return;
    }
    for (const wake of this.#arrivals.splice(0)) wake();
    const last = this.#lastSequence.get(delivery.origin);
    if (last !== undefined && delivery.sequence > last + 1)
      this.#gaps += delivery.sequence - last - 1;
    if (last === undefined || delivery.sequence > last)
      this.#lastSequence.set(delivery.origin, delivery.sequence);
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      waiter(delivery);
      return;
    }
    if (this.#queue.length >= this.#capacity) {
      this.#queue.shift();
      this.#droppedFull++;
    }
    this.#queue.push(delivery);
  }

  /**
   * Resolves when the next chunk arrives (at once if one is queued), or after `timeoutMs`: the
   * learner's wait when it has no batch, so that each chunk wakes it up (rclnodejs hands over
   * subscriptions one event-loop turn at a time).
   */
  arrival(timeoutMs: number): Promise<void> {
    if (this.#queue.length > 0 || this.#subscription === null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#arrivals = this.#arrivals.filter((w) => w !== wake);
        resolve();
      }, timeoutMs);
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.#arrivals.push(wake);
    });
  }

  /** The oldest queued delivery, or null when none is waiting (never blocks). */
  poll(): TransitionDelivery | null {
    return this.#queue.shift() ?? null;
  }

  next(): Promise<TransitionDelivery | null> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#subscription === null) return Promise.resolve(null);
    if (this.#waiter !== null)
      throw new Error('TopicTransitionSource.next: a previous next() is still waiting');
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  stats(): TopicSourceStats {
    return {
      received: this.#received,
      malformed: this.#malformed,
      gaps: this.#gaps,
      droppedFull: this.#droppedFull,
      origins: this.#lastSequence.size,
    };
  }

  async close(): Promise<void> {
    this.#subscription?.dispose();
    this.#subscription = null;
    this.#queue.length = 0;
    for (const wake of this.#arrivals.splice(0)) wake();
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.(null);
  }
}
