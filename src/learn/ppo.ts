/**
 * PPO-clip (Schulman et al. 2017, "Proximal Policy Optimization Algorithms", eq. 7), with SB3's
 * defaults, so users can compare it with TRPO on the same batches. Plain-TS gradients (the same
 * kernels TRPO uses; the gradient is tested against tfjs autodiff of the clipped objective in
 * test/learn/ppoGradient.test.ts). This file only updates.
 *
 * Per minibatch: L = −mean(min(r w Â, clip(r, 1−ε, 1+ε) w Â)) − c_ent·mean(H) + c_vf·mean((R̂ − V)²),
 * r = π_θ(a|s)/π_θk(a|s), Â normalised over the minibatch BEFORE the importance weights w (1 when
 * absent) multiply it: normalising w·Â would shift and rescale each term by statistics of the
 * weights, a bias whenever the behaviour policy differs from π_θk. Gradients of actor and critic
 * clipped jointly to max_grad_norm; Adam.
 */
import type { GaussianPolicy } from '../policy/index.js';
import type { ValueNetwork } from '../policy/index.js';
import { gaussianEntropy, gaussianLogProb } from '../policy/index.js';
import { clipGradNorm } from './adam.js';
import { type TransitionBatch, validateBatch } from './batch.js';
import { criticExplainedVariance, shuffledIndices } from './critic.js';
import { normalizeAdvantages } from './estimators.js';
import { policyScratch, valueScratch } from './scratch.js';
import type { UpdateContext } from './updateContext.js';

export interface PpoConfig {
  /** Adam step size for actor and critic (SB3 PPO learning_rate = 3e-4). */
  readonly learningRate: number;
  /** Steps per environment per rollout (SB3 n_steps = 2048). Used by the runner. */
  readonly nSteps: number;
  /** Minibatch size (SB3 batch_size = 64). */
  readonly batchSize: number;
  /** Passes over the rollout (SB3 n_epochs = 10). */
  readonly epochs: number;
  /** Clip range ε of the probability ratio (SB3 clip_range = 0.2; Schulman et al. 2017). */
  readonly clipRange: number;
  /** Discount γ (SB3 gamma = 0.99). Used by the runner. */
  readonly gamma: number;
  /** GAE λ (SB3 gae_lambda = 0.95). Used by the runner. */
  readonly gaeLambda: number;
  /** Entropy bonus coefficient (SB3 ent_coef = 0). */
  readonly entCoef: number;
  /** Value-loss coefficient (SB3 vf_coef = 0.5). */
  readonly vfCoef: number;
  /** Joint gradient-norm clip (SB3 max_grad_norm = 0.5). */
  readonly maxGradNorm: number;
  /** Normalise advantages per minibatch (SB3 normalize_advantage = True). */
  readonly normalizeAdvantages: boolean;
  /** Stop the epochs early when approx KL exceeds 1.5·targetKl (SB3 target_kl = None: never). */
  readonly targetKl: number | null;
}

export const PPO_DEFAULTS: Readonly<PpoConfig> = Object.freeze({
  learningRate: 3e-4,
  nSteps: 2048,
  batchSize: 64,
  epochs: 10,
  clipRange: 0.2,
  gamma: 0.99,
  gaeLambda: 0.95,
  entCoef: 0,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  normalizeAdvantages: true,
  targetKl: null,
});

export interface PpoStats {
  readonly policyLoss: number;
  readonly valueLoss: number;
  readonly entropy: number;
  /** Mean of (r − 1) − log r over the last epoch (SB3 approx_kl). */
  readonly approxKl: number;
  /** Fraction of samples with |r − 1| > ε. */
  readonly clipFraction: number;
  readonly explainedVariance: number;
  readonly epochsRun: number;
  readonly updateMs: number;
}

/** One PPO update (all epochs) on a batch from any source. context.policyOptimizer is required. */
export function ppoUpdate(
  policy: GaussianPolicy,
  value: ValueNetwork,
  batch: TransitionBatch,
  context: UpdateContext,
  config: Partial<PpoConfig> = {},
): PpoStats {
  const cfg = { ...PPO_DEFAULTS, ...config };
  validateBatch(batch, policy.obsSize, policy.actionSize, 'ppoUpdate');
  const popt = context.policyOptimizer;
  if (!popt)
    throw new Error(
      'ppoUpdate: context.policyOptimizer is missing; build the context with createUpdateContext()',
    );
  const t0 = performance.now();
  const n = batch.size;
  const A = policy.actionSize;
  const D = policy.obsSize;
  const m = Math.min(cfg.batchSize, n);

  // log π_θk on the whole batch, and the value prediction for explained variance.
  const fullWs = policyScratch(policy, 'batch');
  policy.forward(batch.obs, n, fullWs);
  const oldLogProb = new Float64Array(n);
  for (let r = 0; r < n; r++)
    oldLogProb[r] = gaussianLogProb(batch.actions, fullWs.mean, fullWs.logStd, A, r);
  const ev = criticExplainedVariance(value, batch.obs, batch.returns, n);

  const ws = policyScratch(policy, 'minibatch');
  const vws = valueScratch(value, 'minibatch');
  ws.ensure(m);
  vws.ensure(m);
  const xb = new Float64Array(m * D);
  const ab = new Float64Array(m * A);
  const advb = new Float64Array(m);
  const gMean = new Float64Array(m * A);
  const gLogStd = new Float64Array(m * A);
  const gValue = new Float64Array(m);
  const gradPolicy = new Float64Array(policy.numParams);
  const gradValue = new Float64Array(value.numParams);
  const perm = new Uint32Array(n);
  let policyLoss = 0;
  let valueLoss = 0;
  let entropySum = 0;
  let approxKl = 0;
  let clipped = 0;
  let counted = 0;
  let epochsRun = 0;
  const eps = cfg.clipRange;

  for (let epoch = 0; epoch < cfg.epochs; epoch++) {
    shuffledIndices(n, context.rng, perm);
    policyLoss = valueLoss = entropySum = approxKl = clipped = counted = 0;
    for (let start = 0; start < n; start += m) {
      const cnt = Math.min(m, n - start);
      for (let r = 0; r < cnt; r++) {
        const i = perm[start + r] as number;
        for (let j = 0; j < D; j++) xb[r * D + j] = batch.obs[i * D + j] as number;
        for (let j = 0; j < A; j++) ab[r * A + j] = batch.actions[i * A + j] as number;
        advb[r] = batch.advantages[i] as number;
      }
      // Normalise Â first (SB3: per minibatch), then weight: w·Â_norm, not (w·Â)_norm.
      if (cfg.normalizeAdvantages && cnt > 1) normalizeAdvantages(advb.subarray(0, cnt), advb);
      if (batch.weights)
        for (let r = 0; r < cnt; r++)
          advb[r] = (advb[r] as number) * (batch.weights[perm[start + r] as number] as number);
      policy.forward(xb, cnt, ws);
      for (let r = 0; r < cnt; r++) {
        const i = perm[start + r] as number;
        const lp = gaussianLogProb(ab, ws.mean, ws.logStd, A, r);
        const logRatio = lp - (oldLogProb[i] as number);
        const ratio = Math.exp(logRatio);
        const adv = advb[r] as number;
        const clippedRatio = Math.min(Math.max(ratio, 1 - eps), 1 + eps);
        const unclippedTerm = ratio * adv;
        const clippedTerm = clippedRatio * adv;
        policyLoss -= Math.min(unclippedTerm, clippedTerm) / cnt;
        // d(−min(rÂ, clip(r)Â))/d log π: −rÂ where the unclipped term is chosen or r is inside the range.
        const active = unclippedTerm <= clippedTerm || (ratio >= 1 - eps && ratio <= 1 + eps);
        const gLp = active ? -(ratio * adv) / cnt : 0;
        if (Math.abs(ratio - 1) > eps) clipped += 1;
        approxKl += ratio - 1 - logRatio;
        entropySum += gaussianEntropy(ws.logStd, A, r);
        for (let j = 0; j < A; j++) {
          const k = r * A + j;
          const inv = Math.exp(-(ws.logStd[k] as number));
          const z = ((ab[k] as number) - (ws.mean[k] as number)) * inv;
          gMean[k] = gLp * z * inv;
          // entropy H = Σ log σ + const ⇒ ∂(−c·mean H)/∂ log σ = −c/cnt
          gLogStd[k] = gLp * (z * z - 1) - cfg.entCoef / cnt;
        }
      }
      counted += cnt;
      gradPolicy.fill(0);
      policy.backward(gMean, gLogStd, cnt, gradPolicy, ws);
      const v = value.forward(xb, cnt, vws);
      let vl = 0;
      for (let r = 0; r < cnt; r++) {
        const err = (v[r] as number) - (batch.returns[perm[start + r] as number] as number);
        vl += err * err;
        gValue[r] = (cfg.vfCoef * 2 * err) / cnt;
      }
      valueLoss += vl;
      gradValue.fill(0);
      value.backward(gValue, cnt, gradValue, vws);
      clipGradNorm([gradPolicy, gradValue], cfg.maxGradNorm);
      popt.step(policy.params, gradPolicy, cfg.learningRate);
      // A free log σ past its bounds has zero gradient and Fisher: project it back after each step.
      policy.projectParameters();
      context.valueOptimizer.step(value.params, gradValue, cfg.learningRate);
    }
    epochsRun += 1;
    if (cfg.targetKl !== null && approxKl / counted > 1.5 * cfg.targetKl) break;
  }
  const batches = Math.ceil(n / m);
  return {
    policyLoss: policyLoss / batches,
    valueLoss: valueLoss / counted,
    entropy: entropySum / counted,
    approxKl: approxKl / counted,
    clipFraction: clipped / counted,
    explainedVariance: ev,
    epochsRun,
    updateMs: performance.now() - t0,
  };
}
