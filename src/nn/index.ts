/**
 * Public API of src/nn: multilayer perceptrons stored as ONE flat Float32Array, with batched
 * kernels in two interchangeable sets, plain TypeScript and WebAssembly SIMD (float64, equal up to
 * summation order; tfjs is the reference they are tested against, in src/policy).
 *
 * - `mlpLayout(shape)`: where each layer's weights (out, in) and biases (out) sit in the flat
 *   vector; `initOrthogonal` fills it (Saxe et al. 2014, as SB3 does).
 * - `MlpWorkspace`: scratch for batched passes (activations, tangents, cotangents), grown once.
 * - `mlpForward` (caches activations), `mlpJvp` (forward tangent along a parameter direction),
 *   `mlpVjp` (adds the parameter gradient of gOut·output): all on rows of shape (n, features).
 * - `kernelMode` / `setKernelMode`: which kernel set new workspaces use ('wasm' when WebAssembly
 *   SIMD is available, else 'js'; TORQUEPILOT_KERNELS=js forces plain TS).
 *
 * This room imports only src/util; src/policy builds the Gaussian policy and value network on it.
 */
export { mlpLayout, initOrthogonal, randomOrthogonal } from './mlpLayout.js';
export type { Activation, MlpShape, MlpLayout, LayerLayout } from './mlpLayout.js';
export { MlpWorkspace, WASM_MIN_ROWS, mlpForward, mlpJvp, mlpVjp } from './mlpKernels.js';
export { WasmMlpKernels, kernelMode, setKernelMode } from './wasmMlp.js';
export type { BatchArrayKind, KernelMode } from './wasmMlp.js';
