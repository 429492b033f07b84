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
import { EpisodeRecorder } from '../replay/EpisodeRecorder.js';
import type { RecordedStep as BagStep } from '../replay/types.js';
import type { NodeLogger } from './transport.js';
import type { RecordedStep, RecorderFactory, StepRecorder } from './policyNodeTypes.js';

interface PendingStep {
  readonly stampNs: bigint;
  readonly observation: Float64Array;
  readonly action: Float64Array;
  readonly mean: Float64Array;
  readonly logStd: Float64Array;
  readonly logProb: number;
  readonly reward: number;
  readonly jointPosition: Float64Array;
  readonly jointVelocity: Float64Array;
  readonly command: Float64Array;
  readonly episodeIndex: number;
  readonly stepIndex: number;
}

export class BagStepRecorder implements StepRecorder {
  readonly #episodeSteps: number;
  readonly #logger: NodeLogger;
  readonly #recorder: Promise<EpisodeRecorder>;
  #chain: Promise<unknown>;
  #pending: PendingStep | null = null;
  #episode = 0;
  #step = 0;
  #failed = false;
  #closed: Promise<void> | null = null;

  constructor(recorder: Promise<EpisodeRecorder>, episodeSteps: number, logger: NodeLogger) {
    if (!Number.isInteger(episodeSteps) || episodeSteps < 1) {
      throw new Error(`BagStepRecorder: episodeSteps must be an integer ≥ 1, got ${episodeSteps}`);
    }
    this.#recorder = recorder;
    this.#episodeSteps = episodeSteps;
    this.#logger = logger;
    this.#chain = recorder.catch((err: unknown) => this.#fail(err));
  }

  recordStep(step: RecordedStep): void {
    if (this.#failed || this.#closed !== null) return;
    const state = step.jointState;
    const next: PendingStep = {
      stampNs: step.stampNs,
      observation: Float64Array.from(step.observation),
      action: Float64Array.from(step.action),
      mean: Float64Array.from(step.mean),
      logStd: Float64Array.from(step.logStd),
      logProb: step.logProb,
      reward: step.reward,
      jointPosition: Float64Array.from(state.position),
      jointVelocity: Float64Array.from(state.velocity),
      command: Float64Array.from(step.command),
      episodeIndex: this.#episode,
      stepIndex: this.#step,
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
  #write(s: PendingStep, nextObservation: Float64Array, forceLast = false): void {
    const last = forceLast || s.stepIndex === this.#episodeSteps - 1;
    const step: BagStep = {
      stampNs: s.stampNs,
      episodeIndex: s.episodeIndex,
      stepIndex: s.stepIndex,
      observation: s.observation,
      action: s.action,
      mean: s.mean,
      logStd: s.logStd,
      logProb: s.logProb,
      reward: s.reward,
      terminated: false,
      truncated: last,
      ...(last ? { finalObservation: nextObservation } : {}),
      jointState: { position: s.jointPosition, velocity: s.jointVelocity },
      command: s.command,
    };
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
    return new BagStepRecorder(recorder, episodeSteps(info.task), logger);
  };
}
