/**
 * What a task is: its model, its timing, and three pure functions over plain arrays (reset draw,
 * observation, reward/termination). Pure so that the ROS node rebuilds "the observation exactly as
 * in simulation" from /joint_states with the same code, and so tests check them against hand-worked
 * values without MuJoCo.
 */
import type { Random } from '../../src/util/index.js';

/**
 * The inputs of an observation, all in world coordinates and SI units.
 * In simulation they come from MjData; on the robot from /joint_states (matched by name), the task's
 * target and a forward-kinematics pass (see `Kinematics`).
 */
export interface ObservationInput {
  /** Positions of the task's observed joints, in `TaskDefinition.observedJoints` order. Shape: (nObserved). */
  readonly jointPos: ArrayLike<number>;
  /** Velocities of the same joints. Shape: (nObserved). */
  readonly jointVel: ArrayLike<number>;
  /** Target position in world coordinates. Shape: (3); unused by tasks without a target. */
  readonly target: ArrayLike<number>;
  /** End-effector position in world coordinates. Shape: (3). */
  readonly endEffector: ArrayLike<number>;
}

/** The inputs of a reward, evaluated after the physics step (Gymnasium v5 order). */
export interface RewardInput extends ObservationInput {
  /** The applied action after clipping to ctrlrange, in actuator units. Shape: (actionSize). */
  readonly action: ArrayLike<number>;
  /** The observation just built from the same state. Shape: (obsSize). */
  readonly obs: Float64Array;
  /** ‖endEffector − target‖ in metres (NaN for tasks without a target). */
  readonly distance: number;
}

/** The reset draw: writes initial joint state and target. */
export interface ResetTarget {
  /** Full model qpos, preset to the model's qpos0 (mj_resetData). Shape: (nq). */
  readonly qpos: Float64Array;
  /** Full model qvel, preset to zero. Shape: (nv). */
  readonly qvel: Float64Array;
  /** The task's target (world coordinates), preset to zero. Shape: (3). */
  readonly target: Float64Array;
  /** qpos address of each observed joint (`observedJoints` order). Shape: (nObserved). */
  readonly observedQposAdr: Int32Array;
  /** dof (qvel) address of each observed joint. Shape: (nObserved). */
  readonly observedDofAdr: Int32Array;
}

export interface TaskDefinition {
  /** Task name: a built-in name (arm7-reach), a Gymnasium twin's kind, or `<robot>-<kind>`. */
  readonly name: string;
  /** Physics steps per environment step (control period = timestep × frameSkip). */
  readonly frameSkip: number;
  /** Steps per episode before truncation. */
  readonly horizon: number;
  /** Observation length. */
  readonly obsSize: number;
  /** Whether `success` is defined (then it is reported in StepInfo). */
  readonly hasSuccess: boolean;
  /** Success radius in metres: success when distance < this (tasks with `hasSuccess`). */
  readonly successRadius: number;
  /** Whether the task has a target (then distance is reported). */
  readonly hasTarget: boolean;
  /** MJCF joint names whose position and velocity enter the observation, in that order. */
  readonly observedJoints: readonly string[];
  /**
   * Recompute body/site positions (mj_kinematics) after the physics steps, so end-effector terms
   * match the final joint state (as forward kinematics on the robot gives them). Gymnasium tasks
   * read positions as mj_step leaves them, computed before the last substep's integration, and
   * keep that for exactness.
   */
  readonly freshKinematics: boolean;
  /** MJCF site whose world position is the end effector. */
  readonly endEffectorSite: string;
  /** Human-readable layout of the observation: [segment name, length] in order. */
  readonly observationLayout: readonly (readonly [string, number])[];
  /** One-line reward formula for docs and `torquepilot tasks`. */
  readonly rewardFormula: string;
  /**
   * Draw the initial state (Gymnasium's reset_model). Called after mj_resetData; mj_forward follows.
   * Must draw from `rng` only, in a fixed order, so that a seed fixes the episode.
   */
  reset(rng: Random, state: ResetTarget): void;
  /**
   * MJCF body whose world position is the target (Reacher keeps its target in slide joints). When
   * absent, the target is task state drawn by `reset`.
   */
  readonly targetBody?: string;
  /** Write the observation into `out`. Shape: (obsSize). Pure. */
  observe(input: ObservationInput, out: Float64Array): void;
  /** The reward of the step that led to this state. Pure. */
  reward(input: RewardInput): number;
  /** Whether the state is terminal (never the time limit). Pure. */
  terminated(obs: Float64Array): boolean;
}

/** True when every entry is finite (Gymnasium's `np.isfinite(obs).all()`). */
export function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) return false;
  }
  return true;
}

/** Euclidean distance between the first three entries of two vectors. */
export function distance3(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const dx = (a[0] ?? 0) - (b[0] ?? 0);
  const dy = (a[1] ?? 0) - (b[1] ?? 0);
  const dz = (a[2] ?? 0) - (b[2] ?? 0);
  return Math.sqrt(dx * dx + dy * dy + dz * dz);
}
