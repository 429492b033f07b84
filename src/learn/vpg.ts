/**
 * Vanilla policy gradient (REINFORCE with a baseline; Williams 1992, Sutton et al. 2000): one
 * Adam (or SGD) step on the pseudo-loss L = −mean(w · log π(a|s) · Â) with Â held constant,
 * followed by value regression. The gradient comes from tfjs autodiff (`pseudoLossTf`), which keeps
 * tfjs exercised as the general autodiff; call `await initBackend()` once before using it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GaussianPolicy } from '../policy/index.js';
import type { ValueNetwork } from '../policy/index.js';
import { pseudoLossTf } from '../policy/index.js';
import { type TransitionBatch, validateBatch } from './batch.js';
import { fitCritic } from './critic.js';
import { normalizeAdvantages } from './estimators.js';
import type { UpdateContext } from './updateContext.js';

export interface VpgConfig {
  /** Optimiser of the pseudo-loss ('adam': Kingma & Ba 2015; 'sgd': plain θ ← θ − α∇L). */
  readonly optimizer: 'adam' | 'sgd';
  /** Policy step size (Spinning Up VPG pi_lr = 3e-4). */
  readonly learningRate: number;
  /** Normalise advantages per batch (SB3 A2C default: no; Spinning Up: yes). */
  readonly normalizeAdvantages: boolean;
  /** Discount γ (0.99, as SB3). Used by the runner. */
  readonly gamma: number;
  /** GAE λ (Spinning Up VPG lam = 0.97). Used by the runner. */
  readonly gaeLambda: number;
  /** Steps per environment per rollout (2048, as SB3 TRPO/PPO). Used by the runner. */
  readonly nSteps: number;
  /** Critic epochs per update (Spinning Up VPG train_v_iters = 80 full-batch steps; here minibatch epochs). */
  readonly criticEpochs: number;
  /** Critic minibatch size. */
  readonly criticBatchSize: number;
  /** Critic Adam step size (Spinning Up vf_lr = 1e-3). */
  readonly criticLearningRate: number;
}

export const VPG_DEFAULTS: Readonly<VpgConfig> = Object.freeze({
  optimizer: 'adam',
  learningRate: 3e-4,
  normalizeAdvantages: true,
  gamma: 0.99,
  gaeLambda: 0.97,
  nSteps: 2048,
  criticEpochs: 10,
  criticBatchSize: 128,
  criticLearningRate: 1e-3,
});

export interface VpgStats {
  readonly pseudoLoss: number;
  readonly gradNorm: number;
  readonly valueLoss: number;
  readonly explainedVariance: number;
}

/** The policy gradient −∇L at the current parameters by tfjs autodiff. Shape: (numParams). */
export function policyGradientTf(
  policy: GaussianPolicy,
  obs: Float32Array,
  actions: Float32Array,
  advantages: ArrayLike<number>,
  n: number,
  weights?: Float32Array,
): { loss: number; grad: Float64Array } {
  const [value, grad] = tf.tidy(() => {
    const x = tf.tensor2d(obs.subarray(0, n * policy.obsSize), [n, policy.obsSize]);
    const a = tf.tensor2d(actions.subarray(0, n * policy.actionSize), [n, policy.actionSize]);
    const adv = tf.tensor1d(Float32Array.from({ length: n }, (_, i) => advantages[i] as number));
    const w = weights ? tf.tensor1d(weights.subarray(0, n)) : undefined;
    const theta = tf.tensor1d(policy.params);
    const r = tf.valueAndGrad((p: tf.Tensor) =>
      pseudoLossTf(policy, p as tf.Tensor1D, x, a, adv, w),
    )(theta);
    return [r.value, r.grad];
  });
  const out = { loss: value.dataSync()[0] as number, grad: Float64Array.from(grad.dataSync()) };
  value.dispose();
  grad.dispose();
  return out;
}

/** One VPG update on a batch from any source. context.policyOptimizer is required for 'adam'. */
export function vpgUpdate(
  policy: GaussianPolicy,
  value: ValueNetwork,
  batch: TransitionBatch,
  context: UpdateContext,
  config: Partial<VpgConfig> = {},
): VpgStats {
  const cfg = { ...VPG_DEFAULTS, ...config };
  validateBatch(batch, policy.obsSize, policy.actionSize, 'vpgUpdate');
  const n = batch.size;
  const adv = new Float64Array(n);
  if (cfg.normalizeAdvantages) normalizeAdvantages(batch.advantages.subarray(0, n), adv);
  else adv.set(batch.advantages.subarray(0, n));
  const { loss, grad } = policyGradientTf(policy, batch.obs, batch.actions, adv, n, batch.weights);
  let gn = 0;
  for (let i = 0; i < grad.length; i++) gn += (grad[i] as number) ** 2;
  if (cfg.optimizer === 'adam') {
    if (!context.policyOptimizer)
      throw new Error(
        'vpgUpdate: optimizer adam needs context.policyOptimizer (createUpdateContext)',
      );
    context.policyOptimizer.step(policy.params, grad, cfg.learningRate);
  } else {
    for (let i = 0; i < grad.length; i++)
      policy.params[i] = (policy.params[i] as number) - cfg.learningRate * (grad[i] as number);
  }
  // A free log σ past its bounds has zero gradient: project it back after the step.
  policy.projectParameters();
  const vf = fitCritic(
    value,
    context.valueOptimizer,
    batch.obs,
    batch.returns,
    n,
    context.rng,
    cfg,
  );
  return {
    pseudoLoss: loss,
    gradNorm: Math.sqrt(gn),
    valueLoss: vf.valueLoss,
    explainedVariance: vf.explainedVariance,
  };
}
