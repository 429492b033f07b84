/**
 * Importance weights for off-policy learning from logged episodes, formed in LOG space so that
 * long products of ratios neither overflow nor underflow before they are used.
 *
 * Notation: behaviour policy μ (the one that acted, its log μ(a|s) is in the bag), target policy
 * π_θ (the one being improved). ρ_t = π(a_t|s_t) / μ(a_t|s_t).
 *
 * Layout: transitions of several episodes are concatenated; `bounds` (length E + 1) gives episode e
 * the rows [bounds[e], bounds[e+1]). All functions are pure and allocate only their outputs.
 *
 * References: Precup, Sutton & Singh (2000) "Eligibility traces for off-policy policy evaluation"
 * (per-decision IS); Espeholt et al. (2018) "IMPALA" (V-trace truncation ρ̄, c̄); Kong (1992) and
 * Owen (2013, ch. 9) for the effective sample size (Σw)²/Σw².
 *
 * The log ratios, their V-trace truncation and the bounds check are estimators of src/learn
 * (learn/vtrace.ts), re-exported here so replay's API is unchanged.
 */
import { checkBounds } from '../learn/index.js';

export {
  CLIP_REPORT_TOLERANCE,
  checkBounds,
  logImportanceRatios,
  truncatedWeights,
} from '../learn/index.js';
export type { TruncatedWeights } from '../learn/index.js';

/**
 * Trajectory-level (ordinary) IS: every step of episode e gets log w_e = Σ_{t∈e} log ρ_t, the log of
 * the ratio of products Π_t π(a_t|s_t) / Π_t μ(a_t|s_t). Unbiased; variance grows exponentially with
 * the horizon. Shape: (N).
 */
export function trajectoryLogWeights(
  logRatios: ArrayLike<number>,
  bounds: ArrayLike<number>,
): Float64Array {
  checkBounds(bounds, logRatios.length, 'trajectoryLogWeights');
  const out = new Float64Array(logRatios.length);
  for (let e = 0; e + 1 < bounds.length; e++) {
    const a = bounds[e] as number;
    const b = bounds[e + 1] as number;
    let s = 0;
    for (let t = a; t < b; t++) s += logRatios[t] as number;
    out.fill(s, a, b);
  }
  return out;
}

/**
 * Per-decision IS (Precup et al. 2000): step t of an episode gets log ρ_{0:t} = Σ_{k≤t} log ρ_k,
 * the product of ratios UP TO t only — later actions cannot affect r_t, so their ratios (mean 1 under
 * μ) are left out, which lowers the variance and keeps the estimate unbiased. Shape: (N).
 */
export function perDecisionLogWeights(
  logRatios: ArrayLike<number>,
  bounds: ArrayLike<number>,
): Float64Array {
  checkBounds(bounds, logRatios.length, 'perDecisionLogWeights');
  const out = new Float64Array(logRatios.length);
  for (let e = 0; e + 1 < bounds.length; e++) {
    let s = 0;
    for (let t = bounds[e] as number; t < (bounds[e + 1] as number); t++) {
      s += logRatios[t] as number;
      out[t] = s;
    }
  }
  return out;
}

/** log Σ_i exp(x_i), stable (subtracts the max). −∞ for an empty input. */
export function logSumExp(x: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if ((x[i] as number) > m) m = x[i] as number;
  if (m === -Infinity) return -Infinity;
  if (m === Infinity) return Infinity;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp((x[i] as number) - m);
  return m + Math.log(s);
}

/** exp of log weights: w_i = exp(lw_i). Shape: (N). */
export function weightsFromLog(logWeights: ArrayLike<number>): Float64Array {
  const out = new Float64Array(logWeights.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.exp(logWeights[i] as number);
  return out;
}

/**
 * Self-normalised (weighted) IS: w̃_i = N · w_i / Σ_j w_j = N · exp(lw_i − logSumExp(lw)), so the
 * weights average to 1. Biased for finite N but consistent, and bounded by N, which removes the
 * heavy tail of ordinary IS (Owen 2013, §9.2). Shape: (N).
 */
export function selfNormalisedWeights(logWeights: ArrayLike<number>): Float64Array {
  const n = logWeights.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const lse = logSumExp(logWeights);
  const logN = Math.log(n);
  for (let i = 0; i < n; i++) out[i] = Math.exp((logWeights[i] as number) - lse + logN);
  return out;
}

/** Effective sample size (Σ w)² / Σ w² (Kong 1992): N for equal weights, 1 when one weight dominates. */
export function effectiveSampleSize(weights: ArrayLike<number>): number {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] as number;
    s += w;
    s2 += w * w;
  }
  return s2 > 0 ? (s * s) / s2 : 0;
}

/** The same ESS from log weights: exp(2·logΣw − logΣw²), with no overflow for huge weights. */
export function effectiveSampleSizeFromLog(logWeights: ArrayLike<number>): number {
  const n = logWeights.length;
  if (n === 0) return 0;
  const twice = new Float64Array(n);
  for (let i = 0; i < n; i++) twice[i] = 2 * (logWeights[i] as number);
  return Math.exp(2 * logSumExp(logWeights) - logSumExp(twice));
}

/** Summary of a weight vector, as `torquepilot replay` reports it. */
export interface WeightStats {
  readonly ess: number;
  readonly maxWeight: number;
  readonly meanWeight: number;
  /** Fraction of steps whose ratio was truncated (0 for untruncated estimators). */
  readonly clippedFraction: number;
}

export function weightStats(weights: ArrayLike<number>, clipped = 0): WeightStats {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] as number;
    if (w > max) max = w;
    sum += w;
  }
  const n = weights.length;
  return {
    ess: effectiveSampleSize(weights),
    maxWeight: max,
    meanWeight: n > 0 ? sum / n : 0,
    clippedFraction: n > 0 ? clipped / n : 0,
  };
}

/**
 * A running version of weightStats for streams (bench, huge bags): add weights one at a time;
 * memory O(1).
 */
export class StreamingWeightStats {
  #n = 0;
  #sum = 0;
  #sumSq = 0;
  #max = 0;
  #clipped = 0;

  add(weight: number, clipped = false): void {
    this.#n++;
    this.#sum += weight;
    this.#sumSq += weight * weight;
    if (weight > this.#max) this.#max = weight;
    if (clipped) this.#clipped++;
  }

  get count(): number {
    return this.#n;
  }

  stats(): WeightStats {
    const n = this.#n;
    return {
      ess: this.#sumSq > 0 ? (this.#sum * this.#sum) / this.#sumSq : 0,
      maxWeight: this.#max,
      meanWeight: n > 0 ? this.#sum / n : 0,
      clippedFraction: n > 0 ? this.#clipped / n : 0,
    };
  }
}
