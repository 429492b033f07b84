/**
 * Trust Region Policy Optimization (Schulman et al. 2015, "Trust Region Policy Optimization") and
 * the natural policy gradient (Kakade 2001) as an option without the line search ('npg'): the
 * config with its frozen defaults, the policy step and the update. The natural-gradient pieces
 * (Fisher operator, conjugate gradient, step length, line search, Fisher subsample) live in
 * naturalGradient.ts; the critic fit in critic.ts (it never touches the actor).
 * This file only updates: no loop, no logging (the runner owns those).
 */
import type { GaussianPolicy } from '../policy/index.js';
import type { ValueNetwork } from '../policy/index.js';
import { gaussianEntropy, gaussianLogProb, klDiagonalGaussians } from '../policy/index.js';
import type { Random } from '../util/index.js';
import { type TransitionBatch, validateBatch } from './batch.js';
import { VALUE_FIT_DEFAULTS, fitCritic } from './critic.js';
import { normalizeAdvantages } from './estimators.js';
import {
  FisherOperator,
  type LineSearchResult,
  backtrackingLineSearch,
  conjugateGradient,
  dot,
  fisherSubsample,
  gatherRows,
  maxStepLength,
} from './naturalGradient.js';
import { SurrogateScratch, pseudoLossAndGradient, surrogateObjective } from './surrogate.js';
import { policyScratch } from './scratch.js';
import type { UpdateContext } from './updateContext.js';

export interface TrpoConfig {
  /** Trust-region radius δ on the mean KL(π_old‖π_new) (sb3-contrib target_kl = 0.01; Schulman et al. 2015). */
  readonly targetKl: number;
  /** Conjugate-gradient iterations (sb3-contrib cg_max_steps = 15). */
  readonly cgIterations: number;
  /** Stop CG when the squared residual is below this (sb3-contrib conjugate_gradient_solver residual_tol = 1e-10). */
  readonly cgResidualTol: number;
  /** Damping λ added to the Fisher: (F + λI) v (sb3-contrib cg_damping = 0.1). */
  readonly damping: number;
  /** Step shrink factor of the backtracking line search (sb3-contrib line_search_shrinking_factor = 0.8). */
  readonly backtrackFactor: number;
  /** Maximum line-search trials (sb3-contrib line_search_max_iter = 10). */
  readonly maxBacktracks: number;
  /** false = natural policy gradient: take the full step sqrt(2δ/xᵀFx)·x with no KL/surrogate check. */
  readonly lineSearch: boolean;
  /** Fraction of the batch, drawn at random each update, used for Fisher-vector products (TRPO paper §6 subsamples 10%; sb3-contrib sub_sampling_factor = 1: all; 0.25 here for speed). */
  readonly fisherSubsample: number;
  /** Normalise advantages per batch (sb3-contrib TRPO normalize_advantage = True). */
  readonly normalizeAdvantages: boolean;
  /** Discount γ (sb3-contrib gamma = 0.99). Used by the runner for GAE. */
  readonly gamma: number;
  /** GAE λ (sb3-contrib gae_lambda = 0.95). Used by the runner. */
  readonly gaeLambda: number;
  /** Steps per environment per rollout (sb3-contrib n_steps = 2048). Used by the runner. */
  readonly nSteps: number;
  /** Critic epochs per update (sb3-contrib n_critic_updates = 10). */
  readonly criticEpochs: number;
  /** Critic minibatch size (sb3-contrib batch_size = 128). */
  readonly criticBatchSize: number;
  /** Critic Adam step size (sb3-contrib learning_rate = 1e-3). */
  readonly criticLearningRate: number;
}

export const TRPO_DEFAULTS: Readonly<TrpoConfig> = Object.freeze({
  targetKl: 0.01,
  cgIterations: 15,
  cgResidualTol: 1e-10,
  damping: 0.1,
  backtrackFactor: 0.8,
  maxBacktracks: 10,
  lineSearch: true,
  fisherSubsample: 0.25,
  normalizeAdvantages: true,
  gamma: 0.99,
  gaeLambda: 0.95,
  nSteps: 2048,
  criticEpochs: VALUE_FIT_DEFAULTS.epochs,
  criticBatchSize: VALUE_FIT_DEFAULTS.batchSize,
  criticLearningRate: VALUE_FIT_DEFAULTS.learningRate,
});

/** Natural policy gradient: TRPO's step without the line search. */
export const NPG_DEFAULTS: Readonly<TrpoConfig> = Object.freeze({
  ...TRPO_DEFAULTS,
  lineSearch: false,
});

// ───────────────────────────── the update ─────────────────────────────

export interface TrpoStats {
  /** Mean KL(π_old‖π_new) over the batch after the step (0 if rejected). */
  readonly kl: number;
  /** Mean policy entropy after the step. */
  readonly entropy: number;
  readonly surrogateBefore: number;
  readonly surrogateAfter: number;
  readonly lineSearchSteps: number;
  readonly accepted: boolean;
  /** β·f: length multiplier applied to the CG direction. */
  readonly stepSize: number;
  /** ‖ĝ‖ of the policy gradient. */
  readonly gradNorm: number;
  readonly cgIterations: number;
  readonly cgResidual: number;
  readonly fisherProducts: number;
  readonly valueLoss: number;
  readonly valueLossBefore: number;
  /** 1 − Var[R̂ − V]/Var[R̂] before the critic fit. */
  readonly explainedVariance: number;
  /** Wall time of the policy step and the value fit (ms), measured inside the update. */
  readonly policyStepMs: number;
  readonly valueFitMs: number;
}

/** The policy half of TrpoStats (what `trpoPolicyStep` returns). */
export type TrpoPolicyStepStats = Omit<
  TrpoStats,
  'valueLoss' | 'valueLossBefore' | 'explainedVariance' | 'policyStepMs' | 'valueFitMs'
>;

/**
 * The policy half of a TRPO/NPG update: ĝ, x = F⁻¹ĝ by CG, step β x, line search. Advantages (the
 * first batch.size entries) are normalised (cfg) and multiplied by batch.weights when present
 * (importance weights). The Fisher subsample is drawn from `rng`. Updates policy.params in place.
 */
export function trpoPolicyStep(
  policy: GaussianPolicy,
  batch: TransitionBatch,
  rng: Random,
  config: Partial<TrpoConfig> = {},
): TrpoPolicyStepStats {
  const cfg = { ...TRPO_DEFAULTS, ...config };
  const n = batch.size;
  const a = policy.actionSize;
  const adv = new Float64Array(n);
  // Only the first n entries are this batch's: a storage view or a caller's array may be longer.
  const batchAdv = batch.advantages.subarray(0, n);
  if (cfg.normalizeAdvantages) normalizeAdvantages(batchAdv, adv);
  else adv.set(batchAdv);

  // θk's distribution on the whole batch: the reference of the KL and of the ratio.
  const ws = policyScratch(policy, 'batch');
  const scratch = new SurrogateScratch();
  const grad = new Float64Array(policy.numParams);
  // ∇ of the surrogate at θk equals −∇ pseudo-loss: (1/n) Σ w Â ∇log π.
  pseudoLossAndGradient(policy, batch.obs, batch.actions, adv, n, grad, batch.weights, ws, scratch);
  for (let i = 0; i < grad.length; i++) grad[i] = -(grad[i] as number);
  const oldMean = ws.mean.slice(0, n * a);
  const oldLogStd = ws.logStd.slice(0, n * a);
  const oldLogProb = new Float64Array(n);
  for (let r = 0; r < n; r++)
    oldLogProb[r] = gaussianLogProb(batch.actions, oldMean, oldLogStd, a, r);
  let surr0 = 0;
  for (let r = 0; r < n; r++)
    surr0 += (batch.weights ? (batch.weights[r] as number) : 1) * (adv[r] as number);
  surr0 /= n; // the surrogate at θk, where every ratio is 1

  const gradNorm = Math.sqrt(dot(grad, grad));
  const rows = fisherSubsample(n, cfg.fisherSubsample, rng);
  const fisher = new FisherOperator(
    policy,
    gatherRows(batch.obs, policy.obsSize, rows),
    rows.length,
    cfg.damping,
    policyScratch(policy, 'fisher'),
  );
  const cg = conjugateGradient(
    (v, out) => fisher.apply(v, out),
    grad,
    cfg.cgIterations,
    cfg.cgResidualTol,
  );
  const fx = fisher.apply(cg.x, new Float64Array(policy.numParams));
  // A gradient below CG's residual tolerance leaves x = 0: take no step rather than divide by 0.
  const xFx = dot(cg.x, fx);
  const beta = gradNorm > 0 && xFx > 0 ? maxStepLength(xFx, cfg.targetKl) : 0;
  const fullStep = cg.x.map((x) => x * beta);

  const evaluate = (params: Float32Array): { kl: number; surrogate: number } => {
    const surrogate = surrogateObjective(
      policy,
      batch.obs,
      batch.actions,
      adv,
      oldLogProb,
      n,
      batch.weights,
      ws,
      scratch,
      params,
    );
    let kl = 0;
    for (let r = 0; r < n; r++)
      kl += klDiagonalGaussians(oldMean, oldLogStd, ws.mean, ws.logStd, a, r);
    return { kl: kl / n, surrogate };
  };
  let ls: LineSearchResult;
  if (cfg.lineSearch && beta > 0) {
    ls = backtrackingLineSearch(
      policy.params,
      fullStep,
      evaluate,
      surr0,
      cfg.targetKl,
      cfg.backtrackFactor,
      cfg.maxBacktracks,
    );
  } else {
    for (let i = 0; i < policy.params.length; i++)
      policy.params[i] = (policy.params[i] as number) + (fullStep[i] as number);
    const e = evaluate(policy.params);
    ls = { accepted: true, steps: 1, stepFraction: 1, kl: e.kl, surrogate: e.surrogate };
  }
  // A free log σ past logStdMax has zero gradient and Fisher (the forward pass clamps it): project
  // it back into its bounds, so it can move again. The clamp made the line search see this value.
  policy.projectParameters();
  // Entropy after the step; with a state-independent σ it needs no forward pass.
  let entropy = 0;
  if (policy.logStdOffset >= 0) {
    const logStd = policy.params.subarray(policy.logStdOffset, policy.logStdOffset + a);
    const { logStdMin: lo, logStdMax: hi } = policy.options;
    entropy =
      gaussianEntropy(
        logStd.map((x) => Math.min(hi, Math.max(lo, x))),
        a,
      ) * n;
  } else {
    policy.forward(batch.obs, n, ws);
    for (let r = 0; r < n; r++) entropy += gaussianEntropy(ws.logStd, a, r);
  }
  return {
    kl: ls.kl,
    entropy: entropy / n,
    surrogateBefore: surr0,
    surrogateAfter: ls.surrogate,
    lineSearchSteps: ls.steps,
    accepted: ls.accepted,
    stepSize: beta * ls.stepFraction,
    gradNorm,
    cgIterations: cg.iterations,
    cgResidual: cg.residual,
    fisherProducts: fisher.count,
  };
}

/**
 * One TRPO (or NPG, `lineSearch: false`) update on a batch of transitions from any source: the
 * natural-gradient policy step, then the critic fit on batch.returns. Updates policy.params and
 * value.params in place; returns statistics.
 */
export function trpoUpdate(
  policy: GaussianPolicy,
  value: ValueNetwork,
  batch: TransitionBatch,
  context: UpdateContext,
  config: Partial<TrpoConfig> = {},
): TrpoStats {
  const cfg = { ...TRPO_DEFAULTS, ...config };
  validateBatch(batch, policy.obsSize, policy.actionSize, 'trpoUpdate');
  const t0 = performance.now();
  const p = trpoPolicyStep(policy, batch, context.rng, cfg);
  const t1 = performance.now();
  const vf = fitCritic(
    value,
    context.valueOptimizer,
    batch.obs,
    batch.returns,
    batch.size,
    context.rng,
    cfg,
    batch.values,
  );
  const t2 = performance.now();
  return {
    ...p,
    valueLoss: vf.valueLoss,
    valueLossBefore: vf.valueLossBefore,
    explainedVariance: vf.explainedVariance,
    policyStepMs: t1 - t0,
    valueFitMs: t2 - t1,
  };
}
