/**
 * The learning seam (issue 17): every learner takes its experience from a `TransitionSource`, and
 * every source yields the same shape, `TrajectorySegments`. Three sources implement it:
 *   - simulation: a vectorised env stepped by the current policy (on-policy `train`);
 *   - bag: rosbag2 MCAP episodes logged with the behaviour's log-probs (`replay`; the reader lives
 *     in src/replay and implements this interface from above);
 *   - topic: transition chunks from actor nodes over DDS (`learner`; src/ros implements it).
 *
 * A segment is a run of consecutive steps of ONE env (or one logged episode). It ends in one of
 * three ways, which decide its bootstrap value (as rsl_rl and SB3 treat time limits):
 *   TERMINATED: the MDP reached a terminal state, V after it is 0;
 *   TRUNCATED:  the time limit cut the episode, bootstrap V(final observation);
 *   CUT:        the source stopped collecting mid-episode (the end of a rollout or of an actor's
 *               chunk), bootstrap V(final observation); the episode goes on in the next segment.
 *
 * These are types only: the contract the sources, the on-policy runner and the asynchronous
 * learner are written against.
 */
import type { UpdateSummary } from './algorithms.js';

/** How a segment ends (see the module comment). */
export const SEGMENT_TERMINATED = 1;
export const SEGMENT_TRUNCATED = 2;
export const SEGMENT_CUT = 3;
export type SegmentEnd = typeof SEGMENT_TERMINATED | typeof SEGMENT_TRUNCATED | typeof SEGMENT_CUT;

/**
 * Concatenated segments; rows [bounds[e], bounds[e+1]) are segment e. Float64 so that a bag's
 * float64 fields round-trip bit-exactly (a float32 wire format widens exactly).
 */
export interface TrajectorySegments {
  /** Transitions n. */
  readonly size: number;
  readonly obsSize: number;
  readonly actionSize: number;
  /** Raw (unnormalised) observations the behaviour acted on. Shape: (n, obsSize). */
  readonly observations: Float64Array;
  /** Actions the behaviour sampled, before clipping and any safety layer. Shape: (n, actionSize). */
  readonly actions: Float64Array;
  /** Shape: (n). */
  readonly rewards: Float64Array;
  /** log μ(a_t|s_t) under the behaviour policy (NaN where `deterministic`). Shape: (n). */
  readonly behaviourLogProbs: Float64Array;
  /** Behaviour mean and log σ (for KL and lag diagnostics). Shape: (n, actionSize). */
  readonly behaviourMeans?: Float64Array;
  readonly behaviourLogStds?: Float64Array;
  /** 1 where the action was the behaviour's mean (no density). Absent: none. Shape: (n). */
  readonly deterministic?: Uint8Array;
  /** Segment boundaries. Shape: (E + 1), bounds[0] = 0, bounds[E] = n. */
  readonly bounds: Int32Array;
  /** How each segment ends (SegmentEnd). Shape: (E). */
  readonly segmentEnds: Uint8Array;
  /** Observation after each segment's last step (bootstrap). Shape: (E, obsSize). */
  readonly finalObservations: Float64Array;
  /** Version of the policy that acted in each segment (0 where the source has none). Shape: (E). */
  readonly policyVersions: Uint32Array;
}

/**
 * Who produced the experience: a learner refuses (and counts) segments of another robot or task,
 * as the policy node refuses a checkpoint of another robot.
 */
export interface ExperienceIdentity {
  /** Robot name and sha256 of its compiled model (sim/modelHash.ts). */
  readonly robotName: string;
  readonly modelHash: string;
  /** Task name and its kind + parameters as canonical JSON (sorted keys). */
  readonly task: string;
  readonly taskParams: string;
  /** Commanded joints in command order. */
  readonly jointNames: readonly string[];
  readonly obsSize: number;
  readonly actionSize: number;
}

/** Where a batch of segments came from. */
export type TransitionSourceKind = 'simulation' | 'bag' | 'topic';

/** One delivery of a source: segments plus what the learner needs to judge them. */
export interface TransitionDelivery {
  readonly segments: TrajectorySegments;
  readonly identity: ExperienceIdentity;
  /** Who sent it (actor id, bag path, 'local'). */
  readonly origin: string;
  /** Per-origin sequence number (gaps = lost or killed chunks). */
  readonly sequence: number;
}

export interface TransitionSource {
  readonly kind: TransitionSourceKind;
  /**
   * The next delivery, or null when the source is exhausted (every bag read, the topic closed, a
   * stop requested). A simulation source collects with the policy it was built with, as it is at
   * the time of the call.
   */
  next(): Promise<TransitionDelivery | null>;
  /** Release threads, files or subscriptions. Idempotent. */
  close(): Promise<void>;
}

/**
 * The policy as actors need it: parameters, observation normaliser, and the version that the
 * learner's updates count. Published by the learner (transient-local), applied by actors.
 */
export interface PolicySnapshot {
  /** Number of learner updates behind these parameters (strictly increasing). */
  readonly version: number;
  readonly identity: ExperienceIdentity;
  /** The GaussianPolicy's flat parameters (`policy.params`), log σ included. */
  readonly policyParams: Float32Array;
  /** Observation normaliser statistics (NormalizerState's mean/var/count). */
  readonly normalizerMean: Float64Array;
  readonly normalizerVar: Float64Array;
  readonly normalizerCount: number;
}

/** What `OffPolicyLearner.offer` did with a delivery. */
export type OfferOutcome =
  /** Accepted into the bounded queue. */
  | 'queued'
  /** Its policy version is more than maxLag versions behind the learner's: dropped and counted. */
  | 'stale'
  /** Another robot or task (ExperienceIdentity differs), or malformed: refused and counted. */
  | 'refused'
  /** The queue is full: the OLDEST queued delivery was dropped to make room, and this one queued. */
  | 'queued-dropped-oldest';

/** Counters of an off-policy learner (what its final `done` line and metrics report). */
export interface OffPolicyLearnerStats {
  /** Transitions learned from (taken out of the queue into an update). */
  readonly transitions: number;
  readonly updates: number;
  readonly droppedStale: number;
  readonly refused: number;
  readonly droppedFull: number;
  /** Transitions waiting in the queue now. */
  readonly queuedTransitions: number;
  /** Policy lag (learner version − behaviour version) over the transitions learned from. */
  readonly lagP50: number;
  readonly lagP99: number;
}

/**
 * An asynchronous off-policy learner (IMPALA-style, Espeholt et al. 2018): deliveries arrive from
 * any number of actors through `offer` (cheap, safe to call from a subscription callback); `step`
 * runs one V-trace-corrected update when a batch is queued. The ROS learner node owns the loop,
 * the publishing of `snapshot()` every K updates, metrics and checkpoints.
 */
export interface OffPolicyLearner {
  /** Updates done so far (the version of the current parameters). */
  readonly version: number;
  offer(delivery: TransitionDelivery): OfferOutcome;
  /** One update if at least a batch is queued, else null (nothing changes). */
  step(): UpdateSummary | null;
  snapshot(): PolicySnapshot;
  stats(): OffPolicyLearnerStats;
}
