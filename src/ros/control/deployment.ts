/**
 * What the policy node loads on configure — a policy, an observation builder and a robot
 * description — as small interfaces, plus the check that they fit together. The concrete loader
 * (checkpoint + robot description + the sim layer's observation builders) is
 * `createDeploymentLoader` in src/ros/nodes/simDeployment.ts; tests supply fakes.
 */
import type { ActionShapingSpec } from '../../config/index.js';
import type { ExperienceIdentity } from '../../learn/index.js';
import type { Random } from '../../util/index.js';

/** The robot-description facts the node needs (src/config/robotDescription.ts has the full one). */
export interface DeploymentDescription {
  /** Task whose observation the policy was trained on. */
  readonly task: string;
  /** Commanded joints, in command order. */
  readonly jointNames: readonly string[];
  /** Symmetric torque limit per joint (actuator units). Shape: (nJoints). */
  readonly torqueLimits: ArrayLike<number>;
  /** Effort per unit of policy action (actuator gear); effort = gear · action. Default 1. */
  readonly actuatorGear?: ArrayLike<number>;
  /** Control rate in Hz. */
  readonly controlRateHz: number;
  /** sensor_msgs/msg/JointState input topic. */
  readonly jointStatesTopic: string;
  /** std_msgs/msg/Float64MultiArray output topic of the effort controller. */
  readonly commandTopic: string;
  /** Where the description came from (for error messages). */
  readonly source: string;
}

/** The Gaussian policy's batch-1 step, allocation-free. */
export interface NodePolicy {
  readonly checkpointId: string;
  readonly task: string;
  readonly jointNames: readonly string[];
  readonly obsSize: number;
  readonly actionSize: number;
  /** Mean of the last `act`. Shape: (actionSize). */
  readonly mean: Float64Array;
  /** log σ of the last `act`. Shape: (actionSize). */
  readonly logStd: Float64Array;
  /**
   * One step on a raw observation (obsSize): the mean when deterministic, else a sample of
   * N(mean, σ²) drawn from `rng`, written into `outAction` (actionSize). Returns log π(a|s) of a
   * sample; NaN (or any value: it is not used) for the mean, which has no density.
   */
  act(obs: Float64Array, deterministic: boolean, rng: Random, outAction: Float64Array): number;
  /** Length of the flat parameter vector `setParameters` takes (a learner snapshot's). */
  readonly parameterCount?: number;
  /**
   * Replace the weights (flat, log σ included) and the observation normaliser's statistics in
   * place, allocating nothing (a learner's snapshot, applied by the node at an episode boundary).
   * Absent: the policy cannot follow a learner.
   */
  setParameters?(
    params: Float32Array,
    normalizerMean: Float64Array,
    normalizerVar: Float64Array,
    normalizerCount: number,
  ): void;
}

/** Builds the task's observation from measured joint state, exactly as the simulation does. */
export interface ObservationBuilder {
  readonly obsSize: number;
  /** Joints the observation reads from /joint_states (by name), in the order `build` takes them. */
  readonly jointNames: readonly string[];
  /** Whether the observation needs a target (reach tasks): then it comes from a topic. */
  readonly needsTarget: boolean;
  /**
   * @param position joint positions in `jointNames` order. Shape: (jointNames.length).
   * @param velocity joint velocities in `jointNames` order. Shape: (jointNames.length).
   * @param target target position (world frame) or null when the task has none. Shape: (3).
   * @param out observation. Shape: (obsSize).
   */
  build(
    position: Float64Array,
    velocity: Float64Array,
    target: Float64Array | null,
    out: Float64Array,
  ): void;
  /** End-effector position of the last `build` (forward kinematics), when the task has one. */
  readonly endEffector?: Float64Array;
  /** Reward of the last built observation given an action (for recording), when defined. */
  reward?(action: Float64Array): number;
}

export interface LoadedDeployment {
  readonly policy: NodePolicy;
  readonly observation: ObservationBuilder;
  readonly description: DeploymentDescription;
  /**
   * The action shaping training used (the checkpoint's `control:`); none when absent. The node's
   * `action_filter_hz` and `torque_rate_limit` parameters override it.
   */
  readonly shaping?: ActionShapingSpec;
  /**
   * Whose experience this deployment makes: the checkpoint's robot (name, model hash), task and
   * its parameters, joints and sizes, exactly what the learner computes for the same robot and
   * task (`experienceIdentity` of its task spec), so the learner accepts the node's chunks and the
   * node accepts the learner's parameters. Absent (test fakes): no chunks, no following.
   */
  readonly identity?: ExperienceIdentity;
  /** The checkpoint's policy version: its manifest iteration (a learner checkpoint's: the learner version). */
  readonly policyVersion?: number;
  /** Release WASM memory etc. */
  close(): void;
}

export interface DeploymentRequest {
  /** Checkpoint directory (parameter `checkpoint`). */
  readonly checkpoint: string;
  /** Robot description path (parameter `robot_description`); '' = the checkpoint task's. */
  readonly robotDescription: string;
}

/** Synchronous (lifecycle callbacks are); async set-up (WASM) happens when the loader is made. */
export type DeploymentLoader = (request: DeploymentRequest) => LoadedDeployment;

/**
 * Refuse a policy that does not fit the robot: joint names (same names, same order), action size
 * = number of commanded joints, observation size = the task's observation builder's, torque limits
 * one per joint. Throws one error listing every mismatch.
 */
export function validateDeployment(d: LoadedDeployment): void {
  const { policy, observation, description } = d;
  const problems: string[] = [];
  const n = description.jointNames.length;
  if (policy.actionSize !== n) {
    problems.push(
      `action size: policy has ${policy.actionSize}, robot description commands ${n} joints`,
    );
  }
  if (policy.obsSize !== observation.obsSize) {
    problems.push(
      `observation size: policy expects ${policy.obsSize}, task '${description.task}' builds ${observation.obsSize}`,
    );
  }
  const same =
    policy.jointNames.length === n &&
    policy.jointNames.every((name, i) => name === description.jointNames[i]);
  if (!same) {
    problems.push(
      `joint names: policy [${policy.jointNames.join(', ')}] vs robot description [${description.jointNames.join(', ')}] (same names in the same order required)`,
    );
  }
  if (policy.task !== description.task) {
    problems.push(
      `task: policy trained on '${policy.task}', description is for '${description.task}'`,
    );
  }
  if (description.torqueLimits.length !== n) {
    problems.push(`torque limits: ${description.torqueLimits.length} for ${n} joints`);
  }
  if (!(description.controlRateHz > 0)) {
    problems.push(`control rate: ${description.controlRateHz} Hz (must be > 0)`);
  }
  if (problems.length > 0) {
    throw new Error(
      `policy node: checkpoint '${policy.checkpointId}' does not match robot description ${description.source}: ${problems.join('; ')}`,
    );
  }
}
