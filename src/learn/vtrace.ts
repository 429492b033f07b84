/**
 * V-trace (Espeholt et al. 2018, "IMPALA") as an estimator of src/learn: the log importance
 * ratios, their truncation ρ̄/c̄ and the V-trace targets and advantages. Pure functions over
 * concatenated segments: rows [bounds[e], bounds[e+1]) belong to segment e; all outputs are
 * Float64Array. The asynchronous learner (asyncLearner.ts) and replay (src/replay) both use them.
 *
 * Notation: behaviour policy μ (the one that acted, its log μ(a|s) travels with the data), target
 * policy π_θ (the one being improved), ρ_t = π(a_t|s_t) / μ(a_t|s_t).
 */

/** log ρ_t = log π(a_t|s_t) − log μ(a_t|s_t). Shapes: (N) → (N), into `out` when given. */
export function logImportanceRatios(
  targetLogProb: ArrayLike<number>,
  behaviourLogProb: ArrayLike<number>,
  out: Float64Array = new Float64Array(targetLogProb.length),
): Float64Array {
  const n = targetLogProb.length;
  if (behaviourLogProb.length !== n || out.length !== n) {
    throw new Error(
      `logImportanceRatios: ${n} target log-probs but ${behaviourLogProb.length} behaviour log-probs and ${out.length} outputs`,
    );
  }
  for (let i = 0; i < n; i++)
    out[i] = (targetLogProb[i] as number) - (behaviourLogProb[i] as number);
  return out;
}

/** Check that bounds partition [0, n): starts at 0, non-decreasing, ends at n. */
export function checkBounds(bounds: ArrayLike<number>, n: number, where: string): void {
  if (bounds.length < 1 || bounds[0] !== 0 || bounds[bounds.length - 1] !== n) {
    throw new Error(
      `${where}: episode bounds must start at 0 and end at ${n} (got [${Array.from(bounds).slice(0, 4).join(', ')}${bounds.length > 4 ? ', ...' : ''}] ending ${bounds[bounds.length - 1]})`,
    );
  }
  for (let e = 1; e < bounds.length; e++) {
    if ((bounds[e] as number) < (bounds[e - 1] as number))
      throw new Error(`${where}: episode bounds must be non-decreasing (index ${e})`);
  }
}

/** Log-ratio margin above log ρ̄ before a step counts as clipped in the statistics. */
export const CLIP_REPORT_TOLERANCE = 1e-6;

/** Truncated weights and traces (V-trace): ρ̄_t = min(ρ̄, ρ_t), c_t = min(c̄, ρ_t). */
export interface TruncatedWeights {
  /** min(ρ̄, ρ_t). Shape: (N). */
  readonly rho: Float64Array;
  /** min(c̄, ρ_t). Shape: (N). */
  readonly c: Float64Array;
  /** Number of steps with ρ_t > ρ̄. */
  readonly clipped: number;
}

/**
 * Truncated importance weights (Espeholt et al. 2018, eq. 1): ρ_t = min(ρ̄, π/μ) and
 * c_t = min(c̄, π/μ), computed as exp(min(log ρ̄, log ρ_t)) so a huge log-ratio never overflows.
 * Every ρ_t ≤ ρ̄ and c_t ≤ c̄. ρ̄ = c̄ = ∞ gives the plain per-step ratios. `out` (N each): arrays
 * to fill instead of new ones.
 */
export function truncatedWeights(
  logRatios: ArrayLike<number>,
  rhoBar: number,
  cBar: number,
  out?: { readonly rho: Float64Array; readonly c: Float64Array },
): TruncatedWeights {
  if (!(rhoBar > 0) || !(cBar > 0)) {
    throw new Error(
      `truncatedWeights: rhoBar and cBar must be > 0, got rhoBar ${rhoBar}, cBar ${cBar}`,
    );
  }
  const n = logRatios.length;
  const rho = out?.rho ?? new Float64Array(n);
  const c = out?.c ?? new Float64Array(n);
  if (rho.length !== n || c.length !== n)
    throw new Error(
      `truncatedWeights: ${n} log-ratios but out.rho has ${rho.length} and out.c ${c.length} values`,
    );
  const logRhoBar = Math.log(rhoBar);
  const logCBar = Math.log(cBar);
  let clipped = 0;
  for (let i = 0; i < n; i++) {
    const lr = logRatios[i] as number;
    // Counted as clipped only beyond float32 round-off of the log-probs (a policy replaying its
    // own data has |log ρ| ~ 1e-7, which is not truncation worth reporting).
    if (lr > logRhoBar + CLIP_REPORT_TOLERANCE) clipped++;
    rho[i] = Math.exp(lr < logRhoBar ? lr : logRhoBar);
    c[i] = Math.exp(lr < logCBar ? lr : logCBar);
  }
  return { rho, c, clipped };
}

/** V-trace targets and policy-gradient advantages. */
export interface VTraceResult {
  /** v_s, the V-trace value targets. Shape: (N). */
  readonly vs: Float64Array;
  /** r_s + γ v_{s+1} − V(x_s): the advantage IMPALA multiplies by ρ_s ∇log π. Shape: (N). */
  readonly advantages: Float64Array;
}

/**
 * V-trace (Espeholt et al. 2018, eq. 1 and Remark 1), computed backwards:
 *   δ_s = ρ_s (r_s + γ V(x_{s+1}) − V(x_s))
 *   v_s = V(x_s) + δ_s + γ c_s (v_{s+1} − V(x_{s+1}))
 * with V(x_T) = v_T = bootstrap[e]. ρ_s = min(ρ̄, π/μ) and c_s = min(c̄, π/μ) (truncatedWeights).
 * The policy-gradient advantage at s is r_s + γ v_{s+1} − V(x_s) (eq. 4), weighted by ρ_s.
 * On-policy (ρ = c = 1) v_s is the discounted Monte Carlo return.
 * Shapes: rewards, values, rho, c (N); bootstrap (E); `out` (N each): arrays to fill instead of
 * new ones.
 */
export function vtrace(
  rewards: ArrayLike<number>,
  values: ArrayLike<number>,
  rho: ArrayLike<number>,
  c: ArrayLike<number>,
  bounds: ArrayLike<number>,
  gamma: number,
  bootstrap: ArrayLike<number>,
  out?: VTraceResult,
): VTraceResult {
  const n = rewards.length;
  checkBounds(bounds, n, 'vtrace');
  for (const [name, arr] of [
    ['values', values],
    ['rho', rho],
    ['c', c],
  ] as const) {
    if (arr.length !== n)
      throw new Error(`vtrace: ${name} has length ${arr.length}, expected ${n}`);
  }
  const vs = out?.vs ?? new Float64Array(n);
  const advantages = out?.advantages ?? new Float64Array(n);
  if (vs.length !== n || advantages.length !== n)
    throw new Error(
      `vtrace: out.vs has ${vs.length} and out.advantages ${advantages.length} values, expected ${n}`,
    );
  for (let e = 0; e + 1 < bounds.length; e++) {
    const a = bounds[e] as number;
    const b = bounds[e + 1] as number;
    const vEnd = bootstrap[e] as number;
    let vNext = vEnd; // v_{s+1}
    let valueNext = vEnd; // V(x_{s+1})
    for (let s = b - 1; s >= a; s--) {
      const r = rewards[s] as number;
      const v = values[s] as number;
      const delta = (rho[s] as number) * (r + gamma * valueNext - v);
      const vsS = v + delta + gamma * (c[s] as number) * (vNext - valueNext);
      vs[s] = vsS;
      advantages[s] = r + gamma * vNext - v;
      vNext = vsS;
      valueNext = v;
    }
  }
  return { vs, advantages };
}
