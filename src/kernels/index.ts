/** Public API of src/kernels. */
export { WasmMlpKernels, kernelMode, setKernelMode } from './wasmMlp.js';
export type { BatchArrayKind, KernelMode } from './wasmMlp.js';
