/**
 * Batched kernels over an MLP in the flat layout of mlpLayout.ts: forward (caching activations), a
 * forward tangent (Jacobian-vector product, JVP) and a backward pass (vector-Jacobian product,
 * VJP), and the workspace they run on.
 *
 * These kernels are the fast path for rollouts, Fisher-vector products and value fitting. A
 * workspace created in 'wasm' kernel mode (the default when WebAssembly SIMD is available; see
 * wasmMlp.ts, TORQUEPILOT_KERNELS=js forces plain TS) keeps its arrays in a wasm memory and runs
 * batches of at least WASM_MIN_ROWS rows through the float64 SIMD kernels of mlp.c instead; both
 * paths give the same numbers up to summation order. The reference implementation is tfjs
 * (`mlpForwardTf` in src/policy); test/nn/mlpKernels.test.ts checks that both paths agree with it
 * on random networks and inputs.
 */
import type { Activation, LayerLayout, MlpLayout, MlpShape } from './mlpLayout.js';
import { type BatchArrayKind, type KernelMode, WasmMlpKernels, kernelMode } from './wasmMlp.js';

/**
 * Scratch for batched passes: the input and every layer's post-activation output, for up to
 * `capacity` rows. Allocated once and grown on demand (never per call once large enough).
 */
export class MlpWorkspace {
  readonly shape: MlpShape;
  /** Kernel path chosen at construction. */
  readonly mode: KernelMode;
  /** The wasm side (its memory holds acts/tangents/cotangents), or null (plain TS / not yet grown). */
  kernels: WasmMlpKernels | null = null;
  capacity = 0;
  /** acts[0] = input (capacity, inputSize); acts[l+1] = output of layer l. Float64. */
  acts: Float64Array[] = [];
  /** Tangent (JVP) or cotangent (VJP) scratch per layer, same shapes as `acts`. */
  tangents: Float64Array[] = [];
  cotangents: Float64Array[] = [];

  constructor(shape: MlpShape, capacity = 1, mode: KernelMode = kernelMode()) {
    this.shape = shape;
    this.mode = mode;
    this.ensure(capacity);
  }

  /**
   * Make room for `n` rows (reallocates only when n exceeds the current capacity). A 'wasm'
   * workspace creates its wasm memory on the first growth to WASM_MIN_ROWS rows or more, so
   * batch-1 workspaces cost no wasm memory.
   */
  ensure(n: number): void {
    if (n <= this.capacity) return;
    const sizes = [this.shape.inputSize, ...this.shape.hiddenSizes, this.shape.outputSize];
    if (this.mode === 'wasm' && n >= WASM_MIN_ROWS) this.kernels ??= new WasmMlpKernels(sizes);
    const k = this.kernels;
    k?.ensure(n);
    // Views into the wasm memory (growing it detached the old ones), or plain arrays.
    const arrays = (kind: BatchArrayKind): Float64Array[] =>
      sizes.map((s, l) => (k ? k.view(kind, l) : new Float64Array(n * s)));
    this.acts = arrays('acts');
    this.tangents = arrays('tangents');
    this.cotangents = arrays('cotangents');
    this.capacity = n;
  }

  /** The cached network output of the last forward pass. Shape: (capacity, outputSize). */
  get output(): Float64Array {
    return this.acts[this.acts.length - 1] as Float64Array;
  }
}

/** Hidden activation applied to a pre-activation z (identity for the output layer). */
function activate(z: number, hidden: boolean, tanh: boolean): number {
  return hidden ? (tanh ? Math.tanh(z) : z > 0 ? z : 0) : z;
}

/** Derivative of the activation, written in terms of its output h (tanh' = 1 − h², relu' = [h>0]). */
function activationSlope(activation: Activation, h: number): number {
  return activation === 'tanh' ? 1 - h * h : h > 0 ? 1 : 0;
}

/**
 * Single rows run the plain-TS kernels even in a wasm workspace, so that batch-1 workspaces (every
 * network's default one) never allocate a wasm memory. From 2 rows up the wasm kernels are faster
 * (64-64 forward, measured: 2 rows 6.3 µs vs 18 µs in TS, 8 rows 8.6 µs vs 33 µs).
 */
export const WASM_MIN_ROWS = 2;

// The kernels below process rows in blocks of 4 so that every weight loaded from memory is used
// four times (about 3× faster than row-at-a-time loops in V8, measured in bench/learn.ts), with a
// row-at-a-time loop for the remainder.

/**
 * Batched forward pass. Copies `input` (n, inputSize) into the workspace, caches activations and
 * leaves the output in `ws.output` (n, outputSize).
 */
export function mlpForward(
  layout: MlpLayout,
  activation: Activation,
  params: Float32Array,
  input: ArrayLike<number>,
  n: number,
  ws: MlpWorkspace,
): Float64Array {
  ws.ensure(n);
  const x0 = ws.acts[0] as Float64Array;
  const inLen = n * (layout.layers[0] as LayerLayout).inSize;
  for (let i = 0; i < inLen; i++) x0[i] = input[i] as number;
  if (ws.kernels && n >= WASM_MIN_ROWS) {
    ws.kernels.loadParams(layout, params, true);
    ws.kernels.forward(n, activation);
    return ws.output;
  }
  const last = layout.layers.length - 1;
  const tanh = activation === 'tanh';
  for (let l = 0; l <= last; l++) {
    const {
      inSize: K,
      outSize: M,
      weightOffset: wo,
      biasOffset: bo,
    } = layout.layers[l] as LayerLayout;
    const x = ws.acts[l] as Float64Array;
    const y = ws.acts[l + 1] as Float64Array;
    const hidden = l < last;
    let r = 0;
    for (; r + 3 < n; r += 4) {
      const a0 = r * K;
      const a1 = a0 + K;
      const a2 = a1 + K;
      const a3 = a2 + K;
      const yo = r * M;
      for (let o = 0; o < M; o++) {
        const b = params[bo + o] as number;
        let z0 = b;
        let z1 = b;
        let z2 = b;
        let z3 = b;
        const w = wo + o * K;
        for (let i = 0; i < K; i++) {
          const wi = params[w + i] as number;
          z0 += wi * (x[a0 + i] as number);
          z1 += wi * (x[a1 + i] as number);
          z2 += wi * (x[a2 + i] as number);
          z3 += wi * (x[a3 + i] as number);
        }
        y[yo + o] = activate(z0, hidden, tanh);
        y[yo + M + o] = activate(z1, hidden, tanh);
        y[yo + 2 * M + o] = activate(z2, hidden, tanh);
        y[yo + 3 * M + o] = activate(z3, hidden, tanh);
      }
    }
    for (; r < n; r++) {
      const xo = r * K;
      const yo = r * M;
      for (let o = 0; o < M; o++) {
        let z = params[bo + o] as number;
        const w = wo + o * K;
        for (let i = 0; i < K; i++) z += (params[w + i] as number) * (x[xo + i] as number);
        y[yo + o] = activate(z, hidden, tanh);
      }
    }
  }
  return ws.output;
}

/**
 * Forward tangent (JVP) at the activations cached by the last `mlpForward`: the directional
 * derivative of the output along the parameter direction `v` (same layout as the parameters, read
 * from `vOffset`). Result in `ws.tangents[last + 1]`, shape (n, outputSize).
 *   dz_l = dh_{l-1} W_lᵀ + h_{l-1} dW_lᵀ + db_l,   dh_l = act'(z_l) ⊙ dz_l,   dh_0 = 0.
 */
export function mlpJvp(
  layout: MlpLayout,
  activation: Activation,
  params: Float32Array,
  v: ArrayLike<number>,
  vOffset: number,
  n: number,
  ws: MlpWorkspace,
): Float64Array {
  const last = layout.layers.length - 1;
  if (ws.kernels && n >= WASM_MIN_ROWS) {
    ws.kernels.loadParams(layout, params, true);
    ws.kernels.loadDirection(layout, v, vOffset);
    ws.kernels.jvp(n, activation);
    return ws.tangents[last + 1] as Float64Array;
  }
  const base = layout.layers[0]?.weightOffset ?? 0;
  for (let l = 0; l <= last; l++) {
    const { inSize: K, outSize: M, weightOffset, biasOffset } = layout.layers[l] as LayerLayout;
    const vwo = weightOffset - base + vOffset;
    const vbo = biasOffset - base + vOffset;
    const x = ws.acts[l] as Float64Array;
    const dx = ws.tangents[l] as Float64Array;
    const y = ws.acts[l + 1] as Float64Array;
    const dy = ws.tangents[l + 1] as Float64Array;
    const hidden = l < last;
    const first = l === 0;
    let r = 0;
    for (; r + 3 < n; r += 4) {
      const a0 = r * K;
      const a1 = a0 + K;
      const a2 = a1 + K;
      const a3 = a2 + K;
      const yo = r * M;
      for (let o = 0; o < M; o++) {
        const db = v[vbo + o] as number;
        let z0 = db;
        let z1 = db;
        let z2 = db;
        let z3 = db;
        const w = weightOffset + o * K;
        const vw = vwo + o * K;
        if (first) {
          for (let i = 0; i < K; i++) {
            const vi = v[vw + i] as number;
            z0 += vi * (x[a0 + i] as number);
            z1 += vi * (x[a1 + i] as number);
            z2 += vi * (x[a2 + i] as number);
            z3 += vi * (x[a3 + i] as number);
          }
        } else {
          for (let i = 0; i < K; i++) {
            const wi = params[w + i] as number;
            const vi = v[vw + i] as number;
            z0 += wi * (dx[a0 + i] as number) + vi * (x[a0 + i] as number);
            z1 += wi * (dx[a1 + i] as number) + vi * (x[a1 + i] as number);
            z2 += wi * (dx[a2 + i] as number) + vi * (x[a2 + i] as number);
            z3 += wi * (dx[a3 + i] as number) + vi * (x[a3 + i] as number);
          }
        }
        if (hidden) {
          z0 *= activationSlope(activation, y[yo + o] as number);
          z1 *= activationSlope(activation, y[yo + M + o] as number);
          z2 *= activationSlope(activation, y[yo + 2 * M + o] as number);
          z3 *= activationSlope(activation, y[yo + 3 * M + o] as number);
        }
        dy[yo + o] = z0;
        dy[yo + M + o] = z1;
        dy[yo + 2 * M + o] = z2;
        dy[yo + 3 * M + o] = z3;
      }
    }
    for (; r < n; r++) {
      const xo = r * K;
      const yo = r * M;
      for (let o = 0; o < M; o++) {
        let dz = v[vbo + o] as number;
        const w = weightOffset + o * K;
        const vw = vwo + o * K;
        if (first) {
          for (let i = 0; i < K; i++) dz += (v[vw + i] as number) * (x[xo + i] as number);
        } else {
          for (let i = 0; i < K; i++) {
            dz +=
              (params[w + i] as number) * (dx[xo + i] as number) +
              (v[vw + i] as number) * (x[xo + i] as number);
          }
        }
        dy[yo + o] = hidden ? activationSlope(activation, y[yo + o] as number) * dz : dz;
      }
    }
  }
  return ws.tangents[last + 1] as Float64Array;
}

/**
 * Backward pass (VJP) at the activations cached by the last `mlpForward`: given the cotangent of
 * the output `gOut` (n, outputSize), ADD Σ_rows ∂(gOut·output)/∂θ into `grad` at `gradOffset`
 * (same layout as the parameters). Leaves the input cotangent (n, inputSize) in ws.cotangents[0]
 * only for layers above the first (the input cotangent itself is not computed).
 */
export function mlpVjp(
  layout: MlpLayout,
  activation: Activation,
  params: Float32Array,
  gOut: ArrayLike<number>,
  n: number,
  ws: MlpWorkspace,
  grad: Float64Array,
  gradOffset: number,
): void {
  const last = layout.layers.length - 1;
  const base = layout.layers[0]?.weightOffset ?? 0;
  const gLast = ws.cotangents[last + 1] as Float64Array;
  const outLen = n * (layout.layers[last] as LayerLayout).outSize;
  for (let i = 0; i < outLen; i++) gLast[i] = gOut[i] as number;
  if (ws.kernels && n >= WASM_MIN_ROWS) {
    ws.kernels.loadParams(layout, params, false);
    ws.kernels.vjp(n, activation);
    ws.kernels.addGradientInto(grad, gradOffset);
    return;
  }
  for (let l = last; l >= 0; l--) {
    const { inSize: K, outSize: M, weightOffset, biasOffset } = layout.layers[l] as LayerLayout;
    const gwo = weightOffset - base + gradOffset;
    const gbo = biasOffset - base + gradOffset;
    const x = ws.acts[l] as Float64Array;
    const gy = ws.cotangents[l + 1] as Float64Array;
    const gx = ws.cotangents[l] as Float64Array;
    const needInput = l > 0;
    if (needInput) gx.fill(0, 0, n * K);
    let r = 0;
    for (; r + 3 < n; r += 4) {
      const a0 = r * K;
      const a1 = a0 + K;
      const a2 = a1 + K;
      const a3 = a2 + K;
      const yo = r * M;
      for (let o = 0; o < M; o++) {
        const g0 = gy[yo + o] as number;
        const g1 = gy[yo + M + o] as number;
        const g2 = gy[yo + 2 * M + o] as number;
        const g3 = gy[yo + 3 * M + o] as number;
        grad[gbo + o] = (grad[gbo + o] as number) + g0 + g1 + g2 + g3;
        const gw = gwo + o * K;
        const w = weightOffset + o * K;
        for (let i = 0; i < K; i++) {
          grad[gw + i] =
            (grad[gw + i] as number) +
            g0 * (x[a0 + i] as number) +
            g1 * (x[a1 + i] as number) +
            g2 * (x[a2 + i] as number) +
            g3 * (x[a3 + i] as number);
        }
        if (needInput) {
          for (let i = 0; i < K; i++) {
            const wi = params[w + i] as number;
            gx[a0 + i] = (gx[a0 + i] as number) + g0 * wi;
            gx[a1 + i] = (gx[a1 + i] as number) + g1 * wi;
            gx[a2 + i] = (gx[a2 + i] as number) + g2 * wi;
            gx[a3 + i] = (gx[a3 + i] as number) + g3 * wi;
          }
        }
      }
    }
    for (; r < n; r++) {
      const xo = r * K;
      const yo = r * M;
      for (let o = 0; o < M; o++) {
        const g = gy[yo + o] as number;
        grad[gbo + o] = (grad[gbo + o] as number) + g;
        const gw = gwo + o * K;
        const w = weightOffset + o * K;
        for (let i = 0; i < K; i++)
          grad[gw + i] = (grad[gw + i] as number) + g * (x[xo + i] as number);
        if (needInput)
          for (let i = 0; i < K; i++)
            gx[xo + i] = (gx[xo + i] as number) + g * (params[w + i] as number);
      }
    }
    if (needInput) {
      // Through the activation of layer l−1: gz = act'(z) ⊙ gh, with act' written in terms of h.
      for (let i = 0; i < n * K; i++)
        gx[i] = activationSlope(activation, x[i] as number) * (gx[i] as number);
    }
  }
}
