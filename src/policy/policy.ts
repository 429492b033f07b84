/**
 * The Gaussian policy π_θ(a|s) = N(μ_θ(s), diag(σ_θ²)): an MLP mean, a learned log-std vector
 * (or, optionally, a state-dependent log-std head sharing the MLP's hidden layers), clamped to
 * [logStdMin, logStdMax], and a running observation normaliser that is part of its state.
 * Sampling and scoring go through its `distribution` (diagGaussian.ts).
 *
 * All parameters live in ONE flat Float32Array (`params`), so TRPO works on flat vectors and
 * checkpoints and the plain-TS forward pass read the same numbers. Layout: the MLP (src/nn, names
 * `mean.layers.<l>.weight|bias`), then, for a state-independent std, `logStd` (actionSize).
 * With `stateDependentStd`, the MLP's output layer has 2·actionSize rows: [μ; log σ].
 *
 * The log-std bounds. A clamp has zero derivative outside its range, so a free log-std that an
 * update pushed past a bound would get zero gradient and zero Fisher there and stay stuck. The
 * free log-std is therefore kept INSIDE the bounds by projection: `projectParameters()` after
 * every update step (projected gradient descent), and at construction and import. The forward
 * clamp then only acts on trial points (a line search evaluates θ + step before projecting, and
 * clamp(θ) = project(θ) for these coordinates, so what it evaluates is what it keeps). A
 * state-dependent log-std head keeps the plain clamp (SB3/SAC behaviour): no single parameter
 * can be projected there.
 *
 * Observations passed to `forward`/`sample`/`logProb` are NORMALISED (see `normalizeObs`); the
 * real-time `PolicyForward` (forward.ts) takes raw observations.
 */
import type { Random } from '../util/index.js';
import { DiagGaussian } from './diagGaussian.js';
import {
  type Activation,
  type MlpLayout,
  type MlpShape,
  MlpWorkspace,
  initOrthogonal,
  mlpForward,
  mlpJvp,
  mlpLayout,
  mlpVjp,
} from '../nn/index.js';
import { type NormalizerState, RunningNormalizer } from './normalizer.js';

export interface GaussianPolicyOptions {
  /** Observation length. */
  readonly obsSize: number;
  /** Action length (one torque per actuated joint). */
  readonly actionSize: number;
  /** Hidden layer widths of the mean MLP (SB3 MlpPolicy default [64, 64]). */
  readonly hiddenSizes: readonly number[];
  /** Hidden activation (SB3 default for on-policy algorithms: tanh). */
  readonly activation: Activation;
  /** Initial log σ (SB3 log_std_init = 0, i.e. σ = 1). */
  readonly logStdInit: number;
  /** Lower clamp of log σ (SAC/SB3 LOG_STD_MIN = −20). */
  readonly logStdMin: number;
  /** Upper clamp of log σ (SAC/SB3 LOG_STD_MAX = 2). */
  readonly logStdMax: number;
  /** log σ from a linear head on the last hidden layer instead of a free vector. */
  readonly stateDependentStd: boolean;
  /** Orthogonal-init gain of hidden layers (OpenAI baselines / SB3: sqrt 2). */
  readonly hiddenGain: number;
  /** Orthogonal-init gain of the mean output layer (SB3: 0.01, so initial actions are near 0). */
  readonly outputGain: number;
  /** Keep running mean/variance of observations and normalise with them (SB3 VecNormalize). */
  readonly normalizeObs: boolean;
  /** Clip of normalised observations (SB3 VecNormalize clip_obs = 10). */
  readonly obsClip: number;
}

export const GAUSSIAN_POLICY_DEFAULTS: Readonly<
  Omit<GaussianPolicyOptions, 'obsSize' | 'actionSize'>
> = Object.freeze({
  hiddenSizes: Object.freeze([64, 64]),
  activation: 'tanh',
  logStdInit: 0,
  logStdMin: -20,
  logStdMax: 2,
  stateDependentStd: false,
  hiddenGain: Math.SQRT2,
  outputGain: 0.01,
  normalizeObs: true,
  obsClip: 10,
});

/** A named parameter array, as written to and read from checkpoints. */
export interface NamedParameter {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Everything that defines a network's numbers: named weights and (for the policy) the normaliser. */
export interface ExportedParameters {
  readonly parameters: Readonly<Record<string, NamedParameter>>;
  readonly normalizer?: NormalizerState;
}

/** Named copies of an MLP's layer weights and biases (checkpoint names and order). */
export function exportLayerParameters(
  layout: MlpLayout,
  params: Float32Array,
): Record<string, NamedParameter> {
  const parameters: Record<string, NamedParameter> = {};
  for (const l of layout.layers) {
    parameters[l.weightName] = {
      shape: [l.outSize, l.inSize],
      data: params.slice(l.weightOffset, l.biasOffset),
    };
    parameters[l.biasName] = {
      shape: [l.outSize],
      data: params.slice(l.biasOffset, l.biasOffset + l.outSize),
    };
  }
  return parameters;
}

/** Scratch for one batched pass; create one per concurrent use (e.g. CG subsample vs. line search). */
export class PolicyWorkspace {
  readonly mlp: MlpWorkspace;
  /** Means of the last forward. Shape: (capacity, actionSize). */
  mean = new Float64Array(0);
  /** Clamped log σ of the last forward. Shape: (capacity, actionSize), rows equal if state-independent. */
  logStd = new Float64Array(0);
  /** 1 where log σ is inside its clamp range (gradient flows), 0 where clamped. Shape as logStd. */
  logStdMask = new Float64Array(0);
  /** Output cotangent / tangent scratch. Shape: (capacity, mlp outputSize). */
  scratch = new Float64Array(0);
  capacity = 0;
  readonly #actionSize: number;

  constructor(shape: MlpShape, actionSize: number, capacity = 1) {
    this.mlp = new MlpWorkspace(shape, capacity);
    this.#actionSize = actionSize;
    this.ensure(capacity);
  }

  ensure(n: number): void {
    this.mlp.ensure(n);
    if (n <= this.capacity) return;
    const a = this.#actionSize;
    this.mean = new Float64Array(n * a);
    this.logStd = new Float64Array(n * a);
    this.logStdMask = new Float64Array(n * a);
    this.scratch = new Float64Array(n * this.mlp.shape.outputSize);
    this.capacity = n;
  }
}

export class GaussianPolicy {
  readonly options: Readonly<GaussianPolicyOptions>;
  readonly obsSize: number;
  readonly actionSize: number;
  readonly mlpShape: MlpShape;
  readonly layout: MlpLayout;
  /** Offset of the free log-std vector in `params` (−1 when state-dependent). */
  readonly logStdOffset: number;
  /** All actor parameters. Shape: (numParams). */
  readonly params: Float32Array;
  readonly normalizer: RunningNormalizer;
  readonly workspace: PolicyWorkspace;
  /** The action distribution N(μ, diag(σ²)) of dimension actionSize. */
  readonly distribution: DiagGaussian;
  /** The log-std bounds as float32 values inside [logStdMin, logStdMax] (what projection writes). */
  readonly #logStdLo: number;
  readonly #logStdHi: number;

  constructor(
    options: Partial<GaussianPolicyOptions> & Pick<GaussianPolicyOptions, 'obsSize' | 'actionSize'>,
    rng: Random,
  ) {
    const o: GaussianPolicyOptions = { ...GAUSSIAN_POLICY_DEFAULTS, ...options };
    if (!(o.logStdMin < o.logStdMax)) {
      throw new Error(
        `GaussianPolicy: logStdMin ${o.logStdMin} must be < logStdMax ${o.logStdMax}`,
      );
    }
    this.options = Object.freeze({ ...o, hiddenSizes: Object.freeze([...o.hiddenSizes]) });
    this.obsSize = o.obsSize;
    this.actionSize = o.actionSize;
    this.mlpShape = {
      inputSize: o.obsSize,
      hiddenSizes: this.options.hiddenSizes,
      outputSize: o.stateDependentStd ? 2 * o.actionSize : o.actionSize,
      activation: o.activation,
    };
    this.layout = mlpLayout(this.mlpShape, 'mean.layers');
    this.logStdOffset = o.stateDependentStd ? -1 : this.layout.size;
    this.params = new Float32Array(this.layout.size + (o.stateDependentStd ? 0 : o.actionSize));
    initOrthogonal(this.layout, this.params, rng, o.hiddenGain, o.outputGain);
    if (o.stateDependentStd) {
      const out = this.layout.layers[this.layout.layers.length - 1];
      if (out)
        this.params.fill(
          o.logStdInit,
          out.biasOffset + o.actionSize,
          out.biasOffset + 2 * o.actionSize,
        );
    } else {
      this.params.fill(o.logStdInit, this.logStdOffset);
    }
    this.normalizer = new RunningNormalizer(o.obsSize, { clip: o.obsClip });
    this.workspace = new PolicyWorkspace(this.mlpShape, o.actionSize);
    this.distribution = new DiagGaussian(o.actionSize);
    this.#logStdLo = float32AtLeast(o.logStdMin);
    this.#logStdHi = float32AtMost(o.logStdMax);
    this.projectParameters();
  }

  get numParams(): number {
    return this.params.length;
  }

  /**
   * Project the free log-std of `params` into [logStdMin, logStdMax] in place; returns how many
   * entries moved. Call after every update step of the parameters (see the file comment): an
   * entry at a bound keeps a non-zero gradient and Fisher, so the next step can bring it back.
   * No-op with a state-dependent log-std.
   */
  projectParameters(params: Float32Array = this.params): number {
    if (this.logStdOffset < 0) return 0;
    const lo = this.#logStdLo;
    const hi = this.#logStdHi;
    let moved = 0;
    for (let j = this.logStdOffset; j < this.logStdOffset + this.actionSize; j++) {
      const v = params[j] as number;
      if (v > hi) params[j] = hi;
      else if (v < lo) params[j] = lo;
      else continue;
      moved += 1;
    }
    return moved;
  }

  /** Normalise raw observations (n, obsSize) into `out` with the current statistics (a copy when disabled). */
  normalizeObs(raw: ArrayLike<number>, out: Float32Array | Float64Array, n = 1): void {
    if (this.options.normalizeObs) this.normalizer.normalize(raw, out, n);
    else for (let i = 0; i < n * this.obsSize; i++) out[i] = raw[i] as number;
  }

  /** Merge raw observations (n, obsSize) into the running statistics (no-op when disabled). */
  updateNormalizer(raw: ArrayLike<number>, n: number): void {
    if (this.options.normalizeObs) this.normalizer.update(raw, n);
  }

  /** A fresh workspace for this policy's shape. */
  createWorkspace(capacity = 1): PolicyWorkspace {
    return new PolicyWorkspace(this.mlpShape, this.actionSize, capacity);
  }

  /**
   * Batched forward on normalised observations (n, obsSize): fills ws.mean and ws.logStd
   * (n, actionSize) and caches activations for `backward` / `jvp`.
   */
  forward(
    obs: ArrayLike<number>,
    n: number,
    ws: PolicyWorkspace = this.workspace,
    params: Float32Array = this.params,
  ): PolicyWorkspace {
    ws.ensure(n);
    const out = mlpForward(this.layout, this.mlpShape.activation, params, obs, n, ws.mlp);
    const a = this.actionSize;
    const { logStdMin: lo, logStdMax: hi } = this.options;
    const width = this.mlpShape.outputSize;
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < a; j++) {
        ws.mean[r * a + j] = out[r * width + j] as number;
        const raw =
          this.logStdOffset < 0
            ? (out[r * width + a + j] as number)
            : (params[this.logStdOffset + j] as number);
        ws.logStd[r * a + j] = raw < lo ? lo : raw > hi ? hi : raw;
        ws.logStdMask[r * a + j] = raw < lo || raw > hi ? 0 : 1;
      }
    }
    return ws;
  }

  /**
   * Backward at the last `forward` of `ws`: ADD Σ_r (gMean_r · ∂μ_r/∂θ + gLogStd_r · ∂log σ_r/∂θ)
   * into `grad` (numParams). gMean, gLogStd: shape (n, actionSize).
   */
  backward(
    gMean: ArrayLike<number>,
    gLogStd: ArrayLike<number>,
    n: number,
    grad: Float64Array,
    ws: PolicyWorkspace = this.workspace,
    params: Float32Array = this.params,
  ): void {
    const a = this.actionSize;
    const width = this.mlpShape.outputSize;
    const g = ws.scratch;
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < a; j++) {
        g[r * width + j] = gMean[r * a + j] as number;
        if (this.logStdOffset < 0)
          g[r * width + a + j] =
            (gLogStd[r * a + j] as number) * (ws.logStdMask[r * a + j] as number);
      }
    }
    mlpVjp(this.layout, this.mlpShape.activation, params, g, n, ws.mlp, grad, 0);
    if (this.logStdOffset >= 0) {
      for (let j = 0; j < a; j++) {
        let s = 0;
        for (let r = 0; r < n; r++)
          s += (gLogStd[r * a + j] as number) * (ws.logStdMask[r * a + j] as number);
        grad[this.logStdOffset + j] = (grad[this.logStdOffset + j] as number) + s;
      }
    }
  }

  /**
   * Forward tangent at the last `forward` of `ws` along parameter direction v (numParams):
   * writes dμ into outMean and d log σ into outLogStd, both (n, actionSize).
   */
  jvp(
    v: ArrayLike<number>,
    n: number,
    outMean: Float64Array,
    outLogStd: Float64Array,
    ws: PolicyWorkspace = this.workspace,
    params: Float32Array = this.params,
  ): void {
    const t = mlpJvp(this.layout, this.mlpShape.activation, params, v, 0, n, ws.mlp);
    const a = this.actionSize;
    const width = this.mlpShape.outputSize;
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < a; j++) {
        outMean[r * a + j] = t[r * width + j] as number;
        const d =
          this.logStdOffset < 0
            ? (t[r * width + a + j] as number)
            : (v[this.logStdOffset + j] as number);
        outLogStd[r * a + j] = d * (ws.logStdMask[r * a + j] as number);
      }
    }
  }

  /**
   * Sample actions for n normalised observations: a = μ + σ ε, ε ~ N(0, I) from `rng`.
   * Writes actions (n, actionSize), and, if given, log π(a|s) (n) and the means (n, actionSize).
   */
  sample(
    obs: ArrayLike<number>,
    n: number,
    rng: Random,
    outActions: Float32Array | Float64Array,
    outLogProb?: Float32Array | Float64Array,
    ws: PolicyWorkspace = this.workspace,
  ): void {
    this.forward(obs, n, ws);
    this.distribution.sampleBatch(ws.mean, ws.logStd, n, rng, outActions, outLogProb);
  }

  /** Deterministic action: the mean μ(s), shape (n, actionSize), for normalised observations. */
  meanAction(
    obs: ArrayLike<number>,
    n: number,
    out: Float32Array | Float64Array,
    ws: PolicyWorkspace = this.workspace,
  ): void {
    this.forward(obs, n, ws);
    for (let k = 0; k < n * this.actionSize; k++) out[k] = ws.mean[k] as number;
  }

  /** log π(a|s) for n (normalised obs, action) pairs into out (n). */
  logProb(
    obs: ArrayLike<number>,
    actions: ArrayLike<number>,
    n: number,
    out: Float32Array | Float64Array,
    ws: PolicyWorkspace = this.workspace,
    params: Float32Array = this.params,
  ): void {
    this.forward(obs, n, ws, params);
    this.distribution.logProbBatch(actions, ws.mean, ws.logStd, n, out);
  }

  /** Mean entropy over n normalised observations (constant in s for a state-independent σ). */
  entropy(obs: ArrayLike<number>, n: number, ws: PolicyWorkspace = this.workspace): number {
    this.forward(obs, n, ws);
    return this.distribution.meanEntropy(ws.logStd, n);
  }

  /** Named copies of the parameters (checkpoint order) and the normaliser state. */
  exportParameters(): ExportedParameters {
    const parameters = exportLayerParameters(this.layout, this.params);
    if (this.logStdOffset >= 0) {
      parameters['logStd'] = {
        shape: [this.actionSize],
        data: this.params.slice(this.logStdOffset),
      };
    }
    return { parameters, normalizer: this.normalizer.getState() };
  }

  /** Load parameters exported by `exportParameters` (same architecture); throws naming a missing or mis-shaped entry. */
  importParameters(exported: ExportedParameters): void {
    const put = (name: string, offset: number, shape: readonly number[]): void => {
      const p = exported.parameters[name];
      const size = shape.reduce((x, y) => x * y, 1);
      if (!p)
        throw new Error(
          `GaussianPolicy.importParameters: missing parameter '${name}' (shape [${shape}])`,
        );
      if (p.data.length !== size || p.shape.join(',') !== shape.join(',')) {
        throw new Error(
          `GaussianPolicy.importParameters: '${name}' has shape [${p.shape}] (${p.data.length} values), expected [${shape}]`,
        );
      }
      this.params.set(p.data, offset);
    };
    for (const l of this.layout.layers) {
      put(l.weightName, l.weightOffset, [l.outSize, l.inSize]);
      put(l.biasName, l.biasOffset, [l.outSize]);
    }
    if (this.logStdOffset >= 0) put('logStd', this.logStdOffset, [this.actionSize]);
    if (exported.normalizer) this.normalizer.setState(exported.normalizer);
    this.projectParameters();
  }
}

const f32 = new Float32Array(1);
const f32Bits = new Int32Array(f32.buffer);

/**
 * The largest float32 ≤ x. A bound such as 0.3 rounds UP to float32, and a parameter stored there
 * would sit just outside the clamp range (zero gradient again).
 */
function float32AtMost(x: number): number {
  f32[0] = x;
  const v = f32[0] as number;
  if (v <= x) return v;
  if (v === 0) return -(2 ** -149); // x is a tiny negative number: the largest float32 below 0
  // One ulp towards −∞: for a positive float the bit pattern decreases, for a negative one it grows.
  f32Bits[0] = (f32Bits[0] as number) + (v > 0 ? -1 : 1);
  return f32[0] as number;
}

/** The smallest float32 ≥ x. */
function float32AtLeast(x: number): number {
  return -float32AtMost(-x);
}
