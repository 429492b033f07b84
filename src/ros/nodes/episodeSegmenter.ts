/**
 * Cuts the policy node's control steps into episodes and hands each finished episode to its sinks:
 * the bag writer (episodeRecording.ts) and the chunk publisher (chunkPublisher.ts), either or both.
 *
 * Episodes follow the robot, not a clock. A boundary — the sim robot's reset or an operator's
 * signal on the episode topic, or a new target — ends the open episode where it happened: before
 * the first step whose joint state is stamped at or after the boundary's stamp. So a boundary that
 * arrives a few ticks late over DDS still cuts in the right place, and one that arrives early (in
 * process, during the tick whose command caused the reset) waits for the reset state. A stamp of 0
 * (`ros2 topic pub` of a bare Header) cuts on arrival; a stamp no joint state reaches within
 * CAP_GRACE_STEPS steps (another clock) cuts where it arrived. The step just before a boundary has
 * no observed successor in its episode (the robot replaced it by the reset state, or the target
 * changed), so it is dropped, and the step before it ends the episode `truncated`, its final
 * observation being the dropped step's observation: exactly its successor state, so a learner
 * bootstraps V(s') without approximation. The same rule ends the last episode when recording stops.
 *
 * Without boundaries (an arm that never resets), the safety cap `maxSteps` cuts an episode after
 * that many steps; the next step continues on the same robot, so its observation is the exact
 * final observation and nothing is dropped. The cap is applied CAP_GRACE_STEPS ticks late, so that
 * a boundary that coincides with it (the sim robot resets at the task's horizon) wins. It also
 * bounds memory: the open episode is held until it ends, then handed to the sinks, which write or
 * publish it off the tick (the node's tick must not wait for the disk or the network). An open
 * episode is never complete, so a crash loses nothing a reader could use.
 */
import type { RecordedStep as BagStep } from '../../replay/index.js';
import type { NodeLogger } from '../transport/index.js';
import type { RecordedStep, StepRecorder } from './policyNodeTypes.js';

/** Ticks a boundary may arrive late and still take precedence over the length cap. */
export const CAP_GRACE_STEPS = 8;

/** A recorded step, copied out of the node's reused arrays (the bag's record of it). */
export interface SegmentedStep extends BagStep {
  readonly observation: Float64Array;
  readonly action: Float64Array;
  readonly mean: Float64Array;
  readonly logStd: Float64Array;
  readonly deterministic: boolean;
}

/** One finished episode, as every sink receives it. */
export interface SegmentedEpisode {
  /** Episodes ended before this one (since the segmenter started). */
  readonly index: number;
  /** Its steps in order (episodeIndex and stepIndex set; the last one truncated, with its final observation). */
  readonly steps: readonly SegmentedStep[];
  /** Version of the policy that acted at each step. Shape: (steps.length). */
  readonly versions: readonly number[];
  /** Observation after the last step (its exact successor). Shape: (obsSize). */
  readonly finalObservation: Float64Array;
}

/** Where finished episodes go. `episode` runs in the tick: defer any slow work. */
export interface EpisodeSink {
  episode(e: SegmentedEpisode): void;
  /** No more episodes: finish (resolves when written or sent; a failure is logged, not thrown). */
  close(counts: RecordingCounts): Promise<void>;
}

/** What the segmenter did, for logs and tests. */
export interface RecordingCounts {
  /** Episodes ended. */
  readonly episodes: number;
  /** Steps in them. */
  readonly steps: number;
  /** Steps dropped before a boundary (no observed successor), including whole 1-step episodes. */
  readonly droppedSteps: number;
  /** Episodes ended by the length cap. */
  readonly capped: number;
}

/** A step of the open episode: its copy, its state's stamp and the version that acted. */
interface OpenStep {
  readonly step: SegmentedStep;
  readonly stateStampNs: bigint;
  readonly version: number;
  /** Steps recorded before this one (since the segmenter started). */
  readonly seq: number;
}

/** A boundary stamped after every step recorded when it arrived. */
interface PendingBoundary {
  readonly stampNs: bigint;
  /** `seq` the next step had when it arrived. */
  readonly arrivalSeq: number;
  readonly reason: string;
}

export interface EpisodeSegmenterOptions {
  readonly sinks: readonly EpisodeSink[];
  /** The safety cap on an episode's length (steps) when no boundary comes. */
  readonly maxSteps: number;
  readonly logger: NodeLogger;
  /**
   * The commanded joints in description order. A robot's /joint_states carries them in any order,
   * often with more (grippers): the recorded joint state is reordered to these by name, as the
   * bag's metadata promises. Omitted: recorded as received.
   */
  readonly jointNames?: readonly string[];
  /** Called after each episode ended (the node's parameter follower applies a snapshot there). */
  readonly onEpisodeEnd?: () => void;
}

export class EpisodeSegmenter implements StepRecorder {
  readonly #o: EpisodeSegmenterOptions;
  /** Steps of the episode in progress. */
  #open: OpenStep[] = [];
  /** Joint-state stamp of the newest recorded step. */
  #newestStampNs: bigint | null = null;
  /** Boundaries waiting for a step stamped at or after them, in arrival order. */
  #pendingBoundaries: PendingBoundary[] = [];
  #seq = 0;
  #episodes = 0;
  #steps = 0;
  #dropped = 0;
  #capped = 0;
  #closed: Promise<void> | null = null;
  /** Index of each commanded joint in the last message's names (cached per names array). */
  #indexOf: { names: readonly string[]; index: Int32Array } | null = null;

  constructor(options: EpisodeSegmenterOptions) {
    const { maxSteps } = options;
    if (!Number.isInteger(maxSteps) || maxSteps < 1) {
      throw new Error(`EpisodeSegmenter: maxSteps must be an integer ≥ 1, got ${maxSteps}`);
    }
    this.#o = options;
  }

  counts(): RecordingCounts {
    return {
      episodes: this.#episodes,
      steps: this.#steps,
      droppedSteps: this.#dropped,
      capped: this.#capped,
    };
  }

  recordStep(step: RecordedStep): void {
    if (this.#closed !== null) return;
    const stateStampNs = step.jointState.stampNs;
    this.#applyPending(stateStampNs);
    // Copies of the node's reused arrays: the step is handed on when its episode ends.
    this.#open.push({
      stateStampNs,
      version: step.policyVersion ?? 0,
      seq: this.#seq++,
      step: {
        stampNs: step.stampNs,
        episodeIndex: 0,
        stepIndex: 0,
        observation: step.observation.slice(),
        action: step.action.slice(),
        mean: step.mean.slice(),
        logStd: step.logStd.slice(),
        logProb: step.logProb,
        deterministic: step.deterministic,
        reward: step.reward,
        terminated: false,
        truncated: false,
        jointState: this.#jointStateCopy(step.jointState),
        command: step.command.slice(),
      },
    });
    this.#newestStampNs = stateStampNs;
    const cap = this.#o.maxSteps;
    if (this.#open.length >= cap + CAP_GRACE_STEPS) {
      // No boundary within the cap: steps 0..cap-1 are an episode, and step `cap` (same robot,
      // no reset) is the exact successor of its last step.
      const episode = this.#open.slice(0, cap);
      this.#open = this.#open.slice(cap);
      this.#capped++;
      this.#end(episode, (this.#open[0] as OpenStep).step.observation);
    }
  }

  /**
   * The open episode ended at `stampNs` (the joint states' clock; 0 = now) for `reason`: the cut
   * goes before the first step stamped at or after it, now if such a step was recorded, else when
   * one comes. A boundary before every open step belongs to an episode already ended (the same
   * reset seen twice, as a target and as a signal): no-op.
   */
  boundary(stampNs: bigint, reason: string): void {
    if (this.#closed !== null) return;
    const newest = this.#newestStampNs;
    if (stampNs === 0n) {
      this.#cut(this.#open.length, reason);
    } else if (newest !== null && stampNs <= newest) {
      const i = this.#open.findIndex((o) => o.stateStampNs >= stampNs);
      this.#cut(i < 0 ? this.#open.length : i, reason);
    } else {
      this.#pendingBoundaries.push({ stampNs, arrivalSeq: this.#seq, reason });
    }
  }

  /** End the open episode (its last step dropped) and close every sink. Resolves when they have. */
  close(): Promise<void> {
    if (this.#closed !== null) return this.#closed;
    if (this.#open.length > 0) this.#endWithoutSuccessor(this.#open);
    this.#open = [];
    this.#pendingBoundaries = [];
    const counts = this.counts();
    this.#closed = Promise.all(this.#o.sinks.map((s) => s.close(counts))).then(() => undefined);
    return this.#closed;
  }

  /** Before recording a step stamped `stateStampNs`: apply the boundaries it reaches or outwaits. */
  #applyPending(stateStampNs: bigint): void {
    if (this.#pendingBoundaries.length === 0) return;
    const waiting: PendingBoundary[] = [];
    for (const p of this.#pendingBoundaries) {
      if (stateStampNs >= p.stampNs) {
        this.#cut(this.#open.length, p.reason);
      } else if (this.#seq - p.arrivalSeq >= CAP_GRACE_STEPS) {
        // No joint state reaches its stamp (another clock): cut where it arrived.
        const i = this.#open.findIndex((o) => o.seq >= p.arrivalSeq);
        this.#cut(
          i < 0 ? this.#open.length : i,
          `${p.reason}, stamp not on the joint states' clock`,
        );
      } else {
        waiting.push(p);
      }
    }
    this.#pendingBoundaries = waiting;
  }

  /** End the episode before open step `i` (0: nothing before it, no-op). */
  #cut(i: number, reason: string): void {
    if (i === 0) return;
    const ended = this.#open.slice(0, i);
    this.#open = this.#open.slice(i);
    this.#o.logger.debug(`recording: episode boundary (${reason}) after ${ended.length} steps`);
    this.#endWithoutSuccessor(ended);
  }

  /**
   * Steps whose last one has no observed successor in the episode: drop it, and end the episode
   * with the step before it, whose successor is the dropped step's observation.
   */
  #endWithoutSuccessor(steps: readonly OpenStep[]): void {
    const last = steps[steps.length - 1] as OpenStep;
    this.#dropped++;
    if (steps.length < 2) {
      this.#o.onEpisodeEnd?.();
      return;
    }
    this.#end(steps.slice(0, -1), last.step.observation);
  }

  /** `steps` are the next episode, its last step truncated with `finalObservation`: to the sinks. */
  #end(steps: readonly OpenStep[], finalObservation: Float64Array): void {
    const index = this.#episodes++;
    const lastIndex = steps.length - 1;
    this.#steps += steps.length;
    const episode: SegmentedEpisode = {
      index,
      steps: steps.map(({ step }, i): SegmentedStep =>
        i === lastIndex
          ? { ...step, episodeIndex: index, stepIndex: i, truncated: true, finalObservation }
          : { ...step, episodeIndex: index, stepIndex: i },
      ),
      versions: steps.map((s) => s.version),
      finalObservation,
    };
    for (const sink of this.#o.sinks) sink.episode(episode);
    this.#o.onEpisodeEnd?.();
  }

  /** The joint state's positions and velocities, in description order when names are known. */
  #jointStateCopy(m: RecordedStep['jointState']): SegmentedStep['jointState'] {
    const names = this.#o.jointNames;
    if (names === undefined) {
      return { position: Float64Array.from(m.position), velocity: Float64Array.from(m.velocity) };
    }
    if (this.#indexOf?.names !== m.name) {
      this.#indexOf = { names: m.name, index: Int32Array.from(names, (n) => m.name.indexOf(n)) };
    }
    const { index } = this.#indexOf;
    const position = new Float64Array(names.length);
    const velocity = new Float64Array(names.length);
    const hasVelocity = m.velocity.length === m.name.length;
    for (let i = 0; i < names.length; i++) {
      const j = index[i] as number;
      // The node records only steps whose state matched every joint; -1 cannot occur then.
      position[i] = j < 0 ? NaN : (m.position[j] as number);
      velocity[i] = j < 0 || !hasVelocity ? 0 : (m.velocity[j] as number);
    }
    return { position, velocity };
  }
}
