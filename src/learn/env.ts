/**
 * The environment contract the learner consumes: Gymnasium's API, typed (terminated is not
 * truncated), for one environment (`Env`) and for N stepped together with auto-reset (`VecEnv`).
 *
 * It lives here, where it is used, so that src/learn depends on no simulator. sim/ keeps its own
 * concrete types and never imports src/learn: its `MujocoEnv` and vectorised environments satisfy
 * these interfaces structurally (test/sim/envContract.test.ts fails the build if the two drift).
 * A later source (a bag, a topic, a real arm) implements the same interfaces.
 */

/** Static facts about a task, enough to size a policy and a buffer. */
export interface TaskSpec {
  /** Task name, as in `models/<name>/`. */
  readonly name: string;
  /** Observation length. */
  readonly obsSize: number;
  /** Action length: one torque per actuated joint, in actuator units. */
  readonly actionSize: number;
  /** Lower bound of each action entry (actuator ctrlrange). Shape: (actionSize). */
  readonly actionLow: Float64Array;
  /** Upper bound of each action entry (actuator ctrlrange). Shape: (actionSize). */
  readonly actionHigh: Float64Array;
  /** Control period in seconds: model timestep × frame skip. */
  readonly dt: number;
  /** Maximum number of steps in an episode; reaching it truncates. */
  readonly horizon: number;
  /** Actuated joint names in command order (the robot description's order). */
  readonly jointNames: readonly string[];
  /** Whether the task defines success (then `StepInfo.success` is set). */
  readonly hasSuccess: boolean;
  /**
   * The robot the task runs on (sim sets it; absent on hand-made specs): name and sha256 of the
   * compiled model, what an `ExperienceIdentity` names (vecEnvSource.ts).
   */
  readonly robot?: { readonly name: string; readonly modelHash: string };
  /** The task's kind and parameters (absent on hand-made specs). */
  readonly taskParams?: { readonly kind: string };
}

/** Per-step diagnostics of one environment. */
export interface StepInfo {
  /** Number of action entries clipped to the actuator ctrlrange on this step. */
  readonly clipped: number;
  /** End-effector (fingertip, pole tip) position in world coordinates, when the task has one. */
  readonly endEffector?: readonly [number, number, number];
  /** Distance from end effector to target, when the task has a target. */
  readonly distance?: number;
  /** Whether the task's success criterion holds at this step. */
  readonly success?: boolean;
}

/** The result of one `Env.step`. */
export interface StepResult {
  /** Observation after the step. Shape: (obsSize). The array may be reused by the next call. */
  readonly obs: Float64Array;
  readonly reward: number;
  /** The MDP reached a terminal state (no bootstrap). */
  readonly terminated: boolean;
  /** The episode was cut by the time limit (bootstrap from V(obs)). */
  readonly truncated: boolean;
  readonly info: StepInfo;
}

/**
 * A JSON-serialisable snapshot of one environment mid-episode (for checkpoints that resume exactly).
 * Holds the simulator's physics state, time, the task's own state (e.g. the target), the episode
 * step count and the reset-noise RNG state. The learner stores it and hands it back unread.
 */
export interface EnvState {
  readonly physics: Readonly<Record<string, readonly number[]>>;
  readonly time: number;
  readonly stepCount: number;
  readonly task: Readonly<Record<string, readonly number[]>>;
  readonly rng: unknown;
}

/** One environment, Gymnasium style. */
export interface Env {
  readonly spec: TaskSpec;
  /** Reset with a seed; the same seed gives bit-identical trajectories. Returns the first observation. */
  reset(seed: number): Float64Array;
  step(action: ArrayLike<number>): StepResult;
  /** Free the simulator's resources. Further calls throw. */
  close(): void;
  /** Everything needed to continue bit-identically: physics state, task state, step count, RNG. */
  getState(): EnvState;
  setState(state: EnvState): void;
}

/** The result of stepping N environments at once; environments that end are reset automatically. */
export interface VecStepResult {
  /** Next observations, after auto-reset of finished environments. Shape: (numEnvs, obsSize), row-major. */
  readonly obs: Float64Array;
  /** Shape: (numEnvs). */
  readonly rewards: Float64Array;
  /** 1 where the episode terminated on this step. Shape: (numEnvs). */
  readonly terminated: Uint8Array;
  /** 1 where the episode was truncated by the time limit on this step. Shape: (numEnvs). */
  readonly truncated: Uint8Array;
  /**
   * The last observation of an episode that ended on this step (before auto-reset), needed to
   * bootstrap V on truncation. Shape: (numEnvs, obsSize); rows of environments that did not end are
   * unspecified.
   */
  readonly finalObs: Float64Array;
  /** Number of clipped action entries per environment. Shape: (numEnvs). */
  readonly clipped: Uint32Array;
  /** Distance to target per environment, NaN where the task has none. Shape: (numEnvs). */
  readonly distance: Float64Array;
  /** 1 where success holds. Shape: (numEnvs). */
  readonly success: Uint8Array;
}

/** N environments of one task, stepped together (in-process, over worker threads, or remote). */
export interface VecEnv {
  readonly spec: TaskSpec;
  readonly numEnvs: number;
  /** Reset all; environment i is seeded from `seed` and i. Returns observations, shape (numEnvs, obsSize). */
  reset(seed: number): Promise<Float64Array>;
  /** Step all with actions of shape (numEnvs, actionSize), row-major. */
  step(actions: Float32Array | Float64Array): Promise<VecStepResult>;
  close(): Promise<void>;
  /** Snapshot of every environment, for exact resume. */
  getState(): Promise<readonly EnvState[]>;
  setState(states: readonly EnvState[]): Promise<void>;
}
