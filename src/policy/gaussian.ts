/**
 * Closed forms for a diagonal Gaussian N(μ, diag(σ²)) in d dimensions, parameterised by μ and
 * log σ. Pure functions over rows of flat arrays (row r occupies [r·d, (r+1)·d)); they allocate
 * nothing. test/policy/gaussian.test.ts checks them against closed forms and finite differences.
 */

/** log(2π) / 2. */
export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log π(a|s) = −½ Σ_j ((a_j − μ_j)/σ_j)² − Σ_j log σ_j − (d/2) log 2π   (DESIGN.md, log-prob).
 */
export function gaussianLogProb(
  action: ArrayLike<number>,
  mean: ArrayLike<number>,
  logStd: ArrayLike<number>,
  d: number,
  row = 0,
  logStdRow = row,
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

/** Differential entropy H = Σ_j (log σ_j + ½ log(2πe)). */
export function gaussianEntropy(logStd: ArrayLike<number>, d: number, row = 0): number {
  let h = 0;
  for (let j = 0; j < d; j++) h += (logStd[row * d + j] as number) + 0.5 + HALF_LOG_2PI;
  return h;
}

/**
 * KL(p‖q) for diagonal Gaussians p = N(μ_p, σ_p²), q = N(μ_q, σ_q²):
 *   Σ_j log(σ_q/σ_p) + (σ_p² + (μ_p − μ_q)²) / (2 σ_q²) − ½.
 * TRPO measures KL(π_old ‖ π_new), as sb3-contrib does.
 */
export function klDiagonalGaussians(
  meanP: ArrayLike<number>,
  logStdP: ArrayLike<number>,
  meanQ: ArrayLike<number>,
  logStdQ: ArrayLike<number>,
  d: number,
  row = 0,
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

/** Write a = μ + σ ⊙ ε for one row, with ε standard normals supplied by `normal`. */
export function sampleGaussianRow(
  mean: ArrayLike<number>,
  logStd: ArrayLike<number>,
  d: number,
  row: number,
  normal: () => number,
  out: Float32Array | Float64Array,
  outRow = row,
): void {
  for (let j = 0; j < d; j++) {
    out[outRow * d + j] =
      (mean[row * d + j] as number) + Math.exp(logStd[row * d + j] as number) * normal();
  }
}
