/**
 * The policy-gradient objectives in plain TypeScript (the fast path; the tfjs reference is
 * `pseudoLossTf` in src/policy/tfjsReference.ts, tested equal in test/learn/trpo.test.ts).
 *
 * For a diagonal Gaussian, with z = (a − μ)/σ:
 *   ∂ log π / ∂μ_j = z_j / σ_j,      ∂ log π / ∂ log σ_j = z_j² − 1.
 */
import type { GaussianPolicy, PolicyWorkspace } from '../policy/index.js';
import { gaussianLogProb } from '../policy/index.js';

/** Scratch for the per-sample output cotangents. Shape: (capacity, actionSize). */
export class SurrogateScratch {
  gMean = new Float64Array(0);
  gLogStd = new Float64Array(0);
  logProb = new Float64Array(0);
  ensure(n: number, actionSize: number): void {
    if (this.gMean.length >= n * actionSize && this.logProb.length >= n) return;
    this.gMean = new Float64Array(n * actionSize);
    this.gLogStd = new Float64Array(n * actionSize);
    this.logProb = new Float64Array(n);
  }
}

/**
 * Pseudo-loss L = −(1/n) Σ_i w_i log π(a_i|s_i) Â_i with Â (and w) held constant: its gradient is
 * minus the REINFORCE / policy-gradient estimate ĝ = (1/n) Σ w Â ∇log π (DESIGN.md, pseudo-loss).
 * If `grad` is given, ADDs ∇_θ L into it (numParams). Returns L. Uses `ws` for the forward pass.
 */
export function pseudoLossAndGradient(
  policy: GaussianPolicy,
  obs: ArrayLike<number>,
  actions: ArrayLike<number>,
  advantages: ArrayLike<number>,
  n: number,
  grad?: Float64Array,
  weights?: ArrayLike<number>,
  ws: PolicyWorkspace = policy.workspace,
  scratch: SurrogateScratch = new SurrogateScratch(),
): number {
  const a = policy.actionSize;
  policy.forward(obs, n, ws);
  scratch.ensure(n, a);
  let loss = 0;
  for (let r = 0; r < n; r++) {
    const coef = ((weights ? (weights[r] as number) : 1) * (advantages[r] as number)) / n;
    loss -= coef * gaussianLogProb(actions, ws.mean, ws.logStd, a, r);
    for (let j = 0; j < a; j++) {
      const k = r * a + j;
      const invStd = Math.exp(-(ws.logStd[k] as number));
      const z = ((actions[k] as number) - (ws.mean[k] as number)) * invStd;
      scratch.gMean[k] = -coef * z * invStd;
      scratch.gLogStd[k] = -coef * (z * z - 1);
    }
  }
  if (grad) policy.backward(scratch.gMean, scratch.gLogStd, n, grad, ws);
  return loss;
}

/**
 * The TRPO surrogate (Schulman et al. 2015, eq. 14, importance-weighted):
 *   L(θ) = (1/n) Σ_i w_i exp(log π_θ(a_i|s_i) − log π_θk(a_i|s_i)) Â_i,
 * evaluated at `params` (default: the policy's own). Equals the pseudo-loss gradient direction at
 * θ = θk. Fills scratch.logProb with log π_θ (n).
 */
export function surrogateObjective(
  policy: GaussianPolicy,
  obs: ArrayLike<number>,
  actions: ArrayLike<number>,
  advantages: ArrayLike<number>,
  oldLogProb: ArrayLike<number>,
  n: number,
  weights: ArrayLike<number> | undefined,
  ws: PolicyWorkspace,
  scratch: SurrogateScratch,
  params: Float32Array = policy.params,
): number {
  policy.forward(obs, n, ws, params);
  scratch.ensure(n, policy.actionSize);
  let s = 0;
  for (let r = 0; r < n; r++) {
    const lp = gaussianLogProb(actions, ws.mean, ws.logStd, policy.actionSize, r);
    scratch.logProb[r] = lp;
    s +=
      (weights ? (weights[r] as number) : 1) *
      Math.exp(lp - (oldLogProb[r] as number)) *
      (advantages[r] as number);
  }
  return s / n;
}
