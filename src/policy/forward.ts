/**
 * The real-time forward pass: raw observation → normalised → MLP → mean (and σ, a sample, its
 * log-prob), in plain TypeScript, allocating NOTHING per call (all scratch preallocated as
 * Float64Array). It reads the policy's own `params` Float32Array and normaliser arrays, so it always
 * sees the current weights without copying. Agrees with the tfjs reference mean to 1e-6
 * (test/policy/policy.test.ts); bench/learn.ts measures batch-1 latency.
 *
 * For N environments at once (rollouts), use `sampleBatch` / `meanBatch`, which run one batched
 * pass over the policy's workspace.
 */
import type { Random } from '../util/index.js';
import type { LayerLayout } from '../nn/index.js';
import type { DiagGaussian } from './diagGaussian.js';
import type { GaussianPolicy } from './policy.js';

export class PolicyForward {
  readonly policy: GaussianPolicy;
  readonly obsSize: number;
  readonly actionSize: number;
  /** Mean of the last call. Shape: (actionSize). */
  readonly mean: Float64Array;
  /** Clamped log σ of the last call. Shape: (actionSize). */
  readonly logStd: Float64Array;
  readonly #layers: readonly LayerLayout[];
  readonly #bufA: Float64Array;
  readonly #bufB: Float64Array;
  /** The action distribution (sampling, log-prob, log π at the mean for deterministic acts). */
  readonly distribution: DiagGaussian;
  readonly #tanh: boolean;
  #batchNorm = new Float64Array(0);

  constructor(policy: GaussianPolicy) {
    this.policy = policy;
    this.obsSize = policy.obsSize;
    this.actionSize = policy.actionSize;
    this.#layers = policy.layout.layers;
    const widest = Math.max(
      policy.obsSize,
      ...policy.mlpShape.hiddenSizes,
      policy.mlpShape.outputSize,
    );
    this.#bufA = new Float64Array(widest);
    this.#bufB = new Float64Array(widest);
    this.mean = new Float64Array(policy.actionSize);
    this.logStd = new Float64Array(policy.actionSize);
    this.#tanh = policy.mlpShape.activation === 'tanh';
    this.distribution = policy.distribution;
  }

  /**
   * Batch-1 pass on a RAW observation (obsSize): fills `this.mean`, `this.logStd` and, if given,
   * copies the mean into `out` (actionSize). Allocates nothing.
   */
  forward(rawObs: ArrayLike<number>, out?: Float32Array | Float64Array): Float64Array {
    const p = this.policy.params;
    const norm = this.policy.normalizer;
    const useNorm = this.policy.options.normalizeObs;
    let x = this.#bufA;
    let y = this.#bufB;
    const c = norm.clip;
    for (let j = 0; j < this.obsSize; j++) {
      const raw = rawObs[j] as number;
      if (useNorm) {
        const z = (raw - (norm.mean[j] as number)) * (norm.invStd[j] as number);
        x[j] = z > c ? c : z < -c ? -c : z;
      } else x[j] = raw;
    }
    const layers = this.#layers;
    const last = layers.length - 1;
    for (let l = 0; l <= last; l++) {
      const { inSize, outSize, weightOffset, biasOffset } = layers[l] as LayerLayout;
      const hidden = l < last;
      for (let o = 0; o < outSize; o++) {
        // Four partial sums break the add dependency chain (instruction-level parallelism).
        let z0 = p[biasOffset + o] as number;
        let z1 = 0;
        let z2 = 0;
        let z3 = 0;
        const w = weightOffset + o * inSize;
        let i = 0;
        for (; i + 3 < inSize; i += 4) {
          z0 += (p[w + i] as number) * (x[i] as number);
          z1 += (p[w + i + 1] as number) * (x[i + 1] as number);
          z2 += (p[w + i + 2] as number) * (x[i + 2] as number);
          z3 += (p[w + i + 3] as number) * (x[i + 3] as number);
        }
        for (; i < inSize; i++) z0 += (p[w + i] as number) * (x[i] as number);
        const z = z0 + z1 + (z2 + z3);
        y[o] = hidden ? (this.#tanh ? Math.tanh(z) : z > 0 ? z : 0) : z;
      }
      const t = x;
      x = y;
      y = t;
    }
    const a = this.actionSize;
    const { logStdMin: lo, logStdMax: hi } = this.policy.options;
    const off = this.policy.logStdOffset;
    for (let j = 0; j < a; j++) {
      this.mean[j] = x[j] as number;
      const raw = off < 0 ? (x[a + j] as number) : (p[off + j] as number);
      this.logStd[j] = raw < lo ? lo : raw > hi ? hi : raw;
      if (out) out[j] = x[j] as number;
    }
    return this.mean;
  }

  /**
   * Sample a ~ N(μ(s), σ²) for one RAW observation into outAction; returns log π(a|s).
   * Allocates nothing.
   */
  sample(rawObs: ArrayLike<number>, rng: Random, outAction: Float32Array | Float64Array): number {
    this.forward(rawObs);
    return this.distribution.sample(this.mean, this.logStd, rng, outAction);
  }

  /**
   * Batched sampling for N environments: RAW observations (n, obsSize) → actions (n, actionSize),
   * log-probs (n), and optionally the means (n, actionSize). One batched pass; scratch grows once.
   */
  sampleBatch(
    rawObs: ArrayLike<number>,
    n: number,
    rng: Random,
    outActions: Float32Array | Float64Array,
    outLogProb: Float32Array | Float64Array,
    outMean?: Float32Array | Float64Array,
  ): void {
    const normObs = this.#normalizeBatch(rawObs, n);
    const ws = this.policy.forward(normObs, n);
    this.distribution.sampleBatch(ws.mean, ws.logStd, n, rng, outActions, outLogProb);
    if (outMean) for (let k = 0; k < n * this.actionSize; k++) outMean[k] = ws.mean[k] as number;
  }

  /** Deterministic means for RAW observations (n, obsSize) into out (n, actionSize). */
  meanBatch(rawObs: ArrayLike<number>, n: number, out: Float32Array | Float64Array): void {
    const ws = this.policy.forward(this.#normalizeBatch(rawObs, n), n);
    for (let k = 0; k < n * this.actionSize; k++) out[k] = ws.mean[k] as number;
  }

  #normalizeBatch(rawObs: ArrayLike<number>, n: number): Float64Array {
    if (this.#batchNorm.length < n * this.obsSize)
      this.#batchNorm = new Float64Array(n * this.obsSize);
    this.policy.normalizeObs(rawObs, this.#batchNorm, n);
    return this.#batchNorm;
  }
}
