/**
 * Return and advantage estimators, as named pure functions on typed arrays (no allocation beyond
 * what they return). Sequences are time-major: index = t · numEnvs + env.
 *
 * Guarded by test/learn/estimators.test.ts (hand-worked GAE, terminal vs truncated) and
 * test/learn/groundTruth.test.ts (Monte Carlo gradients converge to the closed-form ∇J).
 */

/**
 * Full-trajectory discounted return R(τ) = Σ_t γ^t r_t (seed eq. 22): the weight REINFORCE puts on
 * every log π(a_t|s_t) of the trajectory.
 */
export function trajectoryReturn(
  rewards: ArrayLike<number>,
  gamma: number,
  start = 0,
  end = rewards.length,
): number {
  let g = 0;
  for (let t = end - 1; t >= start; t--) g = (rewards[t] as number) + gamma * g;
  return g;
}

/**
 * Discounted reward-to-go G_t = r_t + γ G_{t+1}, computed backwards, restarting after each
 * episode end (`dones[t] = 1` means the episode ended at step t). One environment's sequence.
 * Shape: (T) → out (T). Causality: log π(a_t|s_t) cannot affect rewards before t, so dropping them
 * keeps the gradient unbiased and lowers its variance.
 */
export function discountedRewardToGo(
  rewards: ArrayLike<number>,
  dones: ArrayLike<number>,
  gamma: number,
  out: Float32Array | Float64Array,
): Float32Array | Float64Array {
  let g = 0;
  for (let t = rewards.length - 1; t >= 0; t--) {
    if (dones[t]) g = 0;
    g = (rewards[t] as number) + gamma * g;
    out[t] = g;
  }
  return out;
}

/** The batch-mean baseline b = mean(x): subtracting a constant keeps E[∇log π · b] = 0. */
export function batchMeanBaseline(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] as number;
  return values.length > 0 ? s / values.length : 0;
}

export interface GaeInput {
  /** Rewards. Shape: (numSteps, numEnvs). */
  readonly rewards: ArrayLike<number>;
  /** V(s_t) under the critic at collection time. Shape: (numSteps, numEnvs). */
  readonly values: ArrayLike<number>;
  /** 1 where the MDP terminated at step t (no bootstrap). Shape: (numSteps, numEnvs). */
  readonly terminated: ArrayLike<number>;
  /** 1 where the time limit cut the episode at step t (bootstrap from V(s_{t+1})). */
  readonly truncated: ArrayLike<number>;
  /** V(final observation) at truncated steps (read only where truncated). Shape: (numSteps, numEnvs). */
  readonly bootstrapValues: ArrayLike<number>;
  /** V(s_T) of the observation after the last stored step. Shape: (numEnvs). */
  readonly lastValues: ArrayLike<number>;
  readonly numSteps: number;
  readonly numEnvs: number;
  /** Discount γ. */
  readonly gamma: number;
  /** GAE λ (Schulman et al. 2016): 1 gives Monte Carlo returns minus V, 0 gives TD(0). */
  readonly lambda: number;
}

/**
 * Generalised advantage estimation (Schulman et al. 2016, eq. 16), backwards:
 *   δ_t = r_t + γ V_next − V(s_t),   Â_t = δ_t + γλ Â_{t+1},   returns_t = Â_t + V(s_t),
 * where V_next = V(s_{t+1}) inside an episode, 0 after a terminal step, and V(final obs) after a
 * truncation (the time limit is not part of the MDP, so the tail is bootstrapped, as SB3 and
 * rsl_rl do). Â does not carry across an episode end. Writes outAdvantages and outReturns
 * (numSteps·numEnvs).
 */
export function gae(
  input: GaeInput,
  outAdvantages: Float32Array | Float64Array,
  outReturns: Float32Array | Float64Array,
): void {
  const {
    rewards,
    values,
    terminated,
    truncated,
    bootstrapValues,
    lastValues,
    numSteps: T,
    numEnvs: N,
    gamma,
    lambda,
  } = input;
  for (let e = 0; e < N; e++) {
    let next = 0;
    let nextValue = lastValues[e] as number;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * N + e;
      const v = values[i] as number;
      let delta: number;
      if (terminated[i]) {
        delta = (rewards[i] as number) - v;
        next = delta;
      } else if (truncated[i]) {
        delta = (rewards[i] as number) + gamma * (bootstrapValues[i] as number) - v;
        next = delta;
      } else {
        delta = (rewards[i] as number) + gamma * nextValue - v;
        next = delta + gamma * lambda * next;
      }
      outAdvantages[i] = next;
      outReturns[i] = next + v;
      nextValue = v;
    }
  }
}

/** Â ↦ (Â − mean) / (std + ε), std with Bessel's correction as torch.std (SB3). In place allowed. */
export function normalizeAdvantages(
  adv: ArrayLike<number>,
  out: Float32Array | Float64Array,
  eps = 1e-8,
): void {
  const n = adv.length;
  const mean = batchMeanBaseline(adv);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += ((adv[i] as number) - mean) ** 2;
  const std = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  for (let i = 0; i < n; i++) out[i] = ((adv[i] as number) - mean) / (std + eps);
}

/** 1 − Var[y − ŷ] / Var[y]: how much of the return variance the critic explains (NaN if Var[y] = 0). */
export function explainedVariance(
  predicted: ArrayLike<number>,
  target: ArrayLike<number>,
  n = target.length,
): number {
  let my = 0;
  let md = 0;
  for (let i = 0; i < n; i++) {
    my += target[i] as number;
    md += (target[i] as number) - (predicted[i] as number);
  }
  my /= n;
  md /= n;
  let vy = 0;
  let vd = 0;
  for (let i = 0; i < n; i++) {
    vy += ((target[i] as number) - my) ** 2;
    vd += ((target[i] as number) - (predicted[i] as number) - md) ** 2;
  }
  return vy === 0 ? Number.NaN : 1 - vd / vy;
}
