/**
 * The state an update rule keeps between updates: the Adam moments of actor and critic and the
 * random stream of its minibatch shuffles and Fisher subsamples. The runner checkpoints all of it,
 * so a resumed run continues bit-identically.
 */
import type { GaussianPolicy } from '../policy/index.js';
import type { ValueNetwork } from '../policy/index.js';
import type { Random } from '../util/index.js';
import { Adam } from './adam.js';

/** State an update rule keeps between updates (Adam moments, RNG); checkpoint it to resume exactly. */
export interface UpdateContext {
  readonly valueOptimizer: Adam;
  /** Minibatch shuffles (critic fit, PPO) and the TRPO/NPG Fisher subsample. */
  readonly rng: Random;
  /** Actor optimizer (PPO, VPG only). */
  readonly policyOptimizer?: Adam;
}

/** Fresh Adam states (actor for PPO/VPG, critic for all) and the update's random stream. */
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
