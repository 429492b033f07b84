/**
 * One update step of the configured algorithm on a rollout batch, with its statistics mapped onto
 * the metrics fields every algorithm reports (KL, entropy, value loss, explained variance,
 * line-search outcome). The algorithms themselves live in src/learn and only update; this adapter
 * is the runner's single point of dispatch.
 */
import type { TrainConfig } from '../config/index.js';
import type { Algorithm } from '../config/index.js';
import { createUpdateContext, ppoUpdate, trpoUpdate, vpgUpdate } from '../learn/index.js';
import type { TransitionBatch, UpdateContext } from '../learn/index.js';
import { gaussianEntropy, klDiagonalGaussians } from '../policy/index.js';
import type { GaussianPolicy } from '../policy/index.js';
import type { ValueNetwork } from '../policy/index.js';
import type { Random } from '../util/index.js';

/** The algorithm-independent view of one update. */
export interface UpdateSummary {
  readonly kl: number | null;
  readonly entropy: number | null;
  readonly valueLoss: number | null;
  readonly explainedVariance: number | null;
  readonly lineSearchAccepted: boolean | null;
  readonly lineSearchSteps: number | null;
  /** Everything the algorithm returned (logged at debug level). */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** Rollout settings the runner needs from the active algorithm's section. */
export function rolloutSettings(config: TrainConfig): {
  nSteps: number;
  gamma: number;
  gaeLambda: number;
} {
  const a = config[config.algo];
  return { nSteps: a.nSteps, gamma: a.gamma, gaeLambda: a.gaeLambda };
}

/** Optimiser state for the configured algorithm (Adam step sizes from its section). */
export function createContext(
  config: TrainConfig,
  policy: GaussianPolicy,
  value: ValueNetwork,
  rng: Random,
): UpdateContext {
  switch (config.algo) {
    case 'trpo':
    case 'npg':
      return createUpdateContext(
        policy,
        value,
        rng,
        undefined,
        config[config.algo].criticLearningRate,
      );
    case 'ppo':
      return createUpdateContext(
        policy,
        value,
        rng,
        config.ppo.learningRate,
        config.ppo.learningRate,
      );
    case 'vpg':
      return createUpdateContext(
        policy,
        value,
        rng,
        config.vpg.learningRate,
        config.vpg.criticLearningRate,
      );
  }
}

const finiteOrNull = (x: number | undefined): number | null =>
  x !== undefined && Number.isFinite(x) ? x : null;

/** Mean KL(π_old‖π_new) over the batch (from its logged old mean/log σ) and mean entropy after. */
function klAndEntropy(
  policy: GaussianPolicy,
  batch: TransitionBatch,
): { kl: number; entropy: number } {
  const n = batch.size;
  const a = policy.actionSize;
  const ws = policy.forward(batch.obs, n, policy.createWorkspace(n));
  let kl = 0;
  let h = 0;
  for (let r = 0; r < n; r++) {
    if (batch.oldMean && batch.oldLogStd)
      kl += klDiagonalGaussians(batch.oldMean, batch.oldLogStd, ws.mean, ws.logStd, a, r);
    h += gaussianEntropy(ws.logStd, a, r);
  }
  return { kl: batch.oldMean && batch.oldLogStd ? kl / n : Number.NaN, entropy: h / n };
}

/** Run one update of `algo` and summarise it. */
export function runUpdate(
  algo: Algorithm,
  config: TrainConfig,
  policy: GaussianPolicy,
  value: ValueNetwork,
  batch: TransitionBatch,
  context: UpdateContext,
): UpdateSummary {
  switch (algo) {
    case 'trpo':
    case 'npg': {
      const s = trpoUpdate(policy, value, batch, context, config[algo]);
      return {
        kl: finiteOrNull(s.kl),
        entropy: finiteOrNull(s.entropy),
        valueLoss: finiteOrNull(s.valueLoss),
        explainedVariance: finiteOrNull(s.explainedVariance),
        lineSearchAccepted: s.accepted,
        lineSearchSteps: s.lineSearchSteps,
        raw: { ...s },
      };
    }
    case 'ppo': {
      const s = ppoUpdate(policy, value, batch, context, config.ppo);
      return {
        kl: finiteOrNull(s.approxKl),
        entropy: finiteOrNull(s.entropy),
        valueLoss: finiteOrNull(s.valueLoss),
        explainedVariance: finiteOrNull(s.explainedVariance),
        lineSearchAccepted: null,
        lineSearchSteps: null,
        raw: { ...s },
      };
    }
    case 'vpg': {
      const s = vpgUpdate(policy, value, batch, context, config.vpg);
      const after = klAndEntropy(policy, batch);
      return {
        kl: finiteOrNull(after.kl),
        entropy: finiteOrNull(after.entropy),
        valueLoss: finiteOrNull(s.valueLoss),
        explainedVariance: finiteOrNull(s.explainedVariance),
        lineSearchAccepted: null,
        lineSearchSteps: null,
        raw: { ...s },
      };
    }
  }
}
