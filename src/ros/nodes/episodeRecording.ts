/**
 * The bag sink of the policy node's episode segmentation (episodeSegmenter.ts): each finished
 * episode is written in the replay bag format (src/replay's EpisodeRecorder: rosbag2 MCAP with
 * /joint_states, the effort command and one torquepilot_msgs/msg/Transition per step), through a
 * promise chain in order (the node's tick must not wait for the disk), and flushed as a whole (on
 * a robot an episode may take minutes). The bag's metadata.yaml carries the robot and task identity
 * of the deployment (`torquepilot.robot_name`, `.model_hash`, `.task_params`), as `record` writes
 * it, so `replay` and the bag source know whose experience it is.
 */
import { bagIdentityCustomData, EpisodeRecorder } from '../../replay/index.js';
import type { NodeLogger } from '../transport/index.js';
import type { EpisodeSink, RecordingCounts, SegmentedEpisode } from './episodeSegmenter.js';
import type { RecorderFactory } from './policyNodeTypes.js';

export class BagEpisodeSink implements EpisodeSink {
  readonly #recorder: Promise<EpisodeRecorder>;
  readonly #logger: NodeLogger;
  #chain: Promise<unknown>;
  #failed = false;
  #closed: Promise<void> | null = null;
  #maxSteps: number;

  /** @param maxSteps the episode cap, for the closing log line. */
  constructor(recorder: Promise<EpisodeRecorder>, logger: NodeLogger, maxSteps: number) {
    this.#recorder = recorder;
    this.#logger = logger;
    this.#maxSteps = maxSteps;
    this.#chain = recorder.catch((err: unknown) => this.#fail(err));
  }

  episode(e: SegmentedEpisode): void {
    if (this.#failed || this.#closed !== null) return;
    this.#chain = this.#chain.then(async () => {
      if (this.#failed) return;
      try {
        const recorder = await this.#recorder;
        for (const step of e.steps) await recorder.writeStep(step);
        await recorder.flush();
      } catch (err) {
        this.#fail(err);
      }
    });
  }

  close(counts: RecordingCounts): Promise<void> {
    if (this.#closed !== null) return this.#closed;
    this.#closed = this.#chain.then(async () => {
      if (this.#failed) return;
      try {
        const recorder = await this.#recorder;
        await recorder.close();
        this.#logger.info(
          `recording: wrote ${recorder.dir} (${counts.episodes} episodes, ${counts.steps} steps; ${counts.droppedSteps} steps without an observed successor dropped, ${counts.capped} episodes cut at ${this.#maxSteps} steps)`,
        );
      } catch (err) {
        this.#fail(err);
      }
    });
    return this.#closed;
  }

  #fail(err: unknown): void {
    if (!this.#failed) {
      this.#logger.error(
        `recording failed, no more episodes are written: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    this.#failed = true;
  }
}

/**
 * The policy node's recorder factory: a bag per activation at `record_path` (a directory that must
 * not exist or be empty); episodes are capped at the node's episode_max_steps or, when that is 0,
 * at `defaultMaxSteps(task)` steps (the task's horizon).
 */
export function bagRecorderFactory(
  logger: NodeLogger,
  defaultMaxSteps: (task: string) => number,
  obsSize: (task: string) => number,
  rosDistro = '',
): RecorderFactory {
  const maxSteps: RecorderFactory['maxSteps'] = (info) =>
    info.maxEpisodeSteps > 0 ? info.maxEpisodeSteps : defaultMaxSteps(info.task);
  return {
    maxSteps,
    bag: (path, info) => {
      const recorder = EpisodeRecorder.create(path, {
        task: info.task,
        jointNames: info.jointNames,
        checkpointId: info.checkpointId,
        obsSize: obsSize(info.task),
        topics: { jointStates: info.jointStatesTopic, command: info.commandTopic },
        ...(rosDistro !== '' ? { rosDistro } : {}),
        ...(info.identity !== undefined
          ? { customData: bagIdentityCustomData(info.identity) }
          : {}),
      });
      return new BagEpisodeSink(recorder, logger, maxSteps(info));
    },
  };
}
