/**
 * Loader and per-workspace state of the WebAssembly SIMD MLP kernels (mlp.c, built by
 * scripts/build-kernels.sh and committed as mlp.wasm + mlpWasmBytes.ts).
 *
 * Each `WasmMlpKernels` owns one module instance with its OWN linear memory, holding the
 * network's parameters (float64, plus a transposed copy of every weight matrix), a parameter
 * direction (for JVPs), a gradient, and the workspace's activation, tangent and cotangent arrays.
 * `MlpWorkspace` (mlpKernels.ts) exposes those arrays as Float64Array views, so the JS code
 * around the kernels reads and writes them without copies. Growing the memory detaches old
 * views, so views are (re)made only in `ensure`, the one place that grows.
 *
 * Kernel choice: `TORQUEPILOT_KERNELS=js` forces the plain-TS kernels; otherwise the wasm kernels
 * are used when the runtime supports WebAssembly SIMD. `setKernelMode` overrides this for new
 * workspaces (tests and benches compare both).
 */
import type { Activation, MlpLayout } from './mlpLayout.js';
import { MLP_WASM_BASE64 } from './mlpWasmBytes.js';

export type KernelMode = 'wasm' | 'js';

/** The three per-layer batch arrays a workspace keeps (see `MlpWorkspace`). */
export type BatchArrayKind = 'acts' | 'tangents' | 'cotangents';

// The project's lib settings (ES2023 + node types) do not declare WebAssembly: type the small part
// used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmGlobal {
  readonly value: unknown;
}
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: object };
  readonly Memory: new (descriptor: { initial: number }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface KernelExports {
  readonly __heap_base: WasmGlobal;
  matmul_acc(x: number, wt: number, b: number, y: number, n: number, k: number, m: number): void;
  weight_grad(gy: number, x: number, gw: number, gb: number, n: number, k: number, m: number): void;
  activate(y: number, len: number, act: number): void;
  activation_slope_mul(g: number, h: number, len: number, act: number): void;
  zero(p: number, len: number): void;
  load_layer_f32(src: number, w: number, wt: number, k: number, m: number): void;
  load_layer_f64_t(src: number, wt: number, k: number, m: number): void;
}

let compiled: object | null | undefined;

/** The compiled kernel module, or null when this runtime lacks WebAssembly SIMD. */
export function kernelModule(): object | null {
  if (compiled !== undefined) return compiled;
  const bytes = Buffer.from(MLP_WASM_BASE64, 'base64');
  compiled = Wasm.validate(bytes) ? new Wasm.Module(bytes) : null;
  return compiled;
}

function defaultMode(): KernelMode {
  const env = process.env['TORQUEPILOT_KERNELS'];
  if (env !== undefined && env !== '' && env !== 'js' && env !== 'wasm') {
    throw new Error(`TORQUEPILOT_KERNELS must be 'js' or 'wasm', got '${env}'`);
  }
  if (env === 'js') return 'js';
  return kernelModule() ? 'wasm' : 'js';
}

let mode: KernelMode | undefined;

/** The kernel path new workspaces use. */
export function kernelMode(): KernelMode {
  mode ??= defaultMode();
  return mode;
}

/** Choose the kernel path for workspaces created from now on ('wasm' throws if unsupported). */
export function setKernelMode(next: KernelMode): void {
  if (next === 'wasm' && !kernelModule()) {
    throw new Error('setKernelMode: this runtime does not support WebAssembly SIMD');
  }
  mode = next;
}

const ACT_CODE: Record<Activation, number> = { tanh: 1, relu: 2 };
const PAGE = 65536;
/**
 * Rows per pass through all layers: a 256-row chunk of a 64-wide layer is 128 KB, so one chunk's
 * activations and tangents stay in a core's L2 cache (1 MB here) between layers, instead of
 * streaming 2 MB arrays per layer at 4096 rows. A multiple of 4 (the kernels' row block).
 */
const CHUNK_ROWS = 256;

/** Byte size rounded up to 16 (one v128). */
const align = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/**
 * The wasm side of one MlpWorkspace. Layer sizes `sizes` = [input, hidden…, output]; parameter
 * regions use the compact layout of `mlpLayout(shape)` at offset 0 (W_l (out,in) then b_l).
 */
export class WasmMlpKernels {
  readonly sizes: readonly number[];
  readonly numParams: number;
  readonly memory: WasmMemory;
  readonly #k: KernelExports;
  readonly #heapBase: number;
  /**
   * Offset (in parameters) of layer l's W_l in the compact layout, b_l following at + K·M; entry
   * L is numParams. Fixed by `sizes`, so computed once rather than re-summed by every pass.
   */
  readonly #layerOffsets: readonly number[];
  /** Byte offsets of: params (row-major W), params with transposed W, direction (transposed W), gradient. */
  readonly pParams: number;
  readonly pParamsT: number;
  readonly pDirT: number;
  readonly pGrad: number;
  /** Staging copies of a float32 parameter vector and a float64 direction (one memcpy each). */
  readonly pStage32: number;
  readonly pStage64: number;
  /** Byte offsets of the per-layer batch arrays (set by ensure). */
  pActs: number[] = [];
  pTangents: number[] = [];
  pCotangents: number[] = [];
  capacity = 0;
  /** Float64 view of the whole memory (remade on growth). */
  f64: Float64Array;

  constructor(sizes: readonly number[]) {
    const module = kernelModule();
    if (!module) throw new Error('WasmMlpKernels: WebAssembly SIMD is not supported here');
    this.sizes = sizes;
    const offsets = [0];
    let np = 0;
    for (let l = 0; l + 1 < sizes.length; l++) {
      np += (sizes[l] as number) * (sizes[l + 1] as number) + (sizes[l + 1] as number);
      offsets.push(np);
    }
    this.#layerOffsets = offsets;
    this.numParams = np;
    this.memory = new Wasm.Memory({ initial: 2 });
    const instance = new Wasm.Instance(module, { env: { memory: this.memory } });
    this.#k = instance.exports as unknown as KernelExports;
    this.#heapBase = align(this.#k.__heap_base.value as number);
    let at = this.#heapBase;
    const region = (): number => {
      const p = at;
      at += align(np * 8);
      return p;
    };
    this.pParams = region();
    this.pParamsT = region();
    this.pDirT = region();
    this.pGrad = region();
    this.pStage32 = region();
    this.pStage64 = region();
    this.#reserve(at);
    this.f64 = new Float64Array(this.memory.buffer);
  }

  #reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE));
  }

  /** Make room for n rows of every batch array. Growing detaches earlier views: remake them. */
  ensure(n: number): void {
    if (n <= this.capacity) return;
    let at = this.pStage64 + align(this.numParams * 8);
    const alloc = (): number[] =>
      this.sizes.map((s) => {
        const p = at;
        at += align(n * s * 8);
        return p;
      });
    this.pActs = alloc();
    this.pTangents = alloc();
    this.pCotangents = alloc();
    this.#reserve(at);
    this.f64 = new Float64Array(this.memory.buffer);
    this.capacity = n;
  }

  /** A Float64Array view of layer array `l` of kind `kind` (capacity rows). */
  view(kind: BatchArrayKind, l: number): Float64Array {
    const p = (
      kind === 'acts' ? this.pActs : kind === 'tangents' ? this.pTangents : this.pCotangents
    )[l] as number;
    return new Float64Array(this.memory.buffer, p, this.capacity * (this.sizes[l] as number));
  }

  /**
   * Copy parameters (float32, at the layout's offsets) into the params region, and, if
   * `transposed`, each W_l transposed (in, out) into the transposed region. Biases go to both.
   */
  loadParams(layout: MlpLayout, params: ArrayLike<number>, transposed: boolean): void {
    const base = layout.layers[0]?.weightOffset ?? 0;
    if (params instanceof Float32Array) {
      // One memcpy of the float32 vector, then widening (and transposing) in wasm.
      new Float32Array(this.memory.buffer, this.pStage32, this.numParams).set(
        params.subarray(base, base + this.numParams),
      );
      for (let l = 0; l + 1 < this.sizes.length; l++) {
        const K = this.sizes[l] as number;
        const M = this.sizes[l + 1] as number;
        const off = this.#layerOffsets[l] as number;
        this.#k.load_layer_f32(
          this.pStage32 + off * 4,
          this.pParams + off * 8,
          transposed ? this.pParamsT + off * 8 : 0,
          K,
          M,
        );
      }
      return;
    }
    const f = this.f64;
    const p0 = this.pParams / 8;
    const t0 = this.pParamsT / 8;
    let at = 0;
    for (const { inSize: K, outSize: M, weightOffset: wo, biasOffset: bo } of layout.layers) {
      for (let o = 0; o < M; o++) {
        for (let i = 0; i < K; i++) {
          const w = params[wo + o * K + i] as number;
          f[p0 + at + o * K + i] = w;
          if (transposed) f[t0 + at + i * M + o] = w;
        }
      }
      at += K * M;
      for (let o = 0; o < M; o++) {
        const b = params[bo + o] as number;
        f[p0 + at + o] = b;
        f[t0 + at + o] = b;
      }
      at += M;
    }
  }

  /** Copy a parameter direction (layout as the parameters, starting at `vOffset`), W transposed. */
  loadDirection(layout: MlpLayout, v: ArrayLike<number>, vOffset: number): void {
    const base = layout.layers[0]?.weightOffset ?? 0;
    if (v instanceof Float64Array) {
      new Float64Array(this.memory.buffer, this.pStage64, this.numParams).set(
        v.subarray(vOffset, vOffset + this.numParams),
      );
      for (let l = 0; l + 1 < this.sizes.length; l++) {
        const off = this.#layerOffsets[l] as number;
        this.#k.load_layer_f64_t(
          this.pStage64 + off * 8,
          this.pDirT + off * 8,
          this.sizes[l] as number,
          this.sizes[l + 1] as number,
        );
      }
      return;
    }
    const f = this.f64;
    const d0 = this.pDirT / 8;
    let at = 0;
    for (const { inSize: K, outSize: M, weightOffset, biasOffset } of layout.layers) {
      const wo = weightOffset - base + vOffset;
      const bo = biasOffset - base + vOffset;
      for (let o = 0; o < M; o++)
        for (let i = 0; i < K; i++) f[d0 + at + i * M + o] = v[wo + o * K + i] as number;
      at += K * M;
      for (let o = 0; o < M; o++) f[d0 + at + o] = v[bo + o] as number;
      at += M;
    }
  }

  /** Byte address of row r0 of layer array l in the region list `base`. */
  #row(base: readonly number[], l: number, r0: number): number {
    return (base[l] as number) + r0 * (this.sizes[l] as number) * 8;
  }

  /** Forward over n rows from acts[0] (loaded params, transposed), CHUNK_ROWS rows at a time. */
  forward(n: number, activation: Activation): void {
    const k = this.#k;
    const last = this.sizes.length - 2;
    for (let r0 = 0; r0 < n; r0 += CHUNK_ROWS) {
      const m = Math.min(CHUNK_ROWS, n - r0);
      for (let l = 0; l <= last; l++) {
        const K = this.sizes[l] as number;
        const M = this.sizes[l + 1] as number;
        const w = this.pParamsT + (this.#layerOffsets[l] as number) * 8;
        const y = this.#row(this.pActs, l + 1, r0);
        k.matmul_acc(this.#row(this.pActs, l, r0), w, w + K * M * 8, y, m, K, M);
        if (l < last) k.activate(y, m * M, ACT_CODE[activation]);
      }
    }
  }

  /** JVP along the loaded direction over n rows (needs forward's activations and transposed params). */
  jvp(n: number, activation: Activation): void {
    const k = this.#k;
    const last = this.sizes.length - 2;
    for (let r0 = 0; r0 < n; r0 += CHUNK_ROWS) {
      const m = Math.min(CHUNK_ROWS, n - r0);
      for (let l = 0; l <= last; l++) {
        const K = this.sizes[l] as number;
        const M = this.sizes[l + 1] as number;
        const at = this.#layerOffsets[l] as number;
        const w = this.pParamsT + at * 8;
        const vw = this.pDirT + at * 8;
        const vb = vw + K * M * 8;
        const x = this.#row(this.pActs, l, r0);
        const dy = this.#row(this.pTangents, l + 1, r0);
        // dz = dx Wᵀ + db, then += x dWᵀ; dx = 0 on the input layer.
        if (l === 0) k.matmul_acc(x, vw, vb, dy, m, K, M);
        else {
          k.matmul_acc(this.#row(this.pTangents, l, r0), w, vb, dy, m, K, M);
          k.matmul_acc(x, vw, 0, dy, m, K, M);
        }
        if (l < last)
          k.activation_slope_mul(dy, this.#row(this.pActs, l + 1, r0), m * M, ACT_CODE[activation]);
      }
    }
  }

  /**
   * VJP from the output cotangent in cotangents[last] over n rows into the zeroed gradient
   * region (compact layout). Uses the row-major params region.
   */
  vjp(n: number, activation: Activation): void {
    const k = this.#k;
    const L = this.sizes.length - 1;
    k.zero(this.pGrad, this.numParams);
    // Chunks are multiples of 4 rows, so weight_grad's 4-row blocks (and its sums) are unchanged.
    for (let r0 = 0; r0 < n; r0 += CHUNK_ROWS) {
      const m = Math.min(CHUNK_ROWS, n - r0);
      for (let l = L - 1; l >= 0; l--) {
        const K = this.sizes[l] as number;
        const M = this.sizes[l + 1] as number;
        const o = (this.#layerOffsets[l] as number) * 8;
        const gy = this.#row(this.pCotangents, l + 1, r0);
        const x = this.#row(this.pActs, l, r0);
        k.weight_grad(gy, x, this.pGrad + o, this.pGrad + o + K * M * 8, m, K, M);
        if (l > 0) {
          const gx = this.#row(this.pCotangents, l, r0);
          k.zero(gx, m * K);
          // gx(m, K) = gy(m, M) · W(M, K): W row-major is the "transposed" operand of this product.
          k.matmul_acc(gy, this.pParams + o, 0, gx, m, M, K);
          k.activation_slope_mul(gx, x, m * K, ACT_CODE[activation]);
        }
      }
    }
  }

  /** Add the gradient region (compact layout) into grad at gradOffset. */
  addGradientInto(grad: Float64Array, gradOffset: number): void {
    const f = this.f64;
    const g0 = this.pGrad / 8;
    for (let i = 0; i < this.numParams; i++)
      grad[gradOffset + i] = (grad[gradOffset + i] as number) + (f[g0 + i] as number);
  }

  /** Test hook: tanh of `x` by the kernel (same code path as hidden layers). */
  tanh(x: ArrayLike<number>): Float64Array {
    this.ensure(Math.ceil(x.length / (this.sizes[0] as number)));
    const v = this.view('acts', 0);
    for (let i = 0; i < x.length; i++) v[i] = x[i] as number;
    this.#k.activate(this.pActs[0] as number, x.length, 1);
    return Float64Array.from(v.subarray(0, x.length));
  }
}
