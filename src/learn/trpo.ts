/**
 * Trust Region Policy Optimization (Schulman et al. 2015, "Trust Region Policy Optimization") and
 * the natural policy gradient (Kakade 2001) as an option without the line search ('npg').
 *
 * Named pieces, each tested (test/learn/trpo.test.ts, fisher.test.ts):
 *   fisherVectorProduct / FisherOperator  F v by the Gauss–Newton form (below), plus damping·v
 *   conjugateGradient(mvp, b, iters, tol)  x ≈ F⁻¹ g
 *   maxStepLength(xᵀFx, δ)                 β = sqrt(2δ / xᵀFx)
 *   backtrackingLineSearch                 accept only if KL ≤ δ and the surrogate improved
 *   fitValueFunction (critic.ts)           value regression; never touches the actor
 * This file only updates: no loop, no logging (the runner owns those).
 *
 * Fisher-vector product. For π = N(μ_θ(s), diag σ_θ²(s)), the Fisher information of one sample with
 * respect to the distribution's outputs (μ, log σ) is diag(1/σ², 2): E[(z/σ)²] = 1/σ²,
 * E[(z²−1)²] = 2, E[(z/σ)(z²−1)] = 0 for z ~ N(0,1). By the chain rule the parameter Fisher is
 *   F = (1/n) Σ_i J_iᵀ diag(1/σ_i², 2) J_i,    J_i = ∂(μ_i, log σ_i)/∂θ,
 * which is also the Hessian of mean KL(π_θk ‖ π_θ) at θ = θk (the KL's Gauss–Newton matrix is exact
 * there because the output-space KL Hessian is diag(1/σ², 2) and its first derivative vanishes).
 * For a state-independent log σ, J's log σ block is the identity, giving the 2·v_logσ term.
 * F v is one forward tangent (JVP: J v), a diagonal scaling, and one backward pass (VJP: Jᵀ ·),
 * over activations cached once per update and reused by every CG iteration.
 */
import type { GaussianPolicy, PolicyWorkspace } from '../policy/index.js';
import type { ValueNetwork } from '../policy/index.js';
import { gaussianEntropy, gaussianLogProb, klDiagonalGaussians } from '../policy/index.js';
import type { Random } from '../util/index.js';
import { Adam } from './adam.js';
import { type TransitionBatch, validateBatch } from './batch.js';
import { VALUE_FIT_DEFAULTS, fitCritic } from './critic.js';
import { normalizeAdvantages } from './estimators.js';
import { SurrogateScratch, pseudoLossAndGradient, surrogateObjective } from './surrogate.js';
import { policyScratch } from './scratch.js';

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
  /** Fraction of the batch used for Fisher-vector products (TRPO paper §6 subsamples 10%; SB3 uses all = 1; 0.25 here for speed, learning unchanged in test/learn/learning.test.ts). */
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

// ───────────────────────────── Fisher-vector products ─────────────────────────────

/**
 * F v (+ damping·v) on a fixed set of normalised observations (n, obsSize) at the policy's current
 * parameters. The forward pass runs once in the constructor; `apply` reuses its activations.
 */
export class FisherOperator {
  readonly policy: GaussianPolicy;
  readonly n: number;
  readonly damping: number;
  readonly ws: PolicyWorkspace;
  #dMean: Float64Array;
  #dLogStd: Float64Array;
  #invVar: Float64Array;
  /** Number of products computed (for stats and benches). */
  count = 0;

  constructor(
    policy: GaussianPolicy,
    obs: ArrayLike<number>,
    n: number,
    damping: number,
    ws: PolicyWorkspace = policy.createWorkspace(n),
  ) {
    this.policy = policy;
    this.n = n;
    this.damping = damping;
    this.ws = ws;
    policy.forward(obs, n, ws);
    const a = policy.actionSize;
    this.#dMean = new Float64Array(n * a);
    this.#dLogStd = new Float64Array(n * a);
    this.#invVar = new Float64Array(n * a);
    for (let k = 0; k < n * a; k++) this.#invVar[k] = Math.exp(-2 * (ws.logStd[k] as number));
  }

  /** out = (F + damping·I) v. v, out: (numParams). */
  apply(v: ArrayLike<number>, out: Float64Array): Float64Array {
    const { policy, n, ws } = this;
    const a = policy.actionSize;
    policy.jvp(v, n, this.#dMean, this.#dLogStd, ws);
    // diag(1/σ², 2)/n in output space.
    for (let k = 0; k < n * a; k++) {
      this.#dMean[k] = ((this.#dMean[k] as number) * (this.#invVar[k] as number)) / n;
      this.#dLogStd[k] = (2 * (this.#dLogStd[k] as number)) / n;
    }
    out.fill(0);
    policy.backward(this.#dMean, this.#dLogStd, n, out, ws);
    for (let i = 0; i < out.length; i++)
      out[i] = (out[i] as number) + this.damping * (v[i] as number);
    this.count += 1;
    return out;
  }
}

/** One-shot F v + damping·v on normalised observations (n, obsSize). */
export function fisherVectorProduct(
  policy: GaussianPolicy,
  obs: ArrayLike<number>,
  n: number,
  v: ArrayLike<number>,
  damping: number,
  out = new Float64Array(policy.numParams),
): Float64Array {
  return new FisherOperator(policy, obs, n, damping).apply(v, out);
}

// ───────────────────────────── conjugate gradient ─────────────────────────────

export interface CgResult {
  /** Approximate solution of A x = b. */
  readonly x: Float64Array;
  readonly iterations: number;
  /** Final squared residual ‖b − A x‖² (as tracked by the recurrence). */
  readonly residual: number;
}

/**
 * Conjugate gradient (Hestenes & Stiefel 1952) for symmetric positive-definite A given only as
 * `mvp(v, out)` (out = A v). Starts at x = 0; stops after `iters` or when rᵀr < residualTol.
 * Pure: touches only its own arrays.
 */
export function conjugateGradient(
  mvp: (v: Float64Array, out: Float64Array) => void,
  b: ArrayLike<number>,
  iters: number,
  residualTol = 1e-10,
): CgResult {
  const n = b.length;
  const x = new Float64Array(n);
  const r = Float64Array.from(b);
  const p = Float64Array.from(b);
  const ap = new Float64Array(n);
  let rr = dot(r, r);
  let k = 0;
  for (; k < iters && rr >= residualTol; k++) {
    mvp(p, ap);
    const alpha = rr / dot(p, ap);
    for (let i = 0; i < n; i++) {
      x[i] = (x[i] as number) + alpha * (p[i] as number);
      r[i] = (r[i] as number) - alpha * (ap[i] as number);
    }
    const rrNew = dot(r, r);
    const beta = rrNew / rr;
    for (let i = 0; i < n; i++) p[i] = (r[i] as number) + beta * (p[i] as number);
    rr = rrNew;
  }
  return { x, iterations: k, residual: rr };
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/**
 * Largest step along x that keeps the quadratic KL model at δ: ½ (βx)ᵀF(βx) = δ ⇒
 * β = sqrt(2δ / xᵀFx) (Schulman et al. 2015, appendix C).
 */
export function maxStepLength(xFx: number, targetKl: number): number {
  if (!(xFx > 0))
    throw new Error(`maxStepLength: xᵀFx must be positive, got ${xFx} (is the Fisher damped?)`);
  return Math.sqrt((2 * targetKl) / xFx);
}

// ───────────────────────────── line search ─────────────────────────────

export interface LineSearchResult {
  readonly accepted: boolean;
  /** Trials evaluated (1 … maxBacktracks). */
  readonly steps: number;
  /** Fraction of the full step taken (0 if rejected). */
  readonly stepFraction: number;
  /** KL and surrogate at the final parameters (the old ones if rejected). */
  readonly kl: number;
  readonly surrogate: number;
}

/**
 * Backtracking line search: try θ = θ0 + f·step for f = 1, c, c², … (maxSteps trials). Accept the
 * first with KL ≤ δ and surrogate > surrogateBefore (sb3-contrib TRPO). Writes the accepted θ into
 * `params`; if none is accepted, restores θ0 there.
 * `evaluate(params)` returns the mean KL(π_θ0‖π_θ) and the surrogate at `params`.
 */
export function backtrackingLineSearch(
  params: Float32Array,
  step: ArrayLike<number>,
  evaluate: (params: Float32Array) => { kl: number; surrogate: number },
  surrogateBefore: number,
  targetKl: number,
  factor: number,
  maxSteps: number,
): LineSearchResult {
  const theta0 = Float32Array.from(params);
  let f = 1;
  for (let trial = 1; trial <= maxSteps; trial++) {
    for (let i = 0; i < params.length; i++)
      params[i] = (theta0[i] as number) + f * (step[i] as number);
    const { kl, surrogate } = evaluate(params);
    if (kl <= targetKl && surrogate > surrogateBefore)
      return { accepted: true, steps: trial, stepFraction: f, kl, surrogate };
    f *= factor;
  }
  params.set(theta0);
  return { accepted: false, steps: maxSteps, stepFraction: 0, kl: 0, surrogate: surrogateBefore };
}

// ───────────────────────────── the update ─────────────────────────────

/** State an update rule keeps between updates (Adam moments, RNG); checkpoint it to resume exactly. */
export interface UpdateContext {
  readonly valueOptimizer: Adam;
  /** Used for minibatch shuffling. */
  readonly rng: Random;
  /** Actor optimizer (PPO, VPG only). */
  readonly policyOptimizer?: Adam;
}

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

/** Fresh Adam states (actor for PPO/VPG, critic for all) and the shuffling stream for updates. */
export function createUpdateContext(
  policy: GaussianPolicy,
  value: ValueNetwork,
  rng: Random,
  policyLearningRate?: number,
  valueLearningRate?: number,
): UpdateContext {
  return {
    valueOptimizer: new Adam(
      value.numParams,
      valueLearningRate !== undefined ? { learningRate: valueLearningRate } : {},
    ),
    policyOptimizer: new Adam(
      policy.numParams,
      policyLearningRate !== undefined ? { learningRate: policyLearningRate } : {},
    ),
    rng,
  };
}

/** Indices 0, k, 2k, … of a strided subsample of about fraction·n rows (the TRPO paper's §6 subsampling). */
function gatherSubsample(
  obs: ArrayLike<number>,
  n: number,
  d: number,
  fraction: number,
): { obs: Float64Array; n: number } {
  const stride = fraction >= 1 ? 1 : Math.max(1, Math.round(1 / fraction));
  const m = Math.ceil(n / stride);
  const out = new Float64Array(m * d);
  for (let r = 0; r < m; r++)
    for (let j = 0; j < d; j++) out[r * d + j] = obs[r * stride * d + j] as number;
  return { obs: out, n: m };
}

/**
 * The policy half of a TRPO/NPG update: ĝ, x = F⁻¹ĝ by CG, step β x, line search. Advantages are
 * normalised (cfg) and multiplied by batch.weights when present (importance weights). Updates
 * policy.params in place.
 */
export function trpoPolicyStep(
  policy: GaussianPolicy,
  batch: TransitionBatch,
  config: Partial<TrpoConfig> = {},
): TrpoPolicyStepStats {
  const cfg = { ...TRPO_DEFAULTS, ...config };
  const n = batch.size;
  const a = policy.actionSize;
  const adv = new Float64Array(n);
  if (cfg.normalizeAdvantages) normalizeAdvantages(batch.advantages, adv);
  else adv.set(batch.advantages);

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
  const sub = gatherSubsample(batch.obs, n, policy.obsSize, cfg.fisherSubsample);
  const fisher = new FisherOperator(
    policy,
    sub.obs,
    sub.n,
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
  const p = trpoPolicyStep(policy, batch, cfg);
  const t1 = performance.now();
  const vf = fitCritic(
    value,
    context.valueOptimizer,
    batch.obs,
    batch.returns,
    batch.size,
    context.rng,
    cfg,
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
