/**
 * Shapes shared by the peer bench's pieces: what one training run reports (both sides print the
 * same JSON object on stdout), the per-run table row, and the timed parts.
 */

/** Which implementation a run belongs to. */
export type Side = 'sb3' | 'ours';
export type Algo = 'trpo' | 'ppo';
/** The bench's task keys; each maps to a Gymnasium id and a torquepilot task name. */
export type TaskKey = 'pendulum' | 'reacher';

/** One evaluation: deterministic episodes on a separate environment, training clock stopped. */
export interface EvalPoint {
  /** Environment steps taken by training when the evaluation ran (summed over envs). */
  readonly steps: number;
  /** Training wall-clock in seconds at that point, evaluation time excluded. */
  readonly trainSeconds: number;
  /** Mean undiscounted return over the evaluation episodes. */
  readonly meanReturn: number;
  readonly stdReturn: number;
  readonly episodes: number;
}

/** What one training run prints (bench/peers/sb3_train.py and bench/peers/ours.ts). */
export interface RunResult {
  readonly side: Side;
  readonly algo: Algo;
  /** Gymnasium id (SB3) or torquepilot task name (ours). */
  readonly task: string;
  readonly seed: number;
  /** SB3: torch intra-op threads; ours: worker threads. */
  readonly threads: number;
  readonly nEnvs: number;
  /** Total environment steps trained. */
  readonly steps: number;
  /** Training wall-clock in seconds, evaluation excluded. */
  readonly trainSeconds: number;
  readonly stepsPerSecond: number;
  readonly evals: readonly EvalPoint[];
  /** Fractions of a training step, when the runner reports them (ours only). */
  readonly fractions?: Readonly<Record<string, number>>;
  readonly versions?: Readonly<Record<string, string>>;
}

/** A training configuration of the bench: one line of the legend, one group of table rows. */
export interface ConfigSpec {
  /** Short id, e.g. `sb3-trpo-1t`. */
  readonly id: string;
  /** Human label, e.g. `SB3 TRPO (1 thread)`. */
  readonly label: string;
  readonly side: Side;
  readonly algo: Algo;
  readonly tasks: readonly TaskKey[];
  /** SB3: '1' or 'default' torch threads; ours: worker threads as a string, or 'config'. */
  readonly threads: string;
  readonly nEnvs: number;
  /** Rollout length per env; 0 = the algorithm's default. */
  readonly nSteps: number;
}

/** One row of the printed table: a configuration on a task with one seed. */
export interface Row {
  readonly config: string;
  readonly label: string;
  readonly task: TaskKey;
  readonly seed: number;
  readonly stepsPerSecond: number;
  readonly trainSeconds: number;
  /** First evaluation at or above the task threshold, or null if never reached. */
  readonly stepsToThreshold: number | null;
  readonly secondsToThreshold: number | null;
  /** Return of the evaluation at each budget, keyed by budget steps; null when not reached. */
  readonly returnAtBudget: Readonly<Record<string, number | null>>;
}

/** Timed parts of one side (every field optional: a side may not expose a part). */
export interface PartsResult {
  readonly side: Side;
  readonly task: string;
  readonly threads: number;
  readonly samples: number;
  readonly rolloutMs?: number;
  readonly updateMs?: number;
  readonly updatePolicyMs?: number;
  readonly updateValueMs?: number;
  readonly fvpMs?: number;
  readonly fvpSetupMs?: number;
  readonly cgSolveMs?: number;
  /** Ours: the train config's Fisher subsampling fraction, when below 1, and timings with it. */
  readonly fisherSubsample?: number;
  readonly fvpSubsampledMs?: number;
  readonly cgSolveSubsampledMs?: number;
  readonly forwardRawUs?: number;
  readonly forwardPredictUs?: number;
  readonly mjStepPerSecond?: number;
  readonly envStepPerSecond?: number;
  /** Where the figures came from (e.g. `bench/learn.ts --json`). */
  readonly source?: string;
  readonly note?: string;
}

/** Ours: training steps/s against worker threads. */
export interface ScalingPoint {
  readonly workers: number;
  readonly stepsPerSecond: number;
  readonly fractions?: Readonly<Record<string, number>>;
}
