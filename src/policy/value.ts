/**
 * The value network V_φ(s): a separate MLP (no weights shared with the actor, as SB3's default
 * on-policy MlpPolicy), orthogonal init with output gain 1. Inputs are NORMALISED observations
 * (the policy's normaliser), parameters ONE flat Float32Array like the actor's.
 */
import type { Random } from '../util/index.js';
import {
  type Activation,
  type MlpLayout,
  type MlpShape,
  MlpWorkspace,
  initOrthogonal,
  mlpForward,
  mlpLayout,
  mlpVjp,
} from '../nn/index.js';
import { exportLayerParameters } from './policy.js';
import type { ExportedParameters } from './policy.js';

export interface ValueNetworkOptions {
  /** Observation length. */
  readonly obsSize: number;
  /** Hidden widths (SB3 MlpPolicy default vf=[64, 64]). */
  readonly hiddenSizes: readonly number[];
  /** Hidden activation (SB3 on-policy default: tanh). */
  readonly activation: Activation;
  /** Orthogonal gain of hidden layers (sqrt 2, OpenAI baselines / SB3). */
  readonly hiddenGain: number;
  /** Orthogonal gain of the output layer (1 for the value head, SB3). */
  readonly outputGain: number;
}

export const VALUE_NETWORK_DEFAULTS: Readonly<Omit<ValueNetworkOptions, 'obsSize'>> = Object.freeze(
  {
    hiddenSizes: Object.freeze([64, 64]),
    activation: 'tanh',
    hiddenGain: Math.SQRT2,
    outputGain: 1,
  },
);

export class ValueNetwork {
  readonly options: Readonly<ValueNetworkOptions>;
  readonly shape: MlpShape;
  readonly layout: MlpLayout;
  /** All value parameters. Shape: (numParams). */
  readonly params: Float32Array;
  readonly workspace: MlpWorkspace;

  constructor(
    options: Partial<ValueNetworkOptions> & Pick<ValueNetworkOptions, 'obsSize'>,
    rng: Random,
  ) {
    const o: ValueNetworkOptions = { ...VALUE_NETWORK_DEFAULTS, ...options };
    this.options = Object.freeze({ ...o, hiddenSizes: Object.freeze([...o.hiddenSizes]) });
    this.shape = {
      inputSize: o.obsSize,
      hiddenSizes: this.options.hiddenSizes,
      outputSize: 1,
      activation: o.activation,
    };
    this.layout = mlpLayout(this.shape, 'value.layers');
    this.params = new Float32Array(this.layout.size);
    initOrthogonal(this.layout, this.params, rng, o.hiddenGain, o.outputGain);
    this.workspace = new MlpWorkspace(this.shape);
  }

  get numParams(): number {
    return this.params.length;
  }

  createWorkspace(capacity = 1): MlpWorkspace {
    return new MlpWorkspace(this.shape, capacity);
  }

  /** V(s) for n normalised observations (n, obsSize). Returns ws.output; first n entries valid. */
  forward(
    obs: ArrayLike<number>,
    n: number,
    ws: MlpWorkspace = this.workspace,
    params: Float32Array = this.params,
  ): Float64Array {
    return mlpForward(this.layout, this.shape.activation, params, obs, n, ws);
  }

  /** Copy V(s) for n normalised observations into out (n). */
  predict(
    obs: ArrayLike<number>,
    n: number,
    out: Float32Array | Float64Array,
    ws: MlpWorkspace = this.workspace,
  ): void {
    const v = this.forward(obs, n, ws);
    for (let r = 0; r < n; r++) out[r] = v[r] as number;
  }

  /** ADD Σ_r gValue_r ∂V(s_r)/∂φ into grad (numParams), at the last forward of ws. */
  backward(
    gValue: ArrayLike<number>,
    n: number,
    grad: Float64Array,
    ws: MlpWorkspace = this.workspace,
  ): void {
    mlpVjp(this.layout, this.shape.activation, this.params, gValue, n, ws, grad, 0);
  }

  exportParameters(): ExportedParameters {
    return { parameters: exportLayerParameters(this.layout, this.params) };
  }

  importParameters(exported: ExportedParameters): void {
    for (const l of this.layout.layers) {
      for (const [name, offset, shape] of [
        [l.weightName, l.weightOffset, [l.outSize, l.inSize]],
        [l.biasName, l.biasOffset, [l.outSize]],
      ] as const) {
        const p = exported.parameters[name];
        const size = shape.reduce((x: number, y: number) => x * y, 1);
        if (!p)
          throw new Error(
            `ValueNetwork.importParameters: missing parameter '${name}' (shape [${shape}])`,
          );
        if (p.data.length !== size) {
          throw new Error(
            `ValueNetwork.importParameters: '${name}' has ${p.data.length} values, expected shape [${shape}]`,
          );
        }
        this.params.set(p.data, offset);
      }
    }
  }
}
