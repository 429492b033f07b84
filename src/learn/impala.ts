/**
 * The IMPALA actor-critic update (Espeholt et al. 2018, §4.2) on a V-trace batch: one gradient
 * step on
 *   L(θ, φ) = −(1/n) Σ_s ρ_s Â_s log π_θ(a_s|x_s)            (policy gradient, eq. 4)
 *             − β (1/n) Σ_s H(π_θ(·|x_s))                    (entropy bonus)
 *             + b · ½ (1/n) Σ_s (v_s − V_φ(x_s))²             (value regression to the V-trace target)
 * with ρ_s = batch.weights, Â_s = batch.advantages (r_s + γ v_{s+1} − V(x_s)), v_s = batch.returns,
 * all held constant. The actor and the critic are separate networks here, so each takes its own
 * Adam step (the paper's shared network takes one RMSProp step on the sum); the gradients are
 * clipped by global norm first, as the paper does.
 *
 * For a diagonal Gaussian H = Σ_j log σ_j + d/2 (1 + log 2π), so ∂H/∂log σ_j = 1.
 */
import type { GaussianPolicy, ValueNetwork } from '../policy/index.js';
import { gaussianEntropy } from '../policy/index.js';
import { clipGradNorm } from './adam.js';
import { type TransitionBatch, validateBatch } from './batch.js';
import { criticExplainedVariance } from './critic.js';
import { normalizeAdvantages } from './estimators.js';
import { policyScratch } from './scratch.js';
import { SurrogateScratch, pseudoLossAndGradient } from './surrogate.js';
import type { UpdateContext } from './updateContext.js';

export interface ImpalaConfig {
  /** Actor Adam step size (Spinning Up / SB3 continuous-control 3e-4; the paper: RMSProp 6e-4). */
  readonly learningRate: number;
  /** Critic Adam step size (Spinning Up vf_lr = 1e-3). */
  readonly criticLearningRate: number;
  /** Entropy bonus β (IMPALA Atari: 0.01). */
  readonly entropyCost: number;
  /** Value-loss scale b (IMPALA: baseline cost 0.5). */
  readonly baselineCost: number;
  /** Global gradient-norm clip, per network (IMPALA: 40). */
  readonly maxGradNorm: number;
  /** Normalise Â per batch (the paper: no). */
  readonly normalizeAdvantages: boolean;
}

export const IMPALA_DEFAULTS: Readonly<ImpalaConfig> = Object.freeze({
  learningRate: 3e-4,
  criticLearningRate: 1e-3,
  entropyCost: 0.01,
  baselineCost: 0.5,
  maxGradNorm: 40,
  normalizeAdvantages: false,
});

export interface ImpalaLoss {
  /** −(1/n) Σ ρ Â log π. */
  readonly policyLoss: number;
  /** Mean entropy (1/n) Σ H. */
  readonly entropy: number;
  /** b · ½ (1/n) Σ (v_s − V)². */
  readonly valueLoss: number;
  /** policyLoss − β·entropy + valueLoss. */
  readonly total: number;
}

/**
 * The loss at the current parameters (optionally `policyParams` / `valueParams` instead) and,
 * when given, its gradients ADDED into `policyGrad` (numParams of the policy) and `valueGrad`.
 * `advantages` are the Â the loss uses (normalised or not by the caller).
 */
export function impalaLossAndGradients(
  policy: GaussianPolicy,
  value: ValueNetwork,
  batch: TransitionBatch,
  advantages: ArrayLike<number>,
  config: Pick<ImpalaConfig, 'entropyCost' | 'baselineCost'>,
  policyGrad?: Float64Array,
  valueGrad?: Float64Array,
  policyParams: Float32Array = policy.params,
  valueParams: Float32Array = value.params,
): ImpalaLoss {
  const n = batch.size;
  const a = policy.actionSize;
  const ws = policyScratch(policy, 'impala');
  // pseudoLossAndGradient runs at policy.params: evaluate at policyParams by swapping them in.
  const saved = policyParams === policy.params ? null : policy.params.slice();
  if (saved) policy.params.set(policyParams);
  const policyLoss = pseudoLossAndGradient(
    policy,
    batch.obs,
    batch.actions,
    advantages,
    n,
    policyGrad,
    batch.weights,
    ws,
    new SurrogateScratch(),
  );
  let entropy = 0;
  for (let r = 0; r < n; r++) entropy += gaussianEntropy(ws.logStd, a, r);
  entropy /= n;
  if (policyGrad) {
    // ∂(−β H̄)/∂log σ_j = −β/n for every row (masked where log σ is clamped, as backward does).
    const gMean = new Float64Array(n * a);
    const gLogStd = new Float64Array(n * a).fill(-config.entropyCost / n);
    policy.backward(gMean, gLogStd, n, policyGrad, ws);
  }
  if (saved) policy.params.set(saved);

  const vws = value.createWorkspace(n);
  const v = value.forward(batch.obs, n, vws, valueParams);
  let sq = 0;
  const gValue = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const d = (v[r] as number) - (batch.returns[r] as number);
    sq += d * d;
    gValue[r] = (config.baselineCost * d) / n;
  }
  const valueLoss = (config.baselineCost * 0.5 * sq) / n;
  if (valueGrad) {
    const savedV = valueParams === value.params ? null : value.params.slice();
    if (savedV) value.params.set(valueParams);
    value.backward(gValue, n, valueGrad, vws);
    if (savedV) value.params.set(savedV);
  }
  return {
    policyLoss,
    entropy,
    valueLoss,
    total: policyLoss - config.entropyCost * entropy + valueLoss,
  };
}

export interface ImpalaStats {
  readonly policyLoss: number;
  readonly entropy: number;
  readonly valueLoss: number;
  readonly explainedVariance: number;
  /** Norms before clipping. */
  readonly policyGradNorm: number;
  readonly valueGradNorm: number;
}

/**
 * One IMPALA update: gradients of L, clipped by global norm, one Adam step on each network
 * (context.policyOptimizer, context.valueOptimizer). Updates the parameters in place.
 */
export function impalaUpdate(
  policy: GaussianPolicy,
  value: ValueNetwork,
  batch: TransitionBatch,
  context: UpdateContext,
  config: Partial<ImpalaConfig> = {},
): ImpalaStats {
  const cfg = { ...IMPALA_DEFAULTS, ...config };
  validateBatch(batch, policy.obsSize, policy.actionSize, 'impalaUpdate');
  if (!context.policyOptimizer)
    throw new Error('impalaUpdate: context.policyOptimizer is required (createUpdateContext)');
  const n = batch.size;
  const adv = new Float64Array(n);
  if (cfg.normalizeAdvantages) normalizeAdvantages(batch.advantages.subarray(0, n), adv);
  else adv.set(batch.advantages.subarray(0, n));
  const explainedVariance = criticExplainedVariance(value, batch.obs, batch.returns, n);
  const pg = new Float64Array(policy.numParams);
  const vg = new Float64Array(value.numParams);
  const loss = impalaLossAndGradients(policy, value, batch, adv, cfg, pg, vg);
  const policyGradNorm = clipGradNorm([pg], cfg.maxGradNorm);
  const valueGradNorm = clipGradNorm([vg], cfg.maxGradNorm);
  context.policyOptimizer.step(policy.params, pg, cfg.learningRate);
  // A free log σ past its bounds has zero gradient: project it back after the step.
  policy.projectParameters();
  context.valueOptimizer.step(value.params, vg, cfg.criticLearningRate);
  return {
    policyLoss: loss.policyLoss,
    entropy: loss.entropy,
    valueLoss: loss.valueLoss,
    explainedVariance,
    policyGradNorm,
    valueGradNorm,
  };
}
