/**
 * The layout of a multilayer perceptron stored as ONE flat Float32Array, and its initialisation.
 *
 * Layout (row-major, PyTorch order): for layer l, `W_l` of shape (out_l, in_l) followed by `b_l`
 * of shape (out_l). Hidden layers apply the activation; the output layer is linear. The kernels
 * that run this layout are in mlpKernels.ts (plain TS) and wasmMlp.ts (WebAssembly SIMD).
 */
import type { Random } from '../util/index.js';

export type Activation = 'tanh' | 'relu';

/** The architecture of an MLP. */
export interface MlpShape {
  readonly inputSize: number;
  readonly hiddenSizes: readonly number[];
  readonly outputSize: number;
  readonly activation: Activation;
}

/** Where one layer's weights and bias sit in the flat parameter vector. */
export interface LayerLayout {
  /** Parameter names as in a state dict: `layers.<l>.weight`, `layers.<l>.bias`. */
  readonly weightName: string;
  readonly biasName: string;
  readonly inSize: number;
  readonly outSize: number;
  readonly weightOffset: number;
  readonly biasOffset: number;
}

export interface MlpLayout {
  readonly layers: readonly LayerLayout[];
  /** Total number of parameters. */
  readonly size: number;
}

/** Compute the layout of an MLP's flat parameter vector, starting at `offset`. */
export function mlpLayout(shape: MlpShape, prefix = 'layers', offset = 0): MlpLayout {
  const sizes = [shape.inputSize, ...shape.hiddenSizes, shape.outputSize];
  for (const s of sizes) {
    if (!Number.isInteger(s) || s <= 0) {
      throw new Error(`mlpLayout: every layer size must be a positive integer, got [${sizes}]`);
    }
  }
  const layers: LayerLayout[] = [];
  let at = offset;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inSize = sizes[l] as number;
    const outSize = sizes[l + 1] as number;
    layers.push({
      weightName: `${prefix}.${l}.weight`,
      biasName: `${prefix}.${l}.bias`,
      inSize,
      outSize,
      weightOffset: at,
      biasOffset: at + inSize * outSize,
    });
    at += inSize * outSize + outSize;
  }
  return { layers, size: at - offset };
}

/**
 * Orthogonal initialisation (Saxe et al. 2014), as in OpenAI baselines and SB3: each weight matrix
 * is a random orthogonal matrix times `gain`, biases are zero. Gains: sqrt(2) for hidden layers,
 * `outputGain` for the last (0.01 for a policy mean, 1 for a value).
 */
export function initOrthogonal(
  layout: MlpLayout,
  params: Float32Array,
  rng: Random,
  hiddenGain: number,
  outputGain: number,
): void {
  layout.layers.forEach((layer, l) => {
    const gain = l === layout.layers.length - 1 ? outputGain : hiddenGain;
    const q = randomOrthogonal(layer.outSize, layer.inSize, rng);
    for (let i = 0; i < q.length; i++) params[layer.weightOffset + i] = gain * (q[i] as number);
    params.fill(0, layer.biasOffset, layer.biasOffset + layer.outSize);
  });
}

/**
 * A (rows, cols) matrix, row-major, whose rows (if rows ≤ cols) or columns (otherwise) are
 * orthonormal: modified Gram–Schmidt on Gaussian vectors, i.e. the Q of a QR decomposition.
 */
export function randomOrthogonal(rows: number, cols: number, rng: Random): Float64Array {
  const k = Math.min(rows, cols);
  const len = Math.max(rows, cols);
  const vecs = new Float64Array(k * len);
  for (let v = 0; v < k; v++) {
    for (;;) {
      for (let j = 0; j < len; j++) vecs[v * len + j] = rng.normal();
      for (let u = 0; u < v; u++) {
        let dot = 0;
        for (let j = 0; j < len; j++)
          dot += (vecs[v * len + j] as number) * (vecs[u * len + j] as number);
        for (let j = 0; j < len; j++)
          vecs[v * len + j] = (vecs[v * len + j] as number) - dot * (vecs[u * len + j] as number);
      }
      let norm = 0;
      for (let j = 0; j < len; j++) norm += (vecs[v * len + j] as number) ** 2;
      norm = Math.sqrt(norm);
      if (norm < 1e-6) continue; // degenerate draw: try again
      for (let j = 0; j < len; j++) vecs[v * len + j] = (vecs[v * len + j] as number) / norm;
      break;
    }
  }
  if (rows <= cols) return vecs;
  // Orthonormal columns: transpose the (cols, rows) set of vectors.
  const out = new Float64Array(rows * cols);
  for (let c = 0; c < cols; c++)
    for (let r = 0; r < rows; r++) out[r * cols + c] = vecs[c * rows + r] as number;
  return out;
}
