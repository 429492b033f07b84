/**
 * Rollout storage (as rsl_rl's RolloutStorage / SB3's RolloutBuffer): every array allocated once
 * as a Float32Array (or Uint8Array for flags) of shape (numSteps, numEnvs, …), time-major. It keeps
 * terminated and truncated apart and stores V(final observation) for truncated steps, so GAE can
 * bootstrap the time limit but not a true terminal state.
 */
import type { TransitionBatch } from './batch.js';
import { gae } from './estimators.js';

export interface RolloutStorageOptions {
  /** Steps per environment per rollout (SB3 n_steps). */
  readonly numSteps: number;
  readonly numEnvs: number;
  readonly obsSize: number;
  readonly actionSize: number;
}

/** One vectorised step, as `add` takes it. Shapes: (numEnvs, …) row-major. */
export interface StepRecord {
  /** Normalised observations the actions were chosen from. Shape: (numEnvs, obsSize). */
  readonly obs: ArrayLike<number>;
  /** Sampled actions (before clipping to the ctrlrange). Shape: (numEnvs, actionSize). */
  readonly actions: ArrayLike<number>;
  /** Shape: (numEnvs). */
  readonly rewards: ArrayLike<number>;
  readonly terminated: ArrayLike<number>;
  readonly truncated: ArrayLike<number>;
  /** V(obs). Shape: (numEnvs). */
  readonly values: ArrayLike<number>;
  /** log π(action|obs) under the collecting policy. Shape: (numEnvs). */
  readonly logProbs: ArrayLike<number>;
  /** V(final observation) where truncated (other entries ignored). Shape: (numEnvs). */
  readonly bootstrapValues: ArrayLike<number>;
  /** Collecting policy's mean and log σ. Shape: (numEnvs, actionSize). Optional. */
  readonly means?: ArrayLike<number>;
  readonly logStds?: ArrayLike<number>;
}

export class RolloutStorage {
  readonly numSteps: number;
  readonly numEnvs: number;
  readonly obsSize: number;
  readonly actionSize: number;
  readonly capacity: number;
  readonly obs: Float32Array;
  readonly actions: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly values: Float32Array;
  readonly logProbs: Float32Array;
  readonly bootstrapValues: Float32Array;
  readonly means: Float32Array;
  readonly logStds: Float32Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  #step = 0;

  constructor(options: RolloutStorageOptions) {
    const { numSteps, numEnvs, obsSize, actionSize } = options;
    for (const [k, v] of Object.entries(options)) {
      if (!Number.isInteger(v) || (v as number) <= 0)
        throw new Error(`RolloutStorage: ${k} must be a positive integer, got ${v}`);
    }
    this.numSteps = numSteps;
    this.numEnvs = numEnvs;
    this.obsSize = obsSize;
    this.actionSize = actionSize;
    const n = numSteps * numEnvs;
    this.capacity = n;
    this.obs = new Float32Array(n * obsSize);
    this.actions = new Float32Array(n * actionSize);
    this.rewards = new Float32Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.values = new Float32Array(n);
    this.logProbs = new Float32Array(n);
    this.bootstrapValues = new Float32Array(n);
    this.means = new Float32Array(n * actionSize);
    this.logStds = new Float32Array(n * actionSize);
    this.advantages = new Float32Array(n);
    this.returns = new Float32Array(n);
  }

  /** Steps stored so far (0 … numSteps). */
  get step(): number {
    return this.#step;
  }

  get full(): boolean {
    return this.#step === this.numSteps;
  }

  /** Append one vectorised step. Throws when full: call `clear()` after the update. */
  add(record: StepRecord): void {
    if (this.#step >= this.numSteps) {
      throw new Error(
        `RolloutStorage.add: storage is full (${this.numSteps} steps × ${this.numEnvs} envs); call clear() after computing the update`,
      );
    }
    const N = this.numEnvs;
    const t = this.#step;
    const base = t * N;
    copy(record.obs, this.obs, base * this.obsSize, N * this.obsSize, 'obs');
    copy(record.actions, this.actions, base * this.actionSize, N * this.actionSize, 'actions');
    copy(record.rewards, this.rewards, base, N, 'rewards');
    copy(record.terminated, this.terminated, base, N, 'terminated');
    copy(record.truncated, this.truncated, base, N, 'truncated');
    copy(record.values, this.values, base, N, 'values');
    copy(record.logProbs, this.logProbs, base, N, 'logProbs');
    copy(record.bootstrapValues, this.bootstrapValues, base, N, 'bootstrapValues');
    if (record.means)
      copy(record.means, this.means, base * this.actionSize, N * this.actionSize, 'means');
    if (record.logStds)
      copy(record.logStds, this.logStds, base * this.actionSize, N * this.actionSize, 'logStds');
    this.#step += 1;
  }

  clear(): void {
    this.#step = 0;
  }

  /** GAE(λ) advantages and value targets for the stored steps, given V(s_T) per env (numEnvs). */
  computeReturnsAndAdvantages(lastValues: ArrayLike<number>, gamma: number, lambda: number): void {
    if (!this.full) {
      throw new Error(
        `RolloutStorage.computeReturnsAndAdvantages: only ${this.#step}/${this.numSteps} steps stored; fill the storage first`,
      );
    }
    gae(
      {
        rewards: this.rewards,
        values: this.values,
        terminated: this.terminated,
        truncated: this.truncated,
        bootstrapValues: this.bootstrapValues,
        lastValues,
        numSteps: this.numSteps,
        numEnvs: this.numEnvs,
        gamma,
        lambda,
      },
      this.advantages,
      this.returns,
    );
  }

  /** The whole rollout as one readonly batch (views, no copy). Call after computeReturnsAndAdvantages. */
  batch(): TransitionBatch {
    const n = this.#step * this.numEnvs;
    return Object.freeze({
      size: n,
      obs: this.obs.subarray(0, n * this.obsSize),
      actions: this.actions.subarray(0, n * this.actionSize),
      advantages: this.advantages.subarray(0, n),
      returns: this.returns.subarray(0, n),
      oldLogProb: this.logProbs.subarray(0, n),
      oldMean: this.means.subarray(0, n * this.actionSize),
      oldLogStd: this.logStds.subarray(0, n * this.actionSize),
    });
  }
}

function copy(
  src: ArrayLike<number>,
  dst: Float32Array | Uint8Array,
  offset: number,
  count: number,
  field: string,
): void {
  if (src.length < count)
    throw new Error(`RolloutStorage.add: ${field} has ${src.length} values, expected ${count}`);
  for (let i = 0; i < count; i++) dst[offset + i] = src[i] as number;
}
