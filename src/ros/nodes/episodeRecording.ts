/**
 * Records the policy node's control steps as episodes in the replay bag format (src/replay's
 * EpisodeRecorder: rosbag2 MCAP with /joint_states, the effort command and one
 * torquepilot_msgs/msg/Transition per step).
 *
 * The node's tick is synchronous and must not wait for the disk, so steps are copied and written
 * through a promise chain in order. Episodes are windows of `episodeSteps` control steps (the task's
 * horizon by default): on a robot nothing resets, so the last step of a window is `truncated` and
 * its final observation is the next tick's observation — exactly the successor state, so a learner
 * bootstraps V from it. The step still pending when recording stops is written truncated with its
 * own observation as final observation (one step's bootstrap is approximate).
 */
import { EpisodeRecorder } from '../../replay/index.js';
import type { RecordedStep as BagStep } from '../../replay/index.js';
import type { NodeLogger } from '../transport/index.js';
import type { RecordedStep, RecorderFactory, StepRecorder } from './policyNodeTypes.js';

export class BagStepRecorder implements StepRecorder {
  readonly #episodeSteps: number;
  readonly #logger: NodeLogger;
  readonly #recorder: Promise<EpisodeRecorder>;
  #chain: Promise<unknown>;
  /** The last step, waiting for the next tick's observation (its final observation if last). */
  #pending: BagStep | null = null;
  #episode = 0;
  #step = 0;
  #failed = false;
  #closed: Promise<void> | null = null;
  /** The commanded joints in description order: the bag's joint states hold these only. */
  readonly #jointNames: readonly string[] | null;
  /** Index of each commanded joint in the last message's names (cached per names array). */
  #indexOf: { names: readonly string[]; index: Int32Array } | null = null;

  /**
   * @param jointNames the commanded joints in description order. A robot's /joint_states carries
   *   them in any order, often with more (grippers): the recorded joint state is reordered to
   *   these by name, as the bag's metadata promises. Omitted: recorded as received.
   */
  constructor(
    recorder: Promise<EpisodeRecorder>,
    episodeSteps: number,
    logger: NodeLogger,
    jointNames?: readonly string[],
  ) {
    if (!Number.isInteger(episodeSteps) || episodeSteps < 1) {
      throw new Error(`BagStepRecorder: episodeSteps must be an integer ≥ 1, got ${episodeSteps}`);
    }
    this.#recorder = recorder;
    this.#episodeSteps = episodeSteps;
    this.#logger = logger;
    this.#jointNames = jointNames ?? null;
    this.#chain = recorder.catch((err: unknown) => this.#fail(err));
  }

  recordStep(step: RecordedStep): void {
    if (this.#failed || this.#closed !== null) return;
    // Copies of the node's reused arrays: the step is written after the next tick.
    const next: BagStep = {
      stampNs: step.stampNs,
      episodeIndex: this.#episode,
      stepIndex: this.#step,
      observation: step.observation.slice(),
      action: step.action.slice(),
      mean: step.mean.slice(),
      logStd: step.logStd.slice(),
      logProb: step.logProb,
      reward: step.reward,
      terminated: false,
      truncated: false,
      jointState: this.#jointStateCopy(step.jointState),
      command: step.command.slice(),
    };
    this.#step++;
    if (this.#step >= this.#episodeSteps) {
      this.#step = 0;
      this.#episode++;
    }
    const previous = this.#pending;
    this.#pending = next;
    if (previous !== null) this.#write(previous, next.observation);
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

  /** Write the pending step, finish the bag (metadata.yaml last). Resolves when on disk. */
  close(): Promise<void> {
    if (this.#closed !== null) return this.#closed;
    const last = this.#pending;
    this.#pending = null;
    if (last !== null && !this.#failed) this.#write(last, last.observation, true);
    this.#closed = this.#chain.then(async () => {
      if (this.#failed) return;
      try {
        const recorder = await this.#recorder;
        await recorder.close();
        this.#logger.info(`recording: wrote ${recorder.dir}`);
      } catch (err) {
        this.#fail(err);
      }
    });
    return this.#closed;
  }

  /** @param nextObservation the observation that followed this step (final observation if last). */
  #write(s: BagStep, nextObservation: ArrayLike<number>, forceLast = false): void {
    const last = forceLast || s.stepIndex === this.#episodeSteps - 1;
    const step: BagStep = last ? { ...s, truncated: true, finalObservation: nextObservation } : s;
    this.#chain = this.#chain.then(async () => {
      if (this.#failed) return;
      try {
        await (await this.#recorder).writeStep(step);
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
 * not exist or be empty), episodes of `episodeSteps(task)` steps.
 */
export function bagRecorderFactory(
  logger: NodeLogger,
  episodeSteps: (task: string) => number,
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
    return new BagStepRecorder(recorder, episodeSteps(info.task), logger, info.jointNames);
  };
}
