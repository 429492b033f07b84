/**
 * Value-function regression: minimise (1/m) Σ (V_φ(s) − R̂)² by Adam over shuffled minibatches, for
 * a number of epochs (sb3-contrib TRPO's n_critic_updates). It touches only the critic's
 * parameters, never the actor's.
 */
import type { ValueNetwork } from '../policy/index.js';
import type { Random } from '../util/index.js';
import type { Adam } from './adam.js';
import { explainedVariance } from './estimators.js';
import { valueScratch } from './scratch.js';

export interface ValueFitOptions {
  /** Passes over the batch (sb3-contrib TRPO n_critic_updates = 10). */
  readonly epochs: number;
  /** Minibatch size (sb3-contrib TRPO batch_size = 128). */
  readonly batchSize: number;
  /** Adam step size (sb3-contrib TRPO learning_rate = 1e-3, used for the critic only). */
  readonly learningRate: number;
}

export const VALUE_FIT_DEFAULTS: Readonly<ValueFitOptions> = Object.freeze({
  epochs: 10,
  batchSize: 128,
  learningRate: 1e-3,
});

/** The critic settings of TRPO/NPG and VPG (PPO fits its critic inside its joint loss). */
export interface CriticConfig {
  readonly criticEpochs: number;
  readonly criticBatchSize: number;
  readonly criticLearningRate: number;
}

export interface ValueFitStats {
  /** Mean squared error over all minibatches of all epochs (as SB3 logs value_loss). */
  readonly valueLoss: number;
  /** MSE on the whole batch before fitting. */
  readonly valueLossBefore: number;
  readonly minibatches: number;
}

/** A Fisher–Yates permutation of 0…n−1 drawn from rng, into `out`. */
export function shuffledIndices(
  n: number,
  rng: Random,
  out: Uint32Array = new Uint32Array(n),
): Uint32Array {
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i] as number;
    out[i] = out[j] as number;
    out[j] = t;
  }
  return out;
}

/**
 * Fit V to `returns` (n) on normalised observations `obs` (n, obsSize). Shuffles with `rng`.
 * `valuesBefore` (n): V(obs) at the current parameters when the caller already has them (fitCritic
 * does): the loss before fitting is then taken from them instead of another forward pass.
 */
export function fitValueFunction(
  value: ValueNetwork,
  optimizer: Adam,
  obs: ArrayLike<number>,
  returns: ArrayLike<number>,
  n: number,
  rng: Random,
  options: Partial<ValueFitOptions> = {},
  valuesBefore?: ArrayLike<number>,
): ValueFitStats {
  const o = { ...VALUE_FIT_DEFAULTS, ...options };
  const D = value.shape.inputSize;
  const m = Math.min(o.batchSize, n);
  const ws = valueScratch(value, 'fit');
  const xb = new Float64Array(m * D);
  const gb = new Float64Array(m);
  const grad = new Float64Array(value.numParams);
  const perm = new Uint32Array(n);

  // Loss before fitting, in chunks (reporting only).
  let before = 0;
  if (valuesBefore !== undefined) {
    for (let r = 0; r < n; r++)
      before += ((valuesBefore[r] as number) - (returns[r] as number)) ** 2;
  } else {
    for (let start = 0; start < n; start += m) {
      const cnt = Math.min(m, n - start);
      const v = value.forward(slice(obs, start * D, cnt * D), cnt, ws);
      for (let r = 0; r < cnt; r++)
        before += ((v[r] as number) - (returns[start + r] as number)) ** 2;
    }
  }

  let total = 0;
  let batches = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffledIndices(n, rng, perm);
    for (let start = 0; start < n; start += m) {
      const cnt = Math.min(m, n - start);
      for (let r = 0; r < cnt; r++) {
        const i = perm[start + r] as number;
        for (let j = 0; j < D; j++) xb[r * D + j] = obs[i * D + j] as number;
      }
      const v = value.forward(xb, cnt, ws);
      let loss = 0;
      for (let r = 0; r < cnt; r++) {
        const err = (v[r] as number) - (returns[perm[start + r] as number] as number);
        loss += err * err;
        gb[r] = (2 * err) / cnt; // ∂/∂V of the minibatch MSE
      }
      total += loss / cnt;
      batches += 1;
      grad.fill(0);
      value.backward(gb, cnt, grad, ws);
      optimizer.step(value.params, grad, o.learningRate);
    }
  }
  return {
    valueLoss: batches > 0 ? total / batches : 0,
    valueLossBefore: before / n,
    minibatches: batches,
  };
}

function slice(arr: ArrayLike<number>, start: number, count: number): ArrayLike<number> {
  if (ArrayBuffer.isView(arr))
    return (arr as unknown as Float32Array).subarray(start, start + count);
  return Array.prototype.slice.call(arr, start, start + count) as number[];
}

/**
 * 1 − Var[R̂ − V]/Var[R̂] of the critic on a whole batch (n), measured before the update fits it
 * (SB3 logs explained_variance the same way). Uses the 'batch' scratch workspace.
 */
export function criticExplainedVariance(
  value: ValueNetwork,
  obs: ArrayLike<number>,
  returns: ArrayLike<number>,
  n: number,
): number {
  return explainedVariance(criticPredictions(value, obs, n), returns, n);
}

/** V(obs) for n normalised observations, as a view of the 'batch' scratch workspace's output. */
function criticPredictions(value: ValueNetwork, obs: ArrayLike<number>, n: number): Float64Array {
  return value.forward(obs, n, valueScratch(value, 'batch')).subarray(0, n);
}

/**
 * The critic half of a TRPO/NPG or VPG update: explained variance before the fit, then
 * `fitValueFunction` on `returns` with the algorithm's critic settings. `valuesBefore` (n): V(obs)
 * at the current parameters when the caller has them (TransitionBatch.values).
 */
export function fitCritic(
  value: ValueNetwork,
  optimizer: Adam,
  obs: ArrayLike<number>,
  returns: ArrayLike<number>,
  n: number,
  rng: Random,
  config: CriticConfig,
  valuesBefore?: ArrayLike<number>,
): ValueFitStats & { readonly explainedVariance: number } {
  // One forward pass (or none) serves both the explained variance and the loss before fitting.
  const pred = valuesBefore ?? criticPredictions(value, obs, n);
  const ev = explainedVariance(pred, returns, n);
  const fit = fitValueFunction(
    value,
    optimizer,
    obs,
    returns,
    n,
    rng,
    {
      epochs: config.criticEpochs,
      batchSize: config.criticBatchSize,
      learningRate: config.criticLearningRate,
    },
    pred,
  );
  return { ...fit, explainedVariance: ev };
}
