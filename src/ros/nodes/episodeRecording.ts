/**
 * Records the policy node's control steps as episodes in the replay bag format (src/replay's
 * EpisodeRecorder: rosbag2 MCAP with /joint_states, the effort command and one
 * torquepilot_msgs/msg/Transition per step).
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
 * bounds memory: the open episode is held until it ends, then written through a promise chain in
 * order (the node's tick must not wait for the disk). An open episode is never complete, so a
 * crash loses nothing a reader could use.
 */
import { EpisodeRecorder } from '../../replay/index.js';
import type { RecordedStep as BagStep } from '../../replay/index.js';
import type { NodeLogger } from '../transport/index.js';
import type { RecordedStep, RecorderFactory, StepRecorder } from './policyNodeTypes.js';

/** Ticks a boundary may arrive late and still take precedence over the length cap. */
export const CAP_GRACE_STEPS = 8;

/** A step of the open episode: its bag record (indices set when written) and its state's stamp. */
interface OpenStep {
  readonly step: BagStep;
  readonly stateStampNs: bigint;
  /** Steps recorded before this one (since the recorder started). */
  readonly seq: number;
}

/** A boundary stamped after every step recorded when it arrived. */
interface PendingBoundary {
  readonly stampNs: bigint;
  /** `seq` the next step had when it arrived. */
  readonly arrivalSeq: number;
  readonly reason: string;
}

/** What the recorder did, for logs and tests. */
export interface RecordingCounts {
  /** Episodes written. */
  readonly episodes: number;
  /** Steps written. */
  readonly steps: number;
  /** Steps dropped before a boundary (no observed successor), including whole 1-step episodes. */
  readonly droppedSteps: number;
  /** Episodes ended by the length cap. */
  readonly capped: number;
}

export class BagStepRecorder implements StepRecorder {
  readonly #maxSteps: number;
  readonly #logger: NodeLogger;
  readonly #recorder: Promise<EpisodeRecorder>;
  #chain: Promise<unknown>;
  /** Steps of the episode in progress, not written yet. */
  #open: OpenStep[] = [];
  /** Joint-state stamp of the newest recorded step. */
  #newestStampNs: bigint | null = null;
  /** Boundaries waiting for a step stamped at or after them, in arrival order. */
  #pendingBoundaries: PendingBoundary[] = [];
  #seq = 0;
  #episode = 0;
  #written = 0;
  #dropped = 0;
  #capped = 0;
  #failed = false;
  #closed: Promise<void> | null = null;
  /** The commanded joints in description order: the bag's joint states hold these only. */
  readonly #jointNames: readonly string[] | null;
  /** Index of each commanded joint in the last message's names (cached per names array). */
  #indexOf: { names: readonly string[]; index: Int32Array } | null = null;

  /**
   * @param maxSteps the safety cap on an episode's length (steps) when no boundary comes.
   * @param jointNames the commanded joints in description order. A robot's /joint_states carries
   *   them in any order, often with more (grippers): the recorded joint state is reordered to
   *   these by name, as the bag's metadata promises. Omitted: recorded as received.
   */
  constructor(
    recorder: Promise<EpisodeRecorder>,
    maxSteps: number,
    logger: NodeLogger,
    jointNames?: readonly string[],
  ) {
    if (!Number.isInteger(maxSteps) || maxSteps < 1) {
      throw new Error(`BagStepRecorder: maxSteps must be an integer ≥ 1, got ${maxSteps}`);
    }
    this.#recorder = recorder;
    this.#maxSteps = maxSteps;
    this.#logger = logger;
    this.#jointNames = jointNames ?? null;
    this.#chain = recorder.catch((err: unknown) => this.#fail(err));
  }

  counts(): RecordingCounts {
    return {
      episodes: this.#episode,
      steps: this.#written,
      droppedSteps: this.#dropped,
      capped: this.#capped,
    };
  }

  recordStep(step: RecordedStep): void {
    if (this.#failed || this.#closed !== null) return;
    const stateStampNs = step.jointState.stampNs;
    this.#applyPending(stateStampNs);
    // Copies of the node's reused arrays: the step is written when its episode ends.
    this.#open.push({
      stateStampNs,
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
    this.#newestStampNs = step.jointState.stampNs;
    const cap = this.#maxSteps;
    if (this.#open.length >= cap + CAP_GRACE_STEPS) {
      // No boundary within the cap: steps 0..cap-1 are an episode, and step `cap` (same robot,
      // no reset) is the exact successor of its last step.
      const episode = this.#open.slice(0, cap);
      this.#open = this.#open.slice(cap);
      this.#capped++;
      this.#writeEpisode(episode, (this.#open[0] as OpenStep).step.observation);
    }
  }

  /**
   * The open episode ended at `stampNs` (the joint states' clock; 0 = now) for `reason`: the cut
   * goes before the first step stamped at or after it, now if such a step was recorded, else when
   * one comes. A boundary before every open step belongs to an episode already ended (the same
   * reset seen twice, as a target and as a signal): no-op.
   */
  boundary(stampNs: bigint, reason: string): void {
    if (this.#failed || this.#closed !== null) return;
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
    this.#logger.debug(`recording: episode boundary (${reason}) after ${ended.length} steps`);
    this.#endWithoutSuccessor(ended);
  }

  /** The joint state's positions and velocities, in description order when names are known. */
  #jointStateCopy(m: RecordedStep['jointState']): BagStep['jointState'] {
    const names = this.#jointNames;
    if (names === null) {
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

  /** End the open episode (its last step dropped), finish the bag. Resolves when on disk. */
  close(): Promise<void> {
    if (this.#closed !== null) return this.#closed;
    if (!this.#failed && this.#open.length > 0) this.#endWithoutSuccessor(this.#open);
    this.#open = [];
    this.#pendingBoundaries = [];
    this.#closed = this.#chain.then(async () => {
      if (this.#failed) return;
      try {
        const recorder = await this.#recorder;
        await recorder.close();
        this.#logger.info(
          `recording: wrote ${recorder.dir} (${this.#episode} episodes, ${this.#written} steps; ${this.#dropped} steps without an observed successor dropped, ${this.#capped} episodes cut at ${this.#maxSteps} steps)`,
        );
      } catch (err) {
        this.#fail(err);
      }
    });
    return this.#closed;
  }

  /**
   * Steps whose last one has no observed successor in the episode: drop it, and end the episode
   * with the step before it, whose successor is the dropped step's observation.
   */
  #endWithoutSuccessor(steps: readonly OpenStep[]): void {
    const last = steps[steps.length - 1] as OpenStep;
    this.#dropped++;
    if (steps.length < 2) return;
    this.#writeEpisode(steps.slice(0, -1), last.step.observation);
  }

  /** Write `steps` as the next episode, its last step truncated with `finalObservation`. */
  #writeEpisode(steps: readonly OpenStep[], finalObservation: ArrayLike<number>): void {
    const episodeIndex = this.#episode++;
    const lastIndex = steps.length - 1;
    this.#written += steps.length;
    const records = steps.map(({ step }, i): BagStep =>
      i === lastIndex
        ? { ...step, episodeIndex, stepIndex: i, truncated: true, finalObservation }
        : { ...step, episodeIndex, stepIndex: i },
    );
    this.#chain = this.#chain.then(async () => {
      if (this.#failed) return;
      try {
        const recorder = await this.#recorder;
        for (const r of records) await recorder.writeStep(r);
        // On a robot an episode may take minutes: put it on disk as a whole.
        await recorder.flush();
      } catch (err) {
        this.#fail(err);
      }
    });
  }

  #fail(err: unknown): void {
    if (!this.#failed) {
      this.#logger.error(
        `recording failed, no more steps are recorded: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    this.#failed = true;
  }
}

/**
 * The policy node's recorder factory: a bag per activation at `record_path` (a directory that must
 * not exist or be empty); episodes end at boundaries, capped at the node's episode_max_steps or,
 * when that is 0, at `defaultMaxSteps(task)` steps (the task's horizon).
 */
export function bagRecorderFactory(
  logger: NodeLogger,
  defaultMaxSteps: (task: string) => number,
  obsSize: (task: string) => number,
  rosDistro = '',
): RecorderFactory {
  return (path, info) => {
    const recorder = EpisodeRecorder.create(path, {
      task: info.task,
      jointNames: info.jointNames,
      checkpointId: info.checkpointId,
      obsSize: obsSize(info.task),
      topics: { jointStates: info.jointStatesTopic, command: info.commandTopic },
      ...(rosDistro !== '' ? { rosDistro } : {}),
    });
    const maxSteps = info.maxEpisodeSteps > 0 ? info.maxEpisodeSteps : defaultMaxSteps(info.task);
    return new BagStepRecorder(recorder, maxSteps, logger, info.jointNames);
  };
}
