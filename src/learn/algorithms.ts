/**
 * One entry point over the update rules, for runners that choose the algorithm from a config
 * (`--algo trpo|npg|vpg|ppo`). Each algorithm's own file owns its defaults; this only dispatches.
 */
import type { GaussianPolicy } from '../policy/index.js';
import type { ValueNetwork } from '../policy/index.js';
import type { TransitionBatch } from './batch.js';
import { PPO_DEFAULTS, type PpoConfig, ppoUpdate } from './ppo.js';
import {
  NPG_DEFAULTS,
  TRPO_DEFAULTS,
  type TrpoConfig,
  type UpdateContext,
  trpoUpdate,
} from './trpo.js';
import { VPG_DEFAULTS, type VpgConfig, vpgUpdate } from './vpg.js';

export type AlgorithmName = 'trpo' | 'npg' | 'vpg' | 'ppo';

export const ALGORITHM_NAMES: readonly AlgorithmName[] = Object.freeze([
  'trpo',
  'npg',
  'vpg',
  'ppo',
]);

/** Each algorithm's frozen defaults (the single source of the numbers). */
export const ALGORITHM_DEFAULTS = Object.freeze({
  trpo: TRPO_DEFAULTS,
  npg: NPG_DEFAULTS,
  vpg: VPG_DEFAULTS,
  ppo: PPO_DEFAULTS,
});

export type AlgorithmConfig = Partial<TrpoConfig> | Partial<PpoConfig> | Partial<VpgConfig>;

/** Rollout-side settings every algorithm has (n_steps, γ, GAE λ), with its defaults filled in. */
export function rolloutSettings(
  algo: AlgorithmName,
  config: AlgorithmConfig = {},
): { nSteps: number; gamma: number; gaeLambda: number } {
  const d = { ...ALGORITHM_DEFAULTS[algo], ...config } as {
    nSteps: number;
    gamma: number;
    gaeLambda: number;
  };
  return { nSteps: d.nSteps, gamma: d.gamma, gaeLambda: d.gaeLambda };
}

/**
 * Run one update of `algo` on a batch. Returns the algorithm's statistics as a flat record
 * (numbers and booleans) for metrics. vpg needs an initialised tfjs backend (initBackend()).
 */
export function runUpdate(
  algo: AlgorithmName,
  policy: GaussianPolicy,
  value: ValueNetwork,
  batch: TransitionBatch,
  context: UpdateContext,
  config: AlgorithmConfig = {},
): Readonly<Record<string, number | boolean>> {
  switch (algo) {
    case 'trpo':
      return {
        ...trpoUpdate(policy, value, batch, context, {
          ...TRPO_DEFAULTS,
          ...(config as Partial<TrpoConfig>),
        }),
      };
    case 'npg':
      return {
        ...trpoUpdate(policy, value, batch, context, {
          ...NPG_DEFAULTS,
          ...(config as Partial<TrpoConfig>),
          lineSearch: false,
        }),
      };
    case 'ppo':
      return { ...ppoUpdate(policy, value, batch, context, config as Partial<PpoConfig>) };
    case 'vpg':
      return { ...vpgUpdate(policy, value, batch, context, config as Partial<VpgConfig>) };
    default:
      throw new Error(
        `runUpdate: unknown algorithm '${String(algo)}'; expected one of ${ALGORITHM_NAMES.join(', ')}`,
      );
  }
}
