/**
 * Off-policy return targets and advantages over concatenated episodes (rows [bounds[e],
 * bounds[e+1]) belong to episode e). Pure functions; all arrays are Float64Array.
 *
 * Episode ends: `bootstrap[e]` is V(s_T) after episode e's last step when it was TRUNCATED by the
 * time limit, and 0 when it TERMINATED (no value after a terminal state) — as rsl_rl and SB3 do.
 */
import { checkBounds } from './importanceWeights.js';

/**
 * Discounted reward-to-go G_t = r_t + γ G_{t+1}, G_T = bootstrap[e], computed backwards.
 * Shapes: rewards (N), bootstrap (E) → (N).
 */
export function discountedReturns(
  rewards: ArrayLike<number>,
  bounds: ArrayLike<number>,
  gamma: number,
  bootstrap: ArrayLike<number>,
): Float64Array {
  checkBounds(bounds, rewards.length, 'discountedReturns');
  const out = new Float64Array(rewards.length);
  for (let e = 0; e + 1 < bounds.length; e++) {
    let g = bootstrap[e] as number;
    for (let t = (bounds[e + 1] as number) - 1; t >= (bounds[e] as number); t--) {
      g = (rewards[t] as number) + gamma * g;
      out[t] = g;
    }
  }
  return out;
}

/**
 * Per-decision return (Precup et al. 2000): G_t = r_t + γ ρ_{t+1} G_{t+1}, G_T = bootstrap[e].
 * Then ρ_{0:t} G_t = Σ_{k≥t} γ^{k−t} ρ_{0:k} r_k: each reward is weighted by the ratios of the
 * actions that could have affected it, and no later ones. The bootstrap value is already an
 * expectation under π, so it carries no ratio. Shapes: rewards, ratios (N) → (N).
 */
export function perDecisionReturns(
  rewards: ArrayLike<number>,
  ratios: ArrayLike<number>,
  bounds: ArrayLike<number>,
  gamma: number,
  bootstrap: ArrayLike<number>,
): Float64Array {
  checkBounds(bounds, rewards.length, 'perDecisionReturns');
  const out = new Float64Array(rewards.length);
  for (let e = 0; e + 1 < bounds.length; e++) {
    const a = bounds[e] as number;
    const b = bounds[e + 1] as number;
    let g = bootstrap[e] as number;
    for (let t = b - 1; t >= a; t--) {
      // The ratio of the NEXT action multiplies the continuation; at the last step the
      // continuation is the bootstrap value, which needs none.
      const next = t + 1 < b ? (ratios[t + 1] as number) : 1;
      g = (rewards[t] as number) + gamma * next * g;
      out[t] = g;
    }
  }
  return out;
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
 * Shapes: rewards, values, rho, c (N); bootstrap (E).
 */
export function vtrace(
  rewards: ArrayLike<number>,
  values: ArrayLike<number>,
  rho: ArrayLike<number>,
  c: ArrayLike<number>,
  bounds: ArrayLike<number>,
  gamma: number,
  bootstrap: ArrayLike<number>,
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
  const vs = new Float64Array(n);
  const advantages = new Float64Array(n);
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
