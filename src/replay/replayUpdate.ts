/**
 * The importance-weighted natural-gradient step on logged episodes (TRPO with per-sample weights
 * in the surrogate). This file only updates: runReplay.ts reads the bags and the checkpoint and
 * saves the result, and cli.ts parses the flags and makes the logger.
 *
 * Each iteration, with the CURRENT policy π_θk:
 *  1. log π_θk(a_t|s_t) for every logged (s_t, a_t) (observations normalised with the policy's
 *     frozen statistics — replay never moves the normaliser, which would change π itself);
 *  2. log ρ_t = log π_θk − log μ (μ: the logged behaviour log-prob), and weights by the chosen
 *     estimator (importanceWeights.ts);
 *  3. advantages: V-trace (Espeholt et al. 2018) for `truncated`; per-decision returns minus V(s_t)
 *     for `per-decision` and `self-normalised`; ordinary discounted returns minus V(s_t) for
 *     `trajectory`. Value targets are always the V-trace targets v_s (off-policy corrected);
 *  4. one TRPO step (learn/trpoUpdate): surrogate mean(w · π_θ/π_θk · Â), KL(π_θk‖π_θ) ≤ δ by
 *     backtracking, then the critic fit on v_s. Given a trpo/npg `Algorithm` (runReplay does), the
 *     step is its `update`, the one update interface `train` uses too.
 */
import type {
  Algorithm,
  TransitionBatch,
  TrpoConfig,
  TrpoStats,
  UpdateContext,
} from '../learn/index.js';
import { TRPO_DEFAULTS, normalizeAdvantages, trpoUpdate } from '../learn/index.js';
import { klDiagonalGaussians } from '../policy/index.js';
import type { GaussianPolicy, ValueNetwork } from '../policy/index.js';
import {
  logImportanceRatios,
  perDecisionLogWeights,
  selfNormalisedWeights,
  trajectoryLogWeights,
  truncatedWeights,
  weightStats,
  weightsFromLog,
} from './importanceWeights.js';
import type { WeightStats } from './importanceWeights.js';
import { discountedReturns, perDecisionReturns, vtrace } from './offPolicyReturns.js';
import type { ReplayData } from './replayData.js';

export const WEIGHTING_NAMES = [
  'per-decision',
  'truncated',
  'self-normalised',
  'trajectory',
] as const;
export type WeightingName = (typeof WEIGHTING_NAMES)[number];

export interface ReplayConfig {
  /** Importance-weighting estimator (default truncated: V-trace, the bounded-variance choice). */
  readonly weights: WeightingName;
  /** Truncation ρ̄ of the policy-gradient weights and V-trace δ terms (IMPALA default 1). */
  readonly rhoBar: number;
  /** Truncation c̄ of the V-trace traces (IMPALA default 1). */
  readonly cBar: number;
  /** Natural-gradient steps on the same data (each recomputes weights under the new policy). */
  readonly iterations: number;
  /** Discount γ (sb3-contrib TRPO gamma = 0.99). */
  readonly gamma: number;
  /** The TRPO step (trust region δ, CG, line search, critic fit): learn's TRPO_DEFAULTS. */
  readonly trpo: Partial<TrpoConfig>;
}

export const REPLAY_DEFAULTS: Readonly<ReplayConfig> = Object.freeze({
  weights: 'truncated',
  rhoBar: 1,
  cBar: 1,
  iterations: 1,
  gamma: TRPO_DEFAULTS.gamma,
  trpo: Object.freeze({}),
});

/** Weights, advantages and targets for one iteration. */
export interface ReplayTargets {
  /** Per-sample surrogate weights. Shape: (n). */
  readonly weights: Float64Array;
  /** Â. Shape: (n). */
  readonly advantages: Float64Array;
  /** Value targets v_s. Shape: (n). */
  readonly returns: Float64Array;
  readonly stats: WeightStats;
  /** log ρ_t under the policy the targets were formed with. Shape: (n). */
  readonly logRatios: Float64Array;
}

export interface ReplayIterationStats extends WeightStats {
  readonly iteration: number;
  readonly trpo: TrpoStats;
}

export interface ReplayResult {
  readonly iterations: readonly ReplayIterationStats[];
  /** Weight statistics under the starting policy (what the data looks like to it). */
  readonly initial: WeightStats;
  /** Mean KL(π_start ‖ π_end) over the logged states: how far all iterations moved the policy. */
  readonly kl: number;
  /**
   * The first iteration's surrogate L(θ) = mean(w₀ · π_θ/π_θ₀ · Â₀) (weights and normalised
   * advantages formed under the STARTING policy θ₀), at θ₀ and at the final parameters: one
   * objective measured before and after all iterations, so the two numbers are comparable.
   */
  readonly surrogateBefore: number;
  readonly surrogateAfter: number;
}

/** Normalised observations (n, obsSize) as Float32Array, with the policy's frozen statistics. */
export function normalisedObservations(
  policy: GaussianPolicy,
  raw: Float64Array,
  n: number,
): Float32Array {
  const out = new Float32Array(n * policy.obsSize);
  policy.normalizeObs(raw, out, n);
  return out;
}

/**
 * Steps 1–3 for the current parameters: weights, advantages and value targets.
 * `obs` and `finalObs` are normalised (normalisedObservations).
 */
export function replayTargets(
  policy: GaussianPolicy,
  value: ValueNetwork,
  data: ReplayData,
  obs: Float32Array,
  finalObs: Float32Array,
  config: Partial<ReplayConfig> = {},
): ReplayTargets {
  const cfg = { ...REPLAY_DEFAULTS, ...config };
  const n = data.size;
  const E = data.bounds.length - 1;
  const logPi = new Float64Array(n);
  policy.logProb(obs, data.actions, n, logPi, policy.createWorkspace(n));
  const logRatios = logImportanceRatios(logPi, data.behaviourLogProbs);

  const values = new Float64Array(n);
  value.predict(obs, n, values, value.createWorkspace(n));
  const finalValues = new Float64Array(E);
  value.predict(finalObs, E, finalValues, value.createWorkspace(E));
  // Terminated: no value after a terminal state. Truncated: bootstrap V(s_T).
  const bootstrap = new Float64Array(E);
  for (let e = 0; e < E; e++) bootstrap[e] = data.terminated[e] ? 0 : (finalValues[e] as number);

  const tw = truncatedWeights(logRatios, cfg.rhoBar, cfg.cBar);
  const vt = vtrace(data.rewards, values, tw.rho, tw.c, data.bounds, cfg.gamma, bootstrap);

  let weights: Float64Array;
  let advantages: Float64Array;
  let clipped = 0;
  switch (cfg.weights) {
    case 'truncated':
      weights = tw.rho;
      advantages = vt.advantages;
      clipped = tw.clipped;
      break;
    case 'per-decision':
    case 'self-normalised': {
      const lw = perDecisionLogWeights(logRatios, data.bounds);
      weights = cfg.weights === 'per-decision' ? weightsFromLog(lw) : selfNormalisedWeights(lw);
      const ratios = weightsFromLog(logRatios);
      const g = perDecisionReturns(data.rewards, ratios, data.bounds, cfg.gamma, bootstrap);
      advantages = g.map((x, i) => x - (values[i] as number));
      break;
    }
    case 'trajectory': {
      weights = weightsFromLog(trajectoryLogWeights(logRatios, data.bounds));
      const g = discountedReturns(data.rewards, data.bounds, cfg.gamma, bootstrap);
      advantages = g.map((x, i) => x - (values[i] as number));
      break;
    }
    default:
      throw new Error(
        `replayTargets: unknown weights '${String(cfg.weights)}' (expected ${WEIGHTING_NAMES.join(', ')})`,
      );
  }
  for (let i = 0; i < n; i++) {
    const w = weights[i] as number;
    if (!Number.isFinite(w) || w > 3e38) {
      throw new Error(
        `replayTargets: ${cfg.weights} importance weight of transition ${i} is ${w} (log weight overflow: the ` +
          `policies are too far apart for this estimator); use --weights truncated or self-normalised`,
      );
    }
  }
  return { weights, advantages, returns: vt.vs, stats: weightStats(weights, clipped), logRatios };
}

/**
 * Run `config.iterations` importance-weighted TRPO steps on `data`, updating policy.params and
 * value.params in place.
 */
export function replayUpdate(
  policy: GaussianPolicy,
  value: ValueNetwork,
  data: ReplayData,
  updater: UpdateContext | Algorithm,
  config: Partial<ReplayConfig> = {},
): ReplayResult {
  const steps = replayUpdateSteps(policy, value, data, updater, config);
  for (;;) {
    const next = steps.next(false);
    if (next.done === true) return next.value;
  }
}

/** The TRPO step of one iteration: learn's trpoUpdate on `context`, or a trpo/npg Algorithm's update. */
function trpoStep(
  policy: GaussianPolicy,
  value: ValueNetwork,
  updater: UpdateContext | Algorithm,
  trpo: Partial<TrpoConfig>,
): (batch: TransitionBatch) => TrpoStats {
  if (!('update' in updater)) return (batch) => trpoUpdate(policy, value, batch, updater, trpo);
  if (updater.name !== 'trpo' && updater.name !== 'npg')
    throw new Error(
      `replayUpdate: the importance-weighted step is TRPO's; got algorithm '${updater.name}' (use trpo or npg)`,
    );
  // The trpo/npg registry entry returns trpoUpdate's statistics unchanged in `raw`.
  return (batch) => updater.update(batch).raw as unknown as TrpoStats;
}

/**
 * replayUpdate one iteration at a time: yields after each iteration; `next(true)` stops there (the
 * result then covers the iterations done). Lets a caller yield to the event loop between
 * iterations, so that SIGINT can stop a long replay at an iteration boundary (runReplay.ts).
 * `updater`: the update state (trpoUpdate with it and `config.trpo`), or a trpo/npg Algorithm bound
 * to `policy` and `value` (its own config then applies).
 */
export function* replayUpdateSteps(
  policy: GaussianPolicy,
  value: ValueNetwork,
  data: ReplayData,
  updater: UpdateContext | Algorithm,
  config: Partial<ReplayConfig> = {},
): Generator<ReplayIterationStats, ReplayResult, boolean> {
  const cfg = { ...REPLAY_DEFAULTS, ...config };
  const step = trpoStep(policy, value, updater, cfg.trpo);
  if (data.obsSize !== policy.obsSize || data.actionSize !== policy.actionSize) {
    throw new Error(
      `replayUpdate: data has obs ${data.obsSize}, actions ${data.actionSize}; the policy has obs ${policy.obsSize}, actions ${policy.actionSize}`,
    );
  }
  if (!Number.isInteger(cfg.iterations) || cfg.iterations < 1)
    throw new Error(`replayUpdate: iterations must be an integer >= 1, got ${cfg.iterations}`);
  if (data.deterministicSteps > 0) {
    // runReplay names the bags first (refuseDeterministicSteps); this guards direct callers.
    throw new Error(
      `replayUpdate: ${data.deterministicSteps} of ${data.size} steps were recorded with the mean action (no density): importance weights are undefined; record with explore:=true or fit only the critic`,
    );
  }
  const n = data.size;
  const a = policy.actionSize;
  const obs = normalisedObservations(policy, data.observations, n);
  const finalObs = normalisedObservations(policy, data.finalObservations, data.bounds.length - 1);
  const ws = policy.createWorkspace(n);
  policy.forward(obs, n, ws);
  const startMean = ws.mean.slice(0, n * a);
  const startLogStd = ws.logStd.slice(0, n * a);

  const startLogPi = new Float64Array(n);
  policy.logProb(obs, data.actions, n, startLogPi, ws);
  const iterations: ReplayIterationStats[] = [];
  let first: ReplayTargets | undefined;
  for (let k = 0; k < cfg.iterations; k++) {
    const t = replayTargets(policy, value, data, obs, finalObs, cfg);
    first ??= t;
    const batch: TransitionBatch = {
      size: n,
      obs,
      actions: Float32Array.from(data.actions),
      advantages: Float32Array.from(t.advantages),
      returns: Float32Array.from(t.returns),
      weights: Float32Array.from(t.weights),
      oldLogProb: Float32Array.from(data.behaviourLogProbs),
    };
    const trpo = step(batch);
    const stats: ReplayIterationStats = { iteration: k + 1, ...t.stats, trpo };
    iterations.push(stats);
    if (k < cfg.iterations - 1 && (yield stats)) break;
  }
  // The first iteration's objective, before and after everything (see ReplayResult).
  let surrogateBefore = 0;
  let surrogateAfter = 0;
  if (first) {
    const adv = new Float64Array(n);
    if (cfg.trpo.normalizeAdvantages ?? TRPO_DEFAULTS.normalizeAdvantages)
      normalizeAdvantages(first.advantages, adv);
    else adv.set(first.advantages);
    const endLogPi = new Float64Array(n);
    policy.logProb(obs, data.actions, n, endLogPi, ws);
    for (let r = 0; r < n; r++) {
      const wa = (first.weights[r] as number) * (adv[r] as number);
      surrogateBefore += wa;
      surrogateAfter += wa * Math.exp((endLogPi[r] as number) - (startLogPi[r] as number));
    }
    surrogateBefore /= n;
    surrogateAfter /= n;
  }
  policy.forward(obs, n, ws);
  let kl = 0;
  for (let r = 0; r < n; r++)
    kl += klDiagonalGaussians(startMean, startLogStd, ws.mean, ws.logStd, a, r);
  return {
    iterations,
    initial: first?.stats ?? weightStats([]),
    kl: kl / n,
    surrogateBefore,
    surrogateAfter,
  };
}
