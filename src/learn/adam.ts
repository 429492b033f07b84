/**
 * Adam (Kingma & Ba 2015) on a flat Float32Array of parameters with a Float64Array gradient, with
 * its moments exportable so a resumed run continues bit-identically.
 */

export interface AdamOptions {
  /** Step size α. */
  readonly learningRate: number;
  /** First-moment decay β1 (paper / PyTorch default 0.9). */
  readonly beta1: number;
  /** Second-moment decay β2 (paper / PyTorch default 0.999). */
  readonly beta2: number;
  /** ε in the denominator (SB3 on-policy policies pass eps = 1e-5 to Adam). */
  readonly epsilon: number;
}

export const ADAM_DEFAULTS: Readonly<AdamOptions> = Object.freeze({
  learningRate: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-5,
});

export interface AdamState {
  readonly step: number;
  readonly m: readonly number[];
  readonly v: readonly number[];
}

export class Adam {
  readonly size: number;
  options: AdamOptions;
  #m: Float64Array;
  #v: Float64Array;
  #t = 0;

  constructor(size: number, options: Partial<AdamOptions> = {}) {
    this.size = size;
    this.options = { ...ADAM_DEFAULTS, ...options };
    this.#m = new Float64Array(size);
    this.#v = new Float64Array(size);
  }

  /**
   * One descent step θ ← θ − α m̂ / (sqrt(v̂) + ε) with bias-corrected moments, on the gradient of
   * the loss `grad` (size). `learningRate` overrides the configured α for this step (schedules).
   */
  step(
    params: Float32Array,
    grad: ArrayLike<number>,
    learningRate = this.options.learningRate,
  ): void {
    const { beta1, beta2, epsilon } = this.options;
    this.#t += 1;
    const c1 = 1 - beta1 ** this.#t;
    const c2 = 1 - beta2 ** this.#t;
    const m = this.#m;
    const v = this.#v;
    for (let i = 0; i < this.size; i++) {
      const g = grad[i] as number;
      const mi = beta1 * (m[i] as number) + (1 - beta1) * g;
      const vi = beta2 * (v[i] as number) + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      params[i] =
        (params[i] as number) - (learningRate * (mi / c1)) / (Math.sqrt(vi / c2) + epsilon);
    }
  }

  getState(): AdamState {
    return { step: this.#t, m: Array.from(this.#m), v: Array.from(this.#v) };
  }

  setState(state: AdamState): void {
    if (state.m.length !== this.size || state.v.length !== this.size) {
      throw new Error(
        `Adam.setState: moment lengths ${state.m.length}/${state.v.length}, expected ${this.size}`,
      );
    }
    this.#t = state.step;
    this.#m.set(state.m);
    this.#v.set(state.v);
  }
}

/** Scale `grads` in place so their joint L2 norm is at most maxNorm (PyTorch clip_grad_norm_). Returns the norm before clipping. */
export function clipGradNorm(grads: readonly Float64Array[], maxNorm: number): number {
  let ss = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) ss += (g[i] as number) ** 2;
  const norm = Math.sqrt(ss);
  if (Number.isFinite(maxNorm) && norm > maxNorm) {
    const s = maxNorm / (norm + 1e-6);
    for (const g of grads) for (let i = 0; i < g.length; i++) g[i] = (g[i] as number) * s;
  }
  return norm;
}
