/**
 * The policy node following a learner (issue 17; parameter `follow_parameters`, off by default):
 * it takes the learner's PolicyParameters (FLEET_TOPICS.parameters, RELIABLE, TRANSIENT_LOCAL, keep
 * last 1: the newest snapshot at once) and applies the newest one ONLY at an episode boundary,
 * never mid-episode: on a physical arm a policy that changes mid-motion is a safety issue, and a
 * chunk's segment must carry the one version that acted in it. A snapshot of another robot, task
 * or network shape is refused as the actor node refuses it (policySnapshots.ts), logged once per
 * reason. Applying writes the weights and normaliser statistics into the policy's own arrays
 * (NodePolicy.setParameters): no allocation, outside the tick.
 */
import type { ExperienceIdentity } from '../../learn/index.js';
import type { NodePolicy } from '../control/index.js';
import { POLICY_PARAMETERS_TYPE } from '../transport/index.js';
import type { Disposable, NodeLogger, RawTopicNode } from '../transport/index.js';
import { receiveSnapshot } from './policySnapshots.js';
import type { ReceivedSnapshot } from './policySnapshots.js';
import { FLEET_QOS, FLEET_TOPICS } from './topicTransitionSource.js';

export interface ParameterFollowerOptions {
  readonly identity: ExperienceIdentity;
  /** The deployment's policy: it must take parameters (setParameters, parameterCount). */
  readonly policy: NodePolicy;
  /** The version acting before any snapshot is applied (the checkpoint's). */
  readonly initialVersion: number;
  readonly logger: NodeLogger;
  /** Prefix of log lines (the node's name). */
  readonly name: string;
}

export interface ParameterFollowerStats {
  /** Version acting now. */
  readonly version: number;
  /** The learner the parameters came from ('' before the first snapshot). */
  readonly learnerId: string;
  readonly applied: number;
  readonly refused: number;
  /** A snapshot is waiting for the next episode boundary. */
  readonly pending: boolean;
}

type Accepted = Extract<ReceivedSnapshot, { ok: true }>;
type SettablePolicy = NodePolicy & Required<Pick<NodePolicy, 'setParameters' | 'parameterCount'>>;

export class ParameterFollower {
  readonly #o: ParameterFollowerOptions;
  readonly #policy: SettablePolicy;
  readonly #refusals = new Set<string>();
  #subscription: Disposable | null = null;
  #pending: Accepted | null = null;
  #version: number;
  #learnerId = '';
  #applied = 0;
  #refused = 0;

  constructor(options: ParameterFollowerOptions) {
    const { policy } = options;
    if (policy.setParameters === undefined || policy.parameterCount === undefined)
      throw new Error(
        `follow_parameters: the policy of checkpoint '${policy.checkpointId}' cannot take new parameters`,
      );
    this.#policy = policy as SettablePolicy;
    this.#o = options;
    this.#version = options.initialVersion;
  }

  /** Subscribe to the learner's parameters on `raw` (a latched snapshot arrives at once). */
  listen(raw: RawTopicNode): void {
    this.#subscription ??= raw.createRawSubscription(
      POLICY_PARAMETERS_TYPE,
      FLEET_TOPICS.parameters,
      FLEET_QOS.parameters,
      (bytes) => this.receive(bytes),
    );
  }

  /** One PolicyParameters message's bytes (the subscription's callback; public for tests). */
  receive(bytes: Uint8Array): void {
    const received = receiveSnapshot(
      bytes,
      this.#o.identity,
      this.#policy.parameterCount,
      'this node',
    );
    if (!received.ok) {
      this.#refused++;
      if (this.#refusals.has(received.reason)) return;
      this.#refusals.add(received.reason);
      this.#o.logger.warn(`${this.#o.name}: ${received.reason}`);
      return;
    }
    // The newest message wins, whatever its version (a resumed learner goes on from its checkpoint).
    this.#pending = received;
  }

  /** An episode boundary: apply the newest snapshot received, if any. True when one was applied. */
  atBoundary(): boolean {
    const pending = this.#pending;
    if (pending === null) return false;
    this.#pending = null;
    const { snapshot, learnerId } = pending;
    this.#policy.setParameters(
      snapshot.policyParams,
      snapshot.normalizerMean,
      snapshot.normalizerVar,
      snapshot.normalizerCount,
    );
    if (snapshot.version !== this.#version || learnerId !== this.#learnerId)
      this.#o.logger.info(
        `${this.#o.name}: acting with version ${snapshot.version} of learner '${learnerId}' (was ${this.#version}${this.#learnerId !== '' ? ` of '${this.#learnerId}'` : ", the checkpoint's"})`,
      );
    this.#version = snapshot.version;
    this.#learnerId = learnerId;
    this.#applied++;
    return true;
  }

  get version(): number {
    return this.#version;
  }

  stats(): ParameterFollowerStats {
    return {
      version: this.#version,
      learnerId: this.#learnerId,
      applied: this.#applied,
      refused: this.#refused,
      pending: this.#pending !== null,
    };
  }

  /** Stop listening (cleanup). */
  dispose(): void {
    this.#subscription?.dispose();
    this.#subscription = null;
  }
}
