/**
 * The actor node (`torquepilot actor`, issue 17): steps its own vectorised simulation with the
 * newest policy it has received and publishes what it collected, one TransitionChunk per
 * `chunkSteps` steps of its N environments, for the learner node to learn from.
 *
 *   in   /torquepilot/policy_parameters  PolicyParameters  RELIABLE, TRANSIENT_LOCAL, keep last 1:
 *        a late actor receives the newest snapshot at once. A snapshot of another robot or task,
 *        or of another network shape, is refused (logged once per reason).
 *   out  /torquepilot/transition_chunks  TransitionChunk   RELIABLE, VOLATILE, keep last 8.
 *
 * The actor waits for its first snapshot before it steps at all (acting with its own random
 * initialisation would feed the learner experience of a policy it never had). A snapshot that
 * arrives mid-chunk is applied at the next chunk's start, so every segment of a chunk carries the
 * one version that acted in it; the behaviour log μ, mean and log σ are those of the parameters
 * and normaliser statistics as they were at each step (collectRollouts keeps merging observations
 * into the actor's copy of the normaliser between snapshots, as on-policy training does).
 */
import type { ExperienceIdentity, PolicySnapshot, VecEnv } from '../../learn/index.js';
import { applyPolicySnapshot, VecEnvSource } from '../../learn/index.js';
import type { GaussianPolicy, ValueNetwork } from '../../policy/index.js';
import type { Random } from '../../util/index.js';
import {
  encodeTransitionChunk,
  POLICY_PARAMETERS_TYPE,
  TRANSITION_CHUNK_TYPE,
} from '../transport/index.js';
import type { Disposable, RawPublisher, RawTopicNode } from '../transport/index.js';
import { receiveSnapshot } from './policySnapshots.js';
import { FLEET_QOS, FLEET_TOPICS } from './topicTransitionSource.js';

export interface ActorNodeOptions {
  readonly identity: ExperienceIdentity;
  readonly vecEnv: VecEnv;
  /** The actor's copy of the policy (the snapshots overwrite its parameters and normaliser). */
  readonly policy: GaussianPolicy;
  /**
   * The rollout storage's critic. Never run: the learner has its own critic and the chunks carry
   * no V(s), so the actor collects without a critic pass (VecEnvSource `critic: false`).
   */
  readonly value: ValueNetwork;
  /** Steps per environment per chunk (T); a chunk holds T × N transitions. */
  readonly chunkSteps: number;
  /** The action-noise stream. */
  readonly rng: Random;
  /** Environment seeds (env i of the first reset from `seed` and i). */
  readonly seed: number;
  readonly actorId: string;
  /**
   * Chunks an actor may collect per parameter snapshot it receives (default Infinity: never
   * waits): after the first snapshot it collects and publishes 1 + k chunks, then k more after
   * each newer snapshot, each published as soon as it is collected. Bounds how far an actor runs
   * ahead of the learner: what it collects beyond what the learner takes is CPU lost on a shared
   * machine, and policy lag. Set it to the learner's batch in this actor's chunks (divided by the
   * number of actors): 1 with chunk = batch is a chunk per version, collected while the learner
   * updates and queued at the learner when its update ends.
   */
  readonly maxAhead?: number;
  /**
   * Held back by maxAhead with no newer snapshot for this long (ms, default 5000), the actor
   * collects one more chunk anyway and warns once: a learner that needs more chunks per version
   * than maxAhead gives would otherwise wait forever, and so would the actor.
   */
  readonly stallMs?: number;
}

export interface ActorNodeStats {
  readonly chunksPublished: number;
  readonly transitionsPublished: number;
  readonly snapshotsApplied: number;
  readonly snapshotsRefused: number;
  /** Version of the parameters acting now (-1 before the first snapshot). */
  readonly version: number;
  /** The learner the parameters came from ('' before the first snapshot). */
  readonly learnerId: string;
}

const yieldTurn = (ms = 0): Promise<void> =>
  new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));

export class ActorNode {
  readonly node: RawTopicNode;
  readonly #o: ActorNodeOptions;
  readonly #source: VecEnvSource;
  readonly #chunkPub: RawPublisher;
  readonly #subscription: Disposable;
  readonly #refusals = new Set<string>();
  #pending: { snapshot: PolicySnapshot; learnerId: string } | null = null;
  #version = -1;
  #learnerId = '';
  #chunks = 0;
  #transitions = 0;
  #applied = 0;
  #refused = 0;
  /** Chunks published since the newest snapshot, + 1 after the first (the lead on the learner). */
  #ahead = 0;
  /** Times maxAhead held the actor back past stallMs. */
  #stalls = 0;

  constructor(node: RawTopicNode, options: ActorNodeOptions) {
    this.node = node;
    this.#o = options;
    if (!Number.isInteger(options.chunkSteps) || options.chunkSteps < 1)
      throw new Error(`ActorNode: chunkSteps ${options.chunkSteps} must be a positive integer`);
    this.#source = new VecEnvSource({
      vecEnv: options.vecEnv,
      policy: options.policy,
      value: options.value,
      nSteps: options.chunkSteps,
      rng: options.rng,
      policyVersion: () => Math.max(this.#version, 0),
      origin: options.actorId,
      identity: options.identity,
      critic: false,
    });
    this.#chunkPub = node.createRawPublisher(
      TRANSITION_CHUNK_TYPE,
      FLEET_TOPICS.chunks,
      FLEET_QOS.chunksOut,
    );
    this.#subscription = node.createRawSubscription(
      POLICY_PARAMETERS_TYPE,
      FLEET_TOPICS.parameters,
      FLEET_QOS.parameters,
      (bytes) => this.receiveParameters(bytes),
    );
  }

  /** One PolicyParameters message's bytes (the subscription's callback; public for tests). */
  receiveParameters(bytes: Uint8Array): void {
    const received = receiveSnapshot(
      bytes,
      this.#o.identity,
      this.#o.policy.params.length,
      'this actor',
    );
    if (!received.ok) {
      this.#refuse(received.reason);
      return;
    }
    // The newest message wins, whatever its version: a learner resumed from an older checkpoint
    // goes on from that checkpoint's version.
    this.#pending = { snapshot: received.snapshot, learnerId: received.learnerId };
  }

  #warnStalled(maxAhead: number): void {
    if (this.#stalls++ > 0) return;
    this.node.logger.warn(
      `${this.node.name}: no newer parameters for ${((this.#o.stallMs ?? 5000) / 1000).toFixed(1)} s after ${maxAhead} chunks (--max-ahead): collecting one more each time; if the learner needs more chunks per version (its --batch-size over this actor's chunk), raise --max-ahead`,
    );
  }

  #refuse(reason: string): void {
    this.#refused++;
    if (this.#refusals.has(reason)) return;
    this.#refusals.add(reason);
    this.node.logger.warn(`${this.node.name}: ${reason}`);
  }

  /** Apply the newest received snapshot, if one is waiting. */
  #applyPending(): void {
    const pending = this.#pending;
    if (pending === null) return;
    this.#pending = null;
    const { snapshot } = pending;
    applyPolicySnapshot(this.#o.policy, snapshot);
    // Once per learner (a late joiner's first version shows it got the newest at once).
    if (this.#applied === 0 || pending.learnerId !== this.#learnerId)
      this.node.logger.warn(
        `${this.node.name}: acting with version ${snapshot.version} of learner '${pending.learnerId}'`,
      );
    this.#version = snapshot.version;
    this.#learnerId = pending.learnerId;
    // A new version: the learner took what it needed, so k more chunks may go (the first snapshot
    // only starts the actor). Not one per version: a learner whose batch is k chunks of this actor
    // needs k per version, and would wait forever for the k-th.
    if (this.#applied > 0) this.#ahead = Math.min(this.#ahead, 1);
    this.#applied++;
  }

  stats(): ActorNodeStats {
    return {
      chunksPublished: this.#chunks,
      transitionsPublished: this.#transitions,
      snapshotsApplied: this.#applied,
      snapshotsRefused: this.#refused,
      version: this.#version,
      learnerId: this.#learnerId,
    };
  }

  /**
   * Wait for the first snapshot, then collect and publish chunks until `shouldStop()` (polled
   * between chunks) or `maxChunks`. Yields to the event loop between chunks, so that snapshots
   * keep arriving.
   */
  async run(shouldStop: () => boolean, maxChunks = Infinity): Promise<void> {
    while (this.#pending === null && this.#version < 0) {
      if (shouldStop()) return;
      await yieldTurn(20);
    }
    this.#applyPending();
    await this.#source.reset(this.#o.seed);
    const maxAhead = this.#o.maxAhead ?? Infinity;
    while (!shouldStop() && this.#chunks < maxChunks) {
      // Collect only while at most maxAhead chunks went since the newest snapshot (1 + maxAhead
      // after the first): with maxAhead 1, chunk k + 1 is collected with version k while the
      // learner updates on chunk k, and published at once, so it is queued when the learner's
      // update ends (lag 1, no wait).
      const waitStart = performance.now();
      while (this.#ahead > maxAhead && this.#pending === null && !shouldStop()) {
        if (performance.now() - waitStart > (this.#o.stallMs ?? 5000)) {
          this.#warnStalled(maxAhead);
          break;
        }
        await yieldTurn(1);
      }
      if (shouldStop()) break;
      this.#applyPending();
      const delivery = await this.#source.next();
      if (delivery === null) break;
      this.#chunkPub.publish(encodeTransitionChunk(delivery, this.node.now()));
      this.#chunks++;
      this.#ahead++;
      this.#transitions += delivery.segments.size;
      await yieldTurn();
    }
  }

  /** Stop listening and close the environments. */
  async close(): Promise<void> {
    this.#subscription.dispose();
    await this.#source.close();
  }
}
