/**
 * Shared helpers for the learning tests: random policies with non-trivial parameters, tfjs setup,
 * and simple array comparisons.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/policy/backend.js';
import { GaussianPolicy, type GaussianPolicyOptions } from '../../src/policy/policy.js';
import { Random } from '../../src/util/random.js';

/** The tests use the CPU backend (float32, deterministic) as the reference. */
export async function useCpuBackend(): Promise<void> {
  await initBackend('cpu');
  if (tf.getBackend() !== 'cpu') throw new Error('test setup: cpu backend not active');
}

/** A policy whose parameters are all O(0.5) random (not the near-zero output init). */
export function randomPolicy(
  options: Partial<GaussianPolicyOptions> & Pick<GaussianPolicyOptions, 'obsSize' | 'actionSize'>,
  seed: number,
): GaussianPolicy {
  const rng = new Random(seed);
  const policy = new GaussianPolicy(options, rng);
  for (let i = 0; i < policy.params.length; i++) policy.params[i] = 0.5 * rng.normal();
  if (policy.logStdOffset >= 0) {
    for (let j = 0; j < policy.actionSize; j++)
      policy.params[policy.logStdOffset + j] = -0.3 + 0.2 * j;
  }
  return policy;
}

export function randomArray(n: number, rng: Random, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = scale * rng.normal();
  return out;
}

/** max_i |a_i − b_i| / max(1, max_i |b_i|). */
export function relativeMaxError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return err / scale;
}
