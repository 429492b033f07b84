/**
 * The natural-gradient machinery of TRPO and NPG (Schulman et al. 2015; Kakade 2001), as named
 * pieces, each tested on its own (test/learn/trpo.test.ts, fisher.test.ts):
 *   fisherSubsample                        random rows for the Fisher (sb3-contrib sub_sampling_factor)
 *   fisherVectorProduct / FisherOperator  F v by the Gauss–Newton form (below), plus damping·v
 *   conjugateGradient(mvp, b, iters, tol)  x ≈ F⁻¹ g
 *   maxStepLength(xᵀFx, δ)                 β = sqrt(2δ / xᵀFx)
 *   backtrackingLineSearch                 accept only if KL ≤ δ and the surrogate improved
 *
 * Fisher-vector product. For π = N(μ_θ(s), diag σ_θ²(s)), the Fisher information of one sample with
 * respect to the distribution's outputs (μ, log σ) is diag(1/σ², 2): E[(z/σ)²] = 1/σ²,
 * E[(z²−1)²] = 2, E[(z/σ)(z²−1)] = 0 for z ~ N(0,1). By the chain rule the parameter Fisher is
 *   F = (1/n) Σ_i J_iᵀ diag(1/σ_i², 2) J_i,    J_i = ∂(μ_i, log σ_i)/∂θ,
 * which is also the Hessian of mean KL(π_θk ‖ π_θ) at θ = θk (the KL's Gauss–Newton matrix is exact
 * there because the output-space KL Hessian is diag(1/σ², 2) and its first derivative vanishes).
 * For a state-independent log σ, J's log σ block is the identity, giving the 2·v_logσ term.
 * F v is one forward tangent (JVP: J v), a diagonal scaling, and one backward pass (VJP: Jᵀ ·),
 * over activations cached once per update and reused by every CG iteration.
 */
import type { GaussianPolicy, PolicyWorkspace } from '../policy/index.js';
import type { Random } from '../util/index.js';

// ───────────────────────────── Fisher-vector products ─────────────────────────────

/**
 * F v (+ damping·v) on a fixed set of normalised observations (n, obsSize) at the policy's current
 * parameters. The forward pass runs once in the constructor; `apply` reuses its activations.
 */
export class FisherOperator {
  readonly policy: GaussianPolicy;
  readonly n: number;
  readonly damping: number;
  readonly ws: PolicyWorkspace;
  #dMean: Float64Array;
  #dLogStd: Float64Array;
  #invVar: Float64Array;
  /** Number of products computed (for stats and benches). */
  count = 0;

  constructor(
    policy: GaussianPolicy,
    obs: ArrayLike<number>,
    n: number,
    damping: number,
    ws: PolicyWorkspace = policy.createWorkspace(n),
  ) {
    this.policy = policy;
    this.n = n;
    this.damping = damping;
    this.ws = ws;
    policy.forward(obs, n, ws);
    const a = policy.actionSize;
    this.#dMean = new Float64Array(n * a);
    this.#dLogStd = new Float64Array(n * a);
    this.#invVar = new Float64Array(n * a);
    for (let k = 0; k < n * a; k++) this.#invVar[k] = Math.exp(-2 * (ws.logStd[k] as number));
  }

  /** out = (F + damping·I) v. v, out: (numParams). */
  apply(v: ArrayLike<number>, out: Float64Array): Float64Array {
    const { policy, n, ws } = this;
    const a = policy.actionSize;
    policy.jvp(v, n, this.#dMean, this.#dLogStd, ws);
    // diag(1/σ², 2)/n in output space.
    for (let k = 0; k < n * a; k++) {
      this.#dMean[k] = ((this.#dMean[k] as number) * (this.#invVar[k] as number)) / n;
      this.#dLogStd[k] = (2 * (this.#dLogStd[k] as number)) / n;
    }
    out.fill(0);
    policy.backward(this.#dMean, this.#dLogStd, n, out, ws);
    for (let i = 0; i < out.length; i++)
      out[i] = (out[i] as number) + this.damping * (v[i] as number);
    this.count += 1;
    return out;
  }
}

/** One-shot F v + damping·v on normalised observations (n, obsSize). */
export function fisherVectorProduct(
  policy: GaussianPolicy,
  obs: ArrayLike<number>,
  n: number,
  v: ArrayLike<number>,
  damping: number,
  out = new Float64Array(policy.numParams),
): Float64Array {
  return new FisherOperator(policy, obs, n, damping).apply(v, out);
}

// ───────────────────────────── conjugate gradient ─────────────────────────────

export interface CgResult {
  /** Approximate solution of A x = b. */
  readonly x: Float64Array;
  readonly iterations: number;
  /** Final squared residual ‖b − A x‖² (as tracked by the recurrence). */
  readonly residual: number;
}

/**
 * Conjugate gradient (Hestenes & Stiefel 1952) for symmetric positive-definite A given only as
 * `mvp(v, out)` (out = A v). Starts at x = 0; stops after `iters` or when rᵀr < residualTol.
 * Pure: touches only its own arrays.
 */
export function conjugateGradient(
  mvp: (v: Float64Array, out: Float64Array) => void,
  b: ArrayLike<number>,
  iters: number,
  residualTol = 1e-10,
): CgResult {
  const n = b.length;
  const x = new Float64Array(n);
  const r = Float64Array.from(b);
  const p = Float64Array.from(b);
  const ap = new Float64Array(n);
  let rr = dot(r, r);
  let k = 0;
  for (; k < iters && rr >= residualTol; k++) {
    mvp(p, ap);
    const alpha = rr / dot(p, ap);
    for (let i = 0; i < n; i++) {
      x[i] = (x[i] as number) + alpha * (p[i] as number);
      r[i] = (r[i] as number) - alpha * (ap[i] as number);
    }
    const rrNew = dot(r, r);
    const beta = rrNew / rr;
    for (let i = 0; i < n; i++) p[i] = (r[i] as number) + beta * (p[i] as number);
    rr = rrNew;
  }
  return { x, iterations: k, residual: rr };
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/**
 * Largest step along x that keeps the quadratic KL model at δ: ½ (βx)ᵀF(βx) = δ ⇒
 * β = sqrt(2δ / xᵀFx) (Schulman et al. 2015, appendix C).
 */
export function maxStepLength(xFx: number, targetKl: number): number {
  if (!(xFx > 0))
    throw new Error(`maxStepLength: xᵀFx must be positive, got ${xFx} (is the Fisher damped?)`);
  return Math.sqrt((2 * targetKl) / xFx);
}

// ───────────────────────────── line search ─────────────────────────────

export interface LineSearchResult {
  readonly accepted: boolean;
  /** Trials evaluated (1 … maxBacktracks). */
  readonly steps: number;
  /** Fraction of the full step taken (0 if rejected). */
  readonly stepFraction: number;
  /** KL and surrogate at the final parameters (the old ones if rejected). */
  readonly kl: number;
  readonly surrogate: number;
}

/**
 * Backtracking line search: try θ = θ0 + f·step for f = 1, c, c², … (maxSteps trials). Accept the
 * first with KL ≤ δ and surrogate > surrogateBefore (sb3-contrib TRPO). Writes the accepted θ into
 * `params`; if none is accepted, restores θ0 there.
 * `evaluate(params)` returns the mean KL(π_θ0‖π_θ) and the surrogate at `params`.
 */
export function backtrackingLineSearch(
  params: Float32Array,
  step: ArrayLike<number>,
  evaluate: (params: Float32Array) => { kl: number; surrogate: number },
  surrogateBefore: number,
  targetKl: number,
  factor: number,
  maxSteps: number,
): LineSearchResult {
  const theta0 = Float32Array.from(params);
  let f = 1;
  for (let trial = 1; trial <= maxSteps; trial++) {
    for (let i = 0; i < params.length; i++)
      params[i] = (theta0[i] as number) + f * (step[i] as number);
    const { kl, surrogate } = evaluate(params);
    if (kl <= targetKl && surrogate > surrogateBefore)
      return { accepted: true, steps: trial, stepFraction: f, kl, surrogate };
    f *= factor;
  }
  params.set(theta0);
  return { accepted: false, steps: maxSteps, stepFraction: 0, kl: 0, surrogate: surrogateBefore };
}

// ───────────────────────────── Fisher subsample ─────────────────────────────

/**
 * Rows of a random subsample of about fraction·n rows, drawn without replacement from `rng` and
 * returned in increasing order. The TRPO paper (§6) estimates the Fisher on a subsample; sb3-contrib
 * takes every k-th row of a SHUFFLED rollout (sub_sampling_factor), i.e. a uniform random subset.
 * Rows of a time-major rollout are (step, env): a fixed stride would pick the same environments
 * every time, so the subset must be random. A partial Fisher–Yates shuffle: m draws of `rng.int`.
 */
export function fisherSubsample(n: number, fraction: number, rng: Random): Uint32Array {
  if (!(fraction > 0 && fraction <= 1))
    throw new Error(`fisherSubsample: fraction must be in (0, 1], got ${fraction}`);
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (fraction >= 1) return idx;
  const m = Math.min(n, Math.max(1, Math.ceil(fraction * n)));
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    const t = idx[i] as number;
    idx[i] = idx[j] as number;
    idx[j] = t;
  }
  return idx.subarray(0, m).sort();
}

/** Copy rows `rows` of a row-major (n, d) array into a new (rows.length, d) array. */
export function gatherRows(
  data: ArrayLike<number>,
  d: number,
  rows: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(rows.length * d);
  for (let r = 0; r < rows.length; r++) {
    const src = (rows[r] as number) * d;
    for (let j = 0; j < d; j++) out[r * d + j] = data[src + j] as number;
  }
  return out;
}
