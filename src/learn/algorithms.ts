/**
 * The algorithm registry: the one place that names the update rules (`--algo trpo|npg|vpg|ppo`)
 * and the one dispatch over them. Each algorithm's own file owns its config and frozen defaults;
 * an entry here only says which defaults, which Adam step sizes, and how the algorithm's statistics
 * map onto the metrics every algorithm reports. The config schema derives its enum and sections
 * from ALGORITHM_NAMES / ALGORITHM_DEFAULTS.
 *
 * trpo: TRPO (Schulman et al. 2015); npg: natural gradient without line search (Kakade 2001);
 * vpg: REINFORCE with a learned baseline (Williams 1992); ppo: PPO-clip (Schulman et al. 2017).
 */
import type { GaussianPolicy } from '../policy/index.js';
import type { ValueNetwork } from '../policy/index.js';
import { gaussianEntropy, klDiagonalGaussians } from '../policy/index.js';
import type { Random } from '../util/index.js';
import type { TransitionBatch } from './batch.js';
import { PPO_DEFAULTS, type PpoConfig, ppoUpdate } from './ppo.js';
import { NPG_DEFAULTS, TRPO_DEFAULTS, type TrpoConfig, trpoUpdate } from './trpo.js';
import { type UpdateContext, createUpdateContext } from './updateContext.js';
import { VPG_DEFAULTS, type VpgConfig, vpgUpdate } from './vpg.js';

/** Each algorithm's config type, by name. */
export interface AlgorithmConfigs {
  trpo: TrpoConfig;
  npg: TrpoConfig;
  vpg: VpgConfig;
  ppo: PpoConfig;
}

export type AlgorithmName = keyof AlgorithmConfigs;

/** The algorithm-independent view of one update (null where an algorithm has no such figure). */
export interface UpdateSummary {
  /** Mean KL(π_old‖π_new) over the batch (PPO: its approx KL). */
  readonly kl: number | null;
  /** Mean policy entropy. */
  readonly entropy: number | null;
  readonly valueLoss: number | null;
  /** Of the critic, before it is fitted. */
  readonly explainedVariance: number | null;
  readonly lineSearchAccepted: boolean | null;
  readonly lineSearchSteps: number | null;
  /** Everything the algorithm's update returned (logged at debug level). */
  readonly raw: Readonly<Record<string, number | boolean>>;
}

/**
 * An update rule bound to its networks, config and optimiser state. It only updates: the runner
 * collects, times, logs and checkpoints (`context` holds the state to checkpoint).
 */
export interface Algorithm {
  readonly name: AlgorithmName;
  /** Adam moments and the update's random stream. */
  readonly context: UpdateContext;
  /** One update on a batch from any source; updates the policy and value parameters in place. */
  update(batch: TransitionBatch): UpdateSummary;
}

interface AlgorithmEntry<C> {
  readonly defaults: Readonly<C>;
  /** Adam step sizes of actor and critic (undefined: the Adam default). */
  readonly learningRates: (config: C) => { policy?: number; value?: number };
  readonly update: (
    policy: GaussianPolicy,
    value: ValueNetwork,
    batch: TransitionBatch,
    context: UpdateContext,
    config: C,
  ) => UpdateSummary;
}

const finiteOrNull = (x: number | undefined): number | null =>
  x !== undefined && Number.isFinite(x) ? x : null;

const trpoEntry = (defaults: Readonly<TrpoConfig>): AlgorithmEntry<TrpoConfig> => ({
  defaults,
  learningRates: (c) => ({ value: c.criticLearningRate }),
  update: (policy, value, batch, context, config) => {
    const s = trpoUpdate(policy, value, batch, context, config);
    return {
      kl: finiteOrNull(s.kl),
      entropy: finiteOrNull(s.entropy),
      valueLoss: finiteOrNull(s.valueLoss),
      explainedVariance: finiteOrNull(s.explainedVariance),
      lineSearchAccepted: s.accepted,
      lineSearchSteps: s.lineSearchSteps,
      raw: { ...s },
    };
  },
});

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

/** The registry: TypeScript checks that every AlgorithmName has an entry. Key order = CLI order. */
const REGISTRY: { readonly [K in AlgorithmName]: AlgorithmEntry<AlgorithmConfigs[K]> } = {
  trpo: trpoEntry(TRPO_DEFAULTS),
  npg: trpoEntry(NPG_DEFAULTS),
  vpg: {
    defaults: VPG_DEFAULTS,
    learningRates: (c) => ({ policy: c.learningRate, value: c.criticLearningRate }),
    update: (policy, value, batch, context, config) => {
      const s = vpgUpdate(policy, value, batch, context, config);
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
    },
  },
  ppo: {
    defaults: PPO_DEFAULTS,
    learningRates: (c) => ({ policy: c.learningRate, value: c.learningRate }),
    update: (policy, value, batch, context, config) => {
      const s = ppoUpdate(policy, value, batch, context, config);
      return {
        kl: finiteOrNull(s.approxKl),
        entropy: finiteOrNull(s.entropy),
        valueLoss: finiteOrNull(s.valueLoss),
        explainedVariance: finiteOrNull(s.explainedVariance),
        lineSearchAccepted: null,
        lineSearchSteps: null,
        raw: { ...s },
      };
    },
  },
};

/** The algorithm names, in the registry's order. */
export const ALGORITHM_NAMES = Object.freeze(Object.keys(REGISTRY)) as readonly AlgorithmName[];

/** Each algorithm's frozen defaults (the single source of the numbers). */
export const ALGORITHM_DEFAULTS = Object.freeze(
  Object.fromEntries(ALGORITHM_NAMES.map((k) => [k, REGISTRY[k].defaults])),
) as { readonly [K in AlgorithmName]: Readonly<AlgorithmConfigs[K]> };

/** True if `name` is a registered algorithm. */
export function isAlgorithmName(name: string): name is AlgorithmName {
  return Object.hasOwn(REGISTRY, name);
}

function entryOf<K extends AlgorithmName>(
  name: K,
  caller: string,
): AlgorithmEntry<AlgorithmConfigs[K]> {
  if (!isAlgorithmName(name))
    throw new Error(
      `${caller}: unknown algorithm '${String(name)}'; expected one of ${ALGORITHM_NAMES.join(', ')}`,
    );
  return REGISTRY[name];
}

/** Rollout-side settings every algorithm has (n_steps, γ, GAE λ), with its defaults filled in. */
export function rolloutSettings<K extends AlgorithmName>(
  name: K,
  config: Partial<AlgorithmConfigs[K]> = {},
): { nSteps: number; gamma: number; gaeLambda: number } {
  const c = { ...entryOf(name, 'rolloutSettings').defaults, ...config } as AlgorithmConfigs[K];
  return { nSteps: c.nSteps, gamma: c.gamma, gaeLambda: c.gaeLambda };
}

/**
 * The algorithm `name` on `policy` and `value`, with `config` over its defaults and fresh Adam
 * states; `rng` drives its minibatch shuffles and Fisher subsamples. vpg needs an initialised tfjs
 * backend (initBackend()).
 */
export function createAlgorithm<K extends AlgorithmName>(
  name: K,
  policy: GaussianPolicy,
  value: ValueNetwork,
  config: Partial<AlgorithmConfigs[K]>,
  rng: Random,
): Algorithm {
  const entry = entryOf(name, 'createAlgorithm');
  const cfg = { ...entry.defaults, ...config } as AlgorithmConfigs[K];
  const lr = entry.learningRates(cfg);
  const context = createUpdateContext(policy, value, rng, lr.policy, lr.value);
  return {
    name,
    context,
    update: (batch) => entry.update(policy, value, batch, context, cfg),
  };
}
