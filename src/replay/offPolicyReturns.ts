/**
 * Off-policy return targets and advantages over concatenated episodes (rows [bounds[e],
 * bounds[e+1]) belong to episode e). Pure functions; all arrays are Float64Array.
 *
 * Episode ends: `bootstrap[e]` is V(s_T) after episode e's last step when it was TRUNCATED by the
 * time limit, and 0 when it TERMINATED (no value after a terminal state) — as rsl_rl and SB3 do.
 */
import { checkBounds } from '../learn/index.js';

// V-trace is an estimator of src/learn (learn/vtrace.ts); re-exported so replay's API is unchanged.
export { vtrace } from '../learn/index.js';
export type { VTraceResult } from '../learn/index.js';

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
