/**
 * The diagonal Gaussian N(μ, diag(σ²)) in d dimensions, parameterised by μ and log σ: sampling,
 * log-density, entropy and KL. This is the ONE implementation of them: the policy, its real-time
 * forward pass, rollout collection and the update rules all sample and score through it.
 *
 * Arrays are row-major; row r of an (n, d) array occupies [r·d, (r+1)·d).
 * - Batch-1 methods (`sample`, `logProb`, `logProbAtMean`, `entropy`, `kl`) read row `row` of the
 *   caller's arrays, write only into the caller's output, return a number and allocate nothing:
 *   the control loop's path.
 * - Batch methods (`sampleBatch`, `logProbBatch`, `meanEntropy`, `meanKl`) loop the batch-1 math
 *   over n rows, in row order.
 *
 * Random draws: `sample` takes ε_j = rng.normal() for j = 0..d−1 in order, and `sampleBatch` does
 * so row after row, so one seed gives the same actions whichever path draws them.
 *
 * Checked in test/policy/diagGaussian.test.ts against closed forms, tfjs, finite differences and
 * Monte Carlo moments.
 */
import type { Random } from '../util/index.js';

/** log(2π) / 2. */
export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** A writable row-major array of actions or log-probs. */
export type GaussianOut = Float32Array | Float64Array;

// The math, once: each function reads one row. The class and the thin exports below call these.

/** log π(a) = −½ Σ_j ((a_j − μ_j)/σ_j)² − Σ_j log σ_j − (d/2) log 2π   (DESIGN.md, log-prob). */
function logProbRow(
  d: number,
  action: ArrayLike<number>,
  mean: ArrayLike<number>,
  logStd: ArrayLike<number>,
  row: number,
  logStdRow: number,
): number {
  let lp = 0;
  const o = row * d;
  const so = logStdRow * d;
  for (let j = 0; j < d; j++) {
    const ls = logStd[so + j] as number;
    const z = ((action[o + j] as number) - (mean[o + j] as number)) * Math.exp(-ls);
    lp += -0.5 * z * z - ls - HALF_LOG_2PI;
  }
  return lp;
}

/**
 * a = μ + σ ⊙ ε with ε_j = rng.normal() in order j = 0..d−1, written to out[outRow]; returns
 * log π(a). Since (a − μ)/σ = ε, the log-density is taken from ε directly (no division by σ).
 */
function sampleRow(
  d: number,
  mean: ArrayLike<number>,
  logStd: ArrayLike<number>,
  rng: Random,
  out: GaussianOut,
  row: number,
  outRow: number,
): number {
  let lp = 0;
  const o = row * d;
  const oo = outRow * d;
  for (let j = 0; j < d; j++) {
    const ls = logStd[o + j] as number;
    const eps = rng.normal();
    out[oo + j] = (mean[o + j] as number) + Math.exp(ls) * eps;
    lp += -0.5 * eps * eps - ls - HALF_LOG_2PI;
  }
  return lp;
}

/** Differential entropy H = Σ_j (log σ_j + ½ log(2πe)). */
function entropyRow(d: number, logStd: ArrayLike<number>, row: number): number {
  let h = 0;
  for (let j = 0; j < d; j++) h += (logStd[row * d + j] as number) + 0.5 + HALF_LOG_2PI;
  return h;
}

/**
 * KL(p‖q) = Σ_j log(σ_q/σ_p) + (σ_p² + (μ_p − μ_q)²) / (2 σ_q²) − ½. TRPO measures
 * KL(π_old ‖ π_new), as sb3-contrib does.
 */
function klRow(
  d: number,
  meanP: ArrayLike<number>,
  logStdP: ArrayLike<number>,
  meanQ: ArrayLike<number>,
  logStdQ: ArrayLike<number>,
  row: number,
): number {
  let kl = 0;
  const o = row * d;
  for (let j = 0; j < d; j++) {
    const lp = logStdP[o + j] as number;
    const lq = logStdQ[o + j] as number;
    const dm = (meanP[o + j] as number) - (meanQ[o + j] as number);
    kl += lq - lp + (Math.exp(2 * lp) + dm * dm) / (2 * Math.exp(2 * lq)) - 0.5;
  }
  return kl;
}

/** The diagonal Gaussian of dimension `d` (one per action size; it holds no other state). */
export class DiagGaussian {
  /** Dimension (the action size). */
  readonly d: number;

  constructor(d: number) {
    if (!Number.isInteger(d) || d <= 0) {
      throw new Error(`DiagGaussian: dimension d must be a positive integer, got ${d}`);
    }
    this.d = d;
  }

  // ---- batch 1: allocation-free --------------------------------------------------------------

  /**
   * Draw a ~ N(μ, σ²) for row `row` of mean/logStd (shape (·, d)) into row `row` of `out`;
   * returns log π(a). Allocates nothing.
   */
  sample(
    mean: ArrayLike<number>,
    logStd: ArrayLike<number>,
    rng: Random,
    out: GaussianOut,
    row = 0,
  ): number {
    return sampleRow(this.d, mean, logStd, rng, out, row, row);
  }

  /** log π(a) of row `row`; log σ read from row `logStdRow` (default the same row). */
  logProb(
    action: ArrayLike<number>,
    mean: ArrayLike<number>,
    logStd: ArrayLike<number>,
    row = 0,
    logStdRow = row,
  ): number {
    return logProbRow(this.d, action, mean, logStd, row, logStdRow);
  }

  /** log π(μ) = −Σ_j log σ_j − (d/2) log 2π: the density at the mean (a deterministic action). */
  logProbAtMean(logStd: ArrayLike<number>, row = 0): number {
    let lp = 0;
    for (let j = 0; j < this.d; j++) lp -= (logStd[row * this.d + j] as number) + HALF_LOG_2PI;
    return lp;
  }

  /** Differential entropy of row `row`: Σ_j (log σ_j + ½ log(2πe)). */
  entropy(logStd: ArrayLike<number>, row = 0): number {
    return entropyRow(this.d, logStd, row);
  }

  /** KL(p‖q) of row `row`. */
  kl(
    meanP: ArrayLike<number>,
    logStdP: ArrayLike<number>,
    meanQ: ArrayLike<number>,
    logStdQ: ArrayLike<number>,
    row = 0,
  ): number {
    return klRow(this.d, meanP, logStdP, meanQ, logStdQ, row);
  }

  // ---- batches of n rows ---------------------------------------------------------------------

  /**
   * Draw actions for n rows (draws row after row): outActions (n, d) and, if given, their
   * log-probs outLogProb (n).
   */
  sampleBatch(
    mean: ArrayLike<number>,
    logStd: ArrayLike<number>,
    n: number,
    rng: Random,
    outActions: GaussianOut,
    outLogProb?: GaussianOut,
  ): void {
    for (let r = 0; r < n; r++) {
      const lp = sampleRow(this.d, mean, logStd, rng, outActions, r, r);
      if (outLogProb) outLogProb[r] = lp;
    }
  }

  /** log π(a_r) of n rows into out (n). */
  logProbBatch(
    actions: ArrayLike<number>,
    mean: ArrayLike<number>,
    logStd: ArrayLike<number>,
    n: number,
    out: GaussianOut,
  ): void {
    for (let r = 0; r < n; r++) out[r] = logProbRow(this.d, actions, mean, logStd, r, r);
  }

  /** Mean entropy over n rows (0 when n = 0). */
  meanEntropy(logStd: ArrayLike<number>, n: number): number {
    let h = 0;
    for (let r = 0; r < n; r++) h += entropyRow(this.d, logStd, r);
    return h / Math.max(1, n);
  }

  /** Mean KL(p_r‖q_r) over n rows (0 when n = 0). */
  meanKl(
    meanP: ArrayLike<number>,
    logStdP: ArrayLike<number>,
    meanQ: ArrayLike<number>,
    logStdQ: ArrayLike<number>,
    n: number,
  ): number {
    let kl = 0;
    for (let r = 0; r < n; r++) kl += klRow(this.d, meanP, logStdP, meanQ, logStdQ, r);
    return kl / Math.max(1, n);
  }
}

// ---- the same math as free functions of (arrays, d, row), for per-row loops in the update rules.

/** log π(a) of row `row` (d dimensions); log σ from row `logStdRow`. See `DiagGaussian.logProb`. */
export function gaussianLogProb(
  action: ArrayLike<number>,
  mean: ArrayLike<number>,
  logStd: ArrayLike<number>,
  d: number,
  row = 0,
  logStdRow = row,
): number {
  return logProbRow(d, action, mean, logStd, row, logStdRow);
}

/** Entropy of row `row` (d dimensions). See `DiagGaussian.entropy`. */
export function gaussianEntropy(logStd: ArrayLike<number>, d: number, row = 0): number {
  return entropyRow(d, logStd, row);
}

/** KL(p‖q) of row `row` (d dimensions). See `DiagGaussian.kl`. */
export function klDiagonalGaussians(
  meanP: ArrayLike<number>,
  logStdP: ArrayLike<number>,
  meanQ: ArrayLike<number>,
  logStdQ: ArrayLike<number>,
  d: number,
  row = 0,
): number {
  return klRow(d, meanP, logStdP, meanQ, logStdQ, row);
}
