/**
 * The update rules the trainer can run and where their hyperparameter defaults live: the learning
 * core's frozen defaults objects (src/learn ALGORITHM_DEFAULTS), never copied here.
 *
 * trpo: TRPO (Schulman et al. 2015); npg: natural gradient without line search (Kakade 2001);
 * vpg: REINFORCE with a learned baseline (Williams 1992); ppo: PPO-clip (Schulman et al. 2017).
 */
import { ALGORITHM_DEFAULTS as LEARN_DEFAULTS } from '../learn/index.js';
import type { AlgorithmName, PpoConfig, TrpoConfig, VpgConfig } from '../learn/index.js';

export const ALGORITHMS = ['trpo', 'npg', 'vpg', 'ppo'] as const satisfies readonly AlgorithmName[];
export type Algorithm = (typeof ALGORITHMS)[number];

export interface AlgorithmConfigs {
  trpo: TrpoConfig;
  npg: TrpoConfig;
  ppo: PpoConfig;
  vpg: VpgConfig;
}

export const ALGORITHM_DEFAULTS: Readonly<{ [K in Algorithm]: Readonly<AlgorithmConfigs[K]> }> =
  LEARN_DEFAULTS;
