/**
 * Types shared by the policy node, its recorder adapter and its diagnostics.
 */
import type { ExperienceIdentity } from '../../learn/index.js';
import type { StepSample } from '../../replay/index.js';
import type { DeploymentLoader } from '../control/index.js';
import type { JointStateMessage, RawTopicNode } from '../transport/index.js';
import type { SafetyState } from '../control/index.js';
import type { EpisodeSink } from './episodeSegmenter.js';

/** One control step, as given to a recorder (arrays are reused: copy what you keep). */
export interface RecordedStep extends StepSample<Float64Array> {
  /** The action is the mean (explore = false): no density, logProb NaN. */
  readonly deterministic: boolean;
  readonly jointState: JointStateMessage;
  readonly command: Float64Array;
  /** Version of the policy that acted (the checkpoint's, or the learner snapshot's); default 0. */
  readonly policyVersion?: number;
}

export interface StepRecorder {
  recordStep(step: RecordedStep): void;
  /**
   * The current episode ended at `stampNs` (the joint states' clock; 0 = at arrival) for `reason`.
   * Optional: a recorder without it records one episode per safety-cap window.
   */
  boundary?(stampNs: bigint, reason: string): void;
  /** Finish the episode set (write the bag's metadata); may finish asynchronously. */
  close(): void | Promise<void>;
}

/** What an activation records: the deployment's task, robot and topics, and the episode cap. */
export interface RecordingInfo {
  readonly task: string;
  readonly jointNames: readonly string[];
  readonly checkpointId: string;
  readonly commandTopic: string;
  readonly jointStatesTopic: string;
  /** Parameter episode_max_steps: the safety cap on an episode's length (0 = the task's horizon). */
  readonly maxEpisodeSteps: number;
  /** The deployment's robot and task identity (written into the bag's metadata), when known. */
  readonly identity?: ExperienceIdentity;
}

/** The episode recording's pieces the CLI provides (episodeRecording.ts's bagRecorderFactory). */
export interface RecorderFactory {
  /** The episode cap of an activation: episode_max_steps, or the task's horizon when 0. */
  maxSteps(info: RecordingInfo): number;
  /** The bag writer at `path` (parameter record_path). */
  bag(path: string, info: RecordingInfo): EpisodeSink;
}

/** Counters for reports and tests. */
export interface PolicyNodeStats {
  readonly ticks: number;
  readonly published: number;
  readonly maxAbsTorque: number;
  /** Published entries with |τ| above the joint's limit (must stay 0). */
  readonly torqueLimitViolations: number;
  readonly watchdogTrips: number;
  readonly missedTicks: number;
  readonly nonFiniteEvents: number;
  readonly safetyState: SafetyState | 'idle';
}

export interface PolicyNodeOptions {
  /** Loads checkpoint + description + observation builder, synchronously. */
  readonly loader: DeploymentLoader;
  /** Makes the episode recorder when `record_path` is set; recording is refused without one. */
  readonly recorderFactory?: RecorderFactory;
  /**
   * Called on activate, after the policy's warm-up and just before the control timer starts: the
   * CLI passes a full garbage collection there (src/util/gc.ts).
   */
  readonly beforeControlLoop?: () => void;
  /**
   * Endpoints for serialized messages (the fleet's chunks and parameters, parameters chunk_topic
   * and follow_parameters). Default: the transport node's own (rclnodejs); tests pass a bus.
   */
  readonly rawTopics?: () => RawTopicNode;
}
