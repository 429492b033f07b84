/**
 * The critic-only replay (`torquepilot replay --critic-only`): fit the value network to logged
 * episodes without touching the policy. The one thing deterministic steps are good for.
 *
 * Steps logged with the mean action (the node's explore = false) have no behaviour density, so
 * the importance ratio π/μ of the policy-gradient replay does not exist for them. Their discounted
 * returns G_t = r_t + γ G_{t+1} (bootstrap V(s_T) on truncation, 0 on termination) are still
 * unbiased Monte Carlo targets for V^μ, the value of the behaviour that logged them: when that
 * behaviour is the checkpoint's own mean policy, the critic a later on-policy or explore-mode
 * replay starts from. No off-policy correction is applied, so on data from another policy the
 * critic learns that policy's value, not π's (the policy step's V-trace targets correct for it).
 */
import { TRPO_DEFAULTS, fitCritic } from '../learn/index.js';
import type { TrpoConfig, UpdateContext } from '../learn/index.js';
import type { GaussianPolicy, ValueNetwork } from '../policy/index.js';
import { discountedReturns } from './offPolicyReturns.js';
import type { ReplayData } from './replayData.js';
import { normalisedObservations } from './replayUpdate.js';

export interface CriticReplayStats {
  /** Mean squared error of V on the targets before the fit. */
  readonly valueLossBefore: number;
  /** Mean minibatch MSE over the fit (as SB3 logs value_loss). */
  readonly valueLoss: number;
  /** 1 − Var[G − V]/Var[G] before the fit. */
  readonly explainedVariance: number;
  /** MSE of V on the targets after the fit. */
  readonly valueLossAfter: number;
}

/**
 * `iterations` rounds of: targets G_t under the current V (bootstrap on truncation), then the
 * critic fit with TRPO's critic settings (epochs, minibatch, learning rate). Updates value.params
 * in place; `policy` only supplies the frozen observation normaliser.
 */
export function criticOnlyReplay(
  policy: GaussianPolicy,
  value: ValueNetwork,
  data: ReplayData,
  context: UpdateContext,
  config: {
    readonly gamma: number;
    readonly iterations: number;
    readonly trpo: Partial<TrpoConfig>;
  },
): CriticReplayStats {
  const n = data.size;
  const E = data.bounds.length - 1;
  const trpo = { ...TRPO_DEFAULTS, ...config.trpo };
  const obs = normalisedObservations(policy, data.observations, n);
  const finalObs = normalisedObservations(policy, data.finalObservations, E);
  const finalValues = new Float64Array(E);
  const bootstrap = new Float64Array(E);
  const targets = (): Float64Array => {
    value.predict(finalObs, E, finalValues, value.createWorkspace(E));
    for (let e = 0; e < E; e++) bootstrap[e] = data.terminated[e] ? 0 : (finalValues[e] as number);
    return discountedReturns(data.rewards, data.bounds, config.gamma, bootstrap);
  };
  let first: CriticReplayStats | undefined;
  let valueLoss = 0;
  for (let k = 0; k < config.iterations; k++) {
    const fit = fitCritic(value, context.valueOptimizer, obs, targets(), n, context.rng, trpo);
    valueLoss = fit.valueLoss;
    first ??= {
      valueLossBefore: fit.valueLossBefore,
      valueLoss: fit.valueLoss,
      explainedVariance: fit.explainedVariance,
      valueLossAfter: NaN,
    };
  }
  const g = targets();
  const v = new Float64Array(n);
  value.predict(obs, n, v, value.createWorkspace(n));
  let after = 0;
  for (let i = 0; i < n; i++) after += ((v[i] as number) - (g[i] as number)) ** 2;
  return {
    valueLossBefore: first?.valueLossBefore ?? NaN,
    valueLoss,
    explainedVariance: first?.explainedVariance ?? NaN,
    valueLossAfter: after / n,
  };
}
