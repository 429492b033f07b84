/**
 * The learner node (`torquepilot learner`, issue 17): takes TransitionChunks from any number of
 * actors through the topic source (topicTransitionSource.ts), offers them to an asynchronous
 * off-policy learner (src/learn OffPolicyLearner: V-trace-corrected updates, bounded queue,
 * max-lag), and publishes the parameters actors act with.
 *
 *   in   /torquepilot/transition_chunks   TransitionChunk   RELIABLE, VOLATILE, keep last 64
 *   out  /torquepilot/policy_parameters   PolicyParameters  RELIABLE, TRANSIENT_LOCAL, keep last 1:
 *        at start (version 0, or the resumed version), every `publishEvery` updates, at the end
 *   out  /torquepilot/learner_metrics     std_msgs/String   RELIABLE, TRANSIENT_LOCAL, keep last 1:
 *        one JSON object per update (LearnerMetrics), the same line `onUpdate` gets
 *
 * The loop runs on the node's thread: drain the chunks that arrived into `offer`, run one update
 * if a batch is queued and then take every chunk that arrived meanwhile (rclnodejs hands over one
 * per event-loop turn), else wait for the next chunk to arrive (at most 20 ms, so that the stop
 * conditions are polled). An update holds the thread; chunks arriving meanwhile
 * wait in DDS's history (64 at the learner, 8 at each actor) and in the source's queue.
 */
import type { OffPolicyLearner, UpdateSummary } from '../../learn/index.js';
import {
  encodePolicyParameters,
  encodeStringMessage,
  POLICY_PARAMETERS_TYPE,
} from '../transport/index.js';
import type { RawPublisher, RawTopicNode } from '../transport/index.js';
import { FLEET_QOS, FLEET_TOPICS, TopicTransitionSource } from './topicTransitionSource.js';

/** One update's metrics (a JSON line on stdout/pino and on /torquepilot/learner_metrics). */
export interface LearnerMetrics {
  readonly type: 'update';
  /** The learner's version after this update (= updates since the run began, resumes included). */
  readonly version: number;
  readonly transitions: number;
  readonly updates: number;
  readonly droppedStale: number;
  /** The learner's refusals plus chunks that did not decode. */
  readonly refused: number;
  readonly droppedFull: number;
  readonly queuedTransitions: number;
  readonly lagP50: number;
  readonly lagP99: number;
  /** Chunks received, missing from the actors' sequences, and actors heard from. */
  readonly chunksReceived: number;
  readonly chunksMissing: number;
  readonly actors: number;
  readonly kl: number | null;
  readonly entropy: number | null;
  readonly valueLoss: number | null;
  readonly elapsed: number;
}

export interface LearnerNodeOptions {
  readonly learner: OffPolicyLearner & { readonly lastRefusal?: string | null };
  /** Published with every snapshot (the run directory's name). */
  readonly learnerId: string;
  /** Publish the parameters every K updates. */
  readonly publishEvery: number;
  /** Stop after this many transitions learned from (Infinity: no limit). */
  readonly maxTransitions: number;
  /** Stop after this many seconds (Infinity: no limit). */
  readonly durationS: number;
  /** Call `checkpoint` every this many updates (0: only at the end). */
  readonly checkpointEvery: number;
  readonly checkpoint?: () => Promise<void> | void;
  readonly onUpdate?: (metrics: LearnerMetrics, summary: UpdateSummary) => void;
}

export interface LearnerRunResult {
  readonly transitions: number;
  readonly updates: number;
  readonly droppedStale: number;
  readonly refused: number;
  readonly droppedFull: number;
  readonly version: number;
  readonly stoppedBy: 'steps' | 'duration' | 'signal';
}

const yieldTurn = (ms = 0): Promise<void> =>
  new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));

export class LearnerNode {
  readonly node: RawTopicNode;
  readonly source: TopicTransitionSource;
  readonly #o: LearnerNodeOptions;
  readonly #parametersPub: RawPublisher;
  readonly #metricsPub: RawPublisher;
  readonly #refusalsLogged = new Set<string>();
  /** Chunks the learner queued, per actor. */
  readonly #accepted = new Map<string, number>();
  /** Updates of this process (the learner's version also counts those before a resume). */
  #updates = 0;
  #published = -1;

  constructor(node: RawTopicNode, options: LearnerNodeOptions) {
    for (const key of ['publishEvery', 'checkpointEvery'] as const) {
      const v = options[key];
      if (!Number.isInteger(v) || v < (key === 'publishEvery' ? 1 : 0))
        throw new Error(
          `LearnerNode: ${key} ${v} must be a ${key === 'publishEvery' ? 'positive' : 'non-negative'} integer`,
        );
    }
    this.node = node;
    this.#o = options;
    this.#parametersPub = node.createRawPublisher(
      POLICY_PARAMETERS_TYPE,
      FLEET_TOPICS.parameters,
      FLEET_QOS.parameters,
    );
    this.#metricsPub = node.createRawPublisher(
      'std_msgs/msg/String',
      FLEET_TOPICS.metrics,
      FLEET_QOS.parameters,
    );
    this.source = new TopicTransitionSource(node);
  }

  /** Publish the current parameters (idempotent per version). */
  publishParameters(): void {
    const learner = this.#o.learner;
    if (learner.version === this.#published) return;
    this.#parametersPub.publish(
      encodePolicyParameters({
        stampNs: this.node.now(),
        learnerId: this.#o.learnerId,
        snapshot: learner.snapshot(),
      }),
    );
    this.#published = learner.version;
  }

  /** Offer every chunk that arrived to the learner. */
  drain(): void {
    const learner = this.#o.learner;
    for (let d = this.source.poll(); d !== null; d = this.source.poll()) {
      const outcome = learner.offer(d);
      if (outcome === 'queued' || outcome === 'queued-dropped-oldest')
        this.#accepted.set(d.origin, (this.#accepted.get(d.origin) ?? 0) + 1);
      if (outcome !== 'refused') continue;
      const reason = learner.lastRefusal ?? 'another robot or task, or malformed';
      const key = `${d.origin}: ${reason}`;
      if (this.#refusalsLogged.has(key)) continue;
      this.#refusalsLogged.add(key);
      this.node.logger.warn(
        `${this.node.name}: chunk ${d.sequence} of '${d.origin}' refused: ${reason}`,
      );
    }
  }

  /** Chunks queued for learning, per actor id. */
  acceptedByActor(): Record<string, number> {
    return Object.fromEntries(this.#accepted);
  }

  /** The counters as the done line reports them. */
  result(stoppedBy: LearnerRunResult['stoppedBy']): LearnerRunResult {
    const s = this.#o.learner.stats();
    const src = this.source.stats();
    return {
      transitions: s.transitions,
      updates: s.updates,
      droppedStale: s.droppedStale,
      refused: s.refused + src.malformed,
      droppedFull: s.droppedFull + src.droppedFull,
      version: this.#o.learner.version,
      stoppedBy,
    };
  }

  #metrics(started: number): LearnerMetrics {
    const s = this.#o.learner.stats();
    const src = this.source.stats();
    return {
      type: 'update',
      version: this.#o.learner.version,
      transitions: s.transitions,
      updates: s.updates,
      droppedStale: s.droppedStale,
      refused: s.refused + src.malformed,
      droppedFull: s.droppedFull + src.droppedFull,
      queuedTransitions: s.queuedTransitions,
      lagP50: s.lagP50,
      lagP99: s.lagP99,
      chunksReceived: src.received,
      chunksMissing: src.gaps,
      actors: src.origins,
      kl: null,
      entropy: null,
      valueLoss: null,
      elapsed: (performance.now() - started) / 1000,
    };
  }

  /**
   * Learn until `maxTransitions`, `durationS` or `shouldStop()`; publishes the parameters at the
   * start and at the end, and checkpoints at the end (when a checkpoint hook is given).
   */
  async run(shouldStop: () => boolean): Promise<LearnerRunResult> {
    const o = this.#o;
    const learner = o.learner;
    const started = performance.now();
    this.publishParameters();
    let stoppedBy: LearnerRunResult['stoppedBy'] = 'signal';
    for (;;) {
      if (shouldStop()) break;
      if (learner.stats().transitions >= o.maxTransitions) {
        stoppedBy = 'steps';
        break;
      }
      if ((performance.now() - started) / 1000 >= o.durationS) {
        stoppedBy = 'duration';
        break;
      }
      this.drain();
      const summary = learner.step();
      if (summary === null) {
        await this.source.arrival(20);
        continue;
      }
      this.#updates++;
      const metrics: LearnerMetrics = {
        ...this.#metrics(started),
        kl: summary.kl,
        entropy: summary.entropy,
        valueLoss: summary.valueLoss,
      };
      this.#metricsPub.publish(encodeStringMessage(JSON.stringify(metrics)));
      o.onUpdate?.(metrics, summary);
      if (learner.version % o.publishEvery === 0) this.publishParameters();
      if (o.checkpointEvery > 0 && this.#updates % o.checkpointEvery === 0) await o.checkpoint?.();
      await this.#takeArrived();
    }
    this.publishParameters();
    await o.checkpoint?.();
    return this.result(stoppedBy);
  }

  /**
   * Take every chunk that arrived during the update: rclnodejs hands over one message per
   * event-loop turn, so yield turns until one brings nothing (at most 1000). Without this the
   * learner takes one chunk per update, the rest waits in DDS's history, and a backlog of old
   * chunks (a killed actor's, say) stands in front of everyone's new ones. Taken here, they go
   * into the learner's bounded queue, which keeps the newest.
   */
  async #takeArrived(): Promise<void> {
    for (let turn = 0; turn < 1000; turn++) {
      const before = this.source.stats().received;
      await yieldTurn();
      if (this.source.stats().received === before) return;
    }
  }

  async close(): Promise<void> {
    await this.source.close();
  }
}
