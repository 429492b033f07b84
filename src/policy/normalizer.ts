/**
 * Running observation normalisation, as SB3's `RunningMeanStd` + `VecNormalize`: mean and
 * variance merged batch by batch with the parallel algorithm of Chan, Golub & LeVeque (1979),
 * then obs ↦ clip((obs − mean) / sqrt(var + ε), −clip, clip).
 *
 * The statistics are part of the policy's state: checkpoints save them (`getState`) and the
 * plain-TS forward pass reads them.
 */

export interface NormalizerState {
  readonly mean: readonly number[];
  readonly var: readonly number[];
  /** Effective sample count (starts at ε = 1e-4 as in SB3, so the first merge is well defined). */
  readonly count: number;
  readonly clip: number;
  readonly epsilon: number;
}

export interface RunningNormalizerOptions {
  /** Clip normalised observations to ±clip (SB3 VecNormalize clip_obs = 10). */
  readonly clip: number;
  /** Added to the variance before the square root (SB3 VecNormalize epsilon = 1e-8). */
  readonly epsilon: number;
  /** Initial count, so the first update is a proper merge (SB3 RunningMeanStd epsilon = 1e-4). */
  readonly initialCount: number;
}

export const NORMALIZER_DEFAULTS: Readonly<RunningNormalizerOptions> = Object.freeze({
  clip: 10,
  epsilon: 1e-8,
  initialCount: 1e-4,
});

export class RunningNormalizer {
  readonly size: number;
  readonly mean: Float64Array;
  readonly var: Float64Array;
  count: number;
  clip: number;
  epsilon: number;
  /** 1/sqrt(var+ε), refreshed after every update; read by the forward passes. */
  readonly invStd: Float64Array;
  #batchMean: Float64Array;
  #batchVar: Float64Array;

  constructor(size: number, options: Partial<RunningNormalizerOptions> = {}) {
    const o = { ...NORMALIZER_DEFAULTS, ...options };
    this.size = size;
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
    this.invStd = new Float64Array(size);
    this.count = o.initialCount;
    this.clip = o.clip;
    this.epsilon = o.epsilon;
    this.#batchMean = new Float64Array(size);
    this.#batchVar = new Float64Array(size);
    this.#refresh();
  }

  #refresh(): void {
    for (let j = 0; j < this.size; j++)
      this.invStd[j] = 1 / Math.sqrt((this.var[j] as number) + this.epsilon);
  }

  /**
   * Merge a batch of observations, shape (n, size) row-major, into the statistics:
   *   δ = μ_b − μ,  N' = N + n,  μ' = μ + δ n / N',  M2' = N σ² + n σ_b² + δ² N n / N'.
   */
  update(batch: ArrayLike<number>, n: number): void {
    if (n <= 0) return;
    if (batch.length < n * this.size) {
      throw new Error(
        `RunningNormalizer.update: batch has ${batch.length} values, expected at least n*size = ${n}*${this.size}`,
      );
    }
    const bm = this.#batchMean.fill(0);
    const bv = this.#batchVar.fill(0);
    for (let r = 0; r < n; r++)
      for (let j = 0; j < this.size; j++)
        bm[j] = (bm[j] as number) + (batch[r * this.size + j] as number);
    for (let j = 0; j < this.size; j++) bm[j] = (bm[j] as number) / n;
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < this.size; j++)
        bv[j] = (bv[j] as number) + ((batch[r * this.size + j] as number) - (bm[j] as number)) ** 2;
    }
    const total = this.count + n;
    for (let j = 0; j < this.size; j++) {
      const delta = (bm[j] as number) - (this.mean[j] as number);
      const m2 =
        (this.var[j] as number) * this.count +
        (bv[j] as number) +
        (delta * delta * this.count * n) / total;
      this.mean[j] = (this.mean[j] as number) + (delta * n) / total;
      this.var[j] = m2 / total;
    }
    this.count = total;
    this.#refresh();
  }

  /** Normalise `n` rows of `input` into `out` (may alias). Allocates nothing. */
  normalize(input: ArrayLike<number>, out: Float32Array | Float64Array, n = 1): void {
    const c = this.clip;
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < this.size; j++) {
        const k = r * this.size + j;
        const z = ((input[k] as number) - (this.mean[j] as number)) * (this.invStd[j] as number);
        out[k] = z > c ? c : z < -c ? -c : z;
      }
    }
  }

  getState(): NormalizerState {
    return {
      mean: Array.from(this.mean),
      var: Array.from(this.var),
      count: this.count,
      clip: this.clip,
      epsilon: this.epsilon,
    };
  }

  /**
   * Replace mean, variance and count in place (a learner's snapshot), allocating nothing; clip and
   * ε stay.
   */
  setStatistics(mean: ArrayLike<number>, variance: ArrayLike<number>, count: number): void {
    if (mean.length !== this.size || variance.length !== this.size) {
      throw new Error(
        `RunningNormalizer.setStatistics: mean/var lengths ${mean.length}/${variance.length}, expected ${this.size}`,
      );
    }
    this.mean.set(mean);
    this.var.set(variance);
    this.count = count;
    this.#refresh();
  }

  setState(state: NormalizerState): void {
    if (state.mean.length !== this.size || state.var.length !== this.size) {
      throw new Error(
        `RunningNormalizer.setState: mean/var lengths ${state.mean.length}/${state.var.length}, expected ${this.size}`,
      );
    }
    this.mean.set(state.mean);
    this.var.set(state.var);
    this.count = state.count;
    this.clip = state.clip;
    this.epsilon = state.epsilon;
    this.#refresh();
  }
}
