/**
 * The chunk sink of the policy node's episode segmentation (episodeSegmenter.ts): in explore mode
 * the node is an actor of the fleet (issue 17), and each episode the segmentation ends is published
 * as one TransitionChunk on the node's `chunk_topic`, for `torquepilot learner` to learn from.
 *
 * An episode becomes the chunk's segments, in time order:
 *   - its steps acted with a density (explore = true), grouped in runs of one policy version (a
 *     chunk's segment carries one version; the node changes parameters at episode boundaries, but a
 *     boundary that arrives late over DDS leaves a few steps of the next episode with the old one);
 *   - a run ending at the episode's end ends as the episode does: TRUNCATED, with the episode's
 *     exact final observation; a run cut short by a deterministic step or a version change ends
 *     CUT, with the next step's observation (its exact successor on the same robot);
 *   - deterministic steps (explore = false: the mean has no density, issue 16) are never sent:
 *     an importance-weighting learner could only refuse them. Logged once.
 * The behaviour's log-prob, mean and log σ go as recorded. Encoding and publishing run after the
 * tick (setImmediate), in order; the tick only hands the episode over.
 */
import { allocateSegments, SEGMENT_CUT, SEGMENT_TRUNCATED } from '../../learn/index.js';
import type {
  ExperienceIdentity,
  TrajectorySegments,
  TransitionDelivery,
} from '../../learn/index.js';
import { encodeTransitionChunk } from '../transport/index.js';
import type { NodeLogger, RawPublisher } from '../transport/index.js';
import type { EpisodeSink, SegmentedEpisode } from './episodeSegmenter.js';

/**
 * The segments of an episode (see the module comment), or null when none of its steps has a
 * density. Every array is fresh.
 */
export function episodeSegments(
  e: SegmentedEpisode,
  obsSize: number,
  actionSize: number,
): TrajectorySegments | null {
  const { steps, versions } = e;
  // Runs [start, end) of steps with a density and one version.
  const runs: [number, number][] = [];
  for (let i = 0; i < steps.length;) {
    if ((steps[i] as SegmentedEpisode['steps'][number]).deterministic) {
      i++;
      continue;
    }
    const start = i;
    const version = versions[i];
    i++;
    while (
      i < steps.length &&
      !(steps[i] as SegmentedEpisode['steps'][number]).deterministic &&
      versions[i] === version
    )
      i++;
    runs.push([start, i]);
  }
  if (runs.length === 0) return null;
  const n = runs.reduce((sum, [s, t]) => sum + t - s, 0);
  const E = runs.length;
  const D = obsSize;
  const A = actionSize;
  const out = allocateSegments(n, E, D, A);
  let row = 0;
  runs.forEach(([start, end], k) => {
    for (let i = start; i < end; i++, row++) {
      const s = steps[i] as SegmentedEpisode['steps'][number];
      out.observations.set(s.observation, row * D);
      out.actions.set(s.action, row * A);
      out.rewards[row] = s.reward;
      out.behaviourLogProbs[row] = s.logProb;
      out.behaviourMeans.set(s.mean, row * A);
      out.behaviourLogStds.set(s.logStd, row * A);
    }
    out.bounds[k + 1] = row;
    const last = end === steps.length;
    out.segmentEnds[k] = last ? SEGMENT_TRUNCATED : SEGMENT_CUT;
    const next = last
      ? e.finalObservation
      : (steps[end] as SegmentedEpisode['steps'][number]).observation;
    out.finalObservations.set(next, k * D);
    out.policyVersions[k] = versions[start] as number;
  });
  return out;
}

export interface ChunkSinkOptions {
  readonly publisher: RawPublisher;
  /** The deployment's identity (the learner's for this robot and task). */
  readonly identity: ExperienceIdentity;
  /** The chunks' actor id (the learner counts chunks and sequence gaps per id). */
  readonly actorId: string;
  /** Sequence number of the first chunk (a node numbers its chunks across activations). */
  readonly firstSequence: number;
  readonly logger: NodeLogger;
  /** Prefix of log lines (the node's name). */
  readonly name: string;
  /** The header stamp of a chunk (the node's clock). */
  readonly now: () => bigint;
}

export interface ChunkSinkStats {
  readonly chunks: number;
  readonly transitions: number;
  /** Deterministic steps left out (no density). */
  readonly deterministicSteps: number;
  /** Sequence number the next chunk gets. */
  readonly nextSequence: number;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class ChunkEpisodeSink implements EpisodeSink {
  readonly #o: ChunkSinkOptions;
  #chain: Promise<void> = Promise.resolve();
  #sequence: number;
  #chunks = 0;
  #transitions = 0;
  #deterministic = 0;
  #closed: Promise<void> | null = null;

  constructor(options: ChunkSinkOptions) {
    this.#o = options;
    this.#sequence = options.firstSequence;
  }

  stats(): ChunkSinkStats {
    return {
      chunks: this.#chunks,
      transitions: this.#transitions,
      deterministicSteps: this.#deterministic,
      nextSequence: this.#sequence,
    };
  }

  episode(e: SegmentedEpisode): void {
    if (this.#closed !== null) return;
    this.#chain = this.#chain.then(nextTurn).then(() => this.#publish(e));
  }

  close(): Promise<void> {
    this.#closed ??= this.#chain.then(() =>
      this.#o.logger.info(
        `${this.#o.name}: published ${this.#chunks} chunks (${this.#transitions} transitions) as actor '${this.#o.actorId}' on ${this.#o.publisher.topic}`,
      ),
    );
    return this.#closed;
  }

  #publish(e: SegmentedEpisode): void {
    const { identity } = this.#o;
    const kept = episodeSegments(e, identity.obsSize, identity.actionSize);
    const skipped = e.steps.length - (kept?.size ?? 0);
    if (skipped > 0) {
      if (this.#deterministic === 0)
        this.#o.logger.warn(
          `${this.#o.name}: deterministic steps (explore false: the mean has no density) are not published as chunks`,
        );
      this.#deterministic += skipped;
    }
    if (kept === null) return;
    const delivery: TransitionDelivery = {
      segments: kept,
      identity,
      origin: this.#o.actorId,
      sequence: this.#sequence,
    };
    try {
      this.#o.publisher.publish(encodeTransitionChunk(delivery, this.#o.now()));
    } catch (err) {
      this.#o.logger.error(
        `${this.#o.name}: chunk ${this.#sequence} not published: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    this.#sequence++;
    this.#chunks++;
    this.#transitions += kept.size;
  }
}
