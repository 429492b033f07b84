/**
 * Gradient definitions for the tfjs kernels the reference implementation uses.
 *
 * Why this file exists: `@tensorflow/tfjs-core`'s Node entry (dist/tf-core.node.js) ships the ops
 * but NOT their gradients; those live in `dist/register_all_gradients.js`, an ES module with
 * extensionless and directory imports that Node's ESM loader refuses (ERR_UNSUPPORTED_DIR_IMPORT).
 * The full `@tensorflow/tfjs` bundle registers them, but it is not a dependency of torquepilot. So
 * we register the few we need, written from the calculus below, and only where no gradient is
 * registered yet (so loading `@tensorflow/tfjs` or tfjs-node first takes precedence).
 *
 * Every gradient is itself written with differentiable ops from this list, so second derivatives
 * (double backprop, for the reference Fisher-vector product) work too. Tested through
 * test/nn/mlpKernels.test.ts (tfjs gradients vs the plain-TS and wasm kernels) and
 * test/learn/fisher.test.ts (the double-backprop Fisher-vector product).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';

/** Sum dy over the axes that broadcasting expanded, back to `shape`. */
function unbroadcast(dy: Tensor, shape: number[]): Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, dy.shape);
  const reduced = axes.length > 0 ? tf.sum(dy, axes) : dy;
  return tf.reshape(reduced, shape);
}

const zeroGrad = (kernelName: string, inputs: string[]): GradConfig => ({
  kernelName,
  inputsToSave: inputs,
  gradFunc: (_dy, saved) =>
    Object.fromEntries(
      inputs.map((name, i) => [name, () => tf.zeros((saved[i] as Tensor).shape, 'float32')]),
    ),
});

function axesOf(attrs: NamedAttrMap, x: Tensor): number[] {
  return tf.util.parseAxisParam(attrs['axis'] as number | number[], x.shape);
}

/** dy of a reduction, reshaped with the reduced axes kept as 1 and broadcast back to x's shape. */
function expandReduced(dy: Tensor, x: Tensor, axes: number[]): Tensor {
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return tf.mul(tf.reshape(dy, kept), tf.onesLike(x));
}

const GRADIENTS: GradConfig[] = [
  {
    kernelName: 'Add',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(dy as Tensor, (a as Tensor).shape),
      b: () => unbroadcast(dy as Tensor, (b as Tensor).shape),
    }),
  },
  {
    kernelName: 'Sub',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(dy as Tensor, (a as Tensor).shape),
      b: () => unbroadcast(tf.neg(dy as Tensor), (b as Tensor).shape),
    }),
  },
  {
    kernelName: 'Multiply',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(tf.mul(dy as Tensor, b as Tensor), (a as Tensor).shape),
      b: () => unbroadcast(tf.mul(dy as Tensor, a as Tensor), (b as Tensor).shape),
    }),
  },
  {
    kernelName: 'RealDiv',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(tf.div(dy as Tensor, b as Tensor), (a as Tensor).shape),
      b: () =>
        unbroadcast(
          tf.neg(tf.div(tf.mul(dy as Tensor, a as Tensor), tf.square(b as Tensor))),
          (b as Tensor).shape,
        ),
    }),
  },
  {
    // C = op(A) op(B) for rank-2 operands (the only use here).
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b], attrs) => {
      const g = dy as Tensor;
      const A = a as Tensor;
      const B = b as Tensor;
      if (A.rank !== 2 || B.rank !== 2)
        throw new Error(
          `tfjsGradients: BatchMatMul gradient implemented for rank 2 only, got ranks ${A.rank}, ${B.rank}`,
        );
      const tA = attrs['transposeA'] === true;
      const tB = attrs['transposeB'] === true;
      const mm = (x: Tensor, y: Tensor, tx: boolean, ty: boolean): Tensor =>
        tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, tx, ty);
      if (!tA && !tB) return { a: () => mm(g, B, false, true), b: () => mm(A, g, true, false) };
      if (!tA && tB) return { a: () => mm(g, B, false, false), b: () => mm(g, A, true, false) };
      if (tA && !tB) return { a: () => mm(B, g, false, true), b: () => mm(A, g, false, false) };
      return { a: () => mm(B, g, true, true), b: () => mm(g, A, true, true) };
    },
  },
  {
    // Recomputed from the input (not the saved output) so that second derivatives see x.
    kernelName: 'Tanh',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({
      x: () => tf.mul(dy as Tensor, tf.sub(1, tf.square(tf.tanh(x as Tensor)))),
    }),
  },
  {
    kernelName: 'Exp',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as Tensor, tf.exp(x as Tensor)) }),
  },
  {
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({
      x: () => tf.mul(dy as Tensor, tf.cast(tf.greater(x as Tensor, 0), 'float32')),
    }),
  },
  { kernelName: 'Neg', gradFunc: (dy) => ({ x: () => tf.neg(dy as Tensor) }) },
  {
    kernelName: 'Square',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as Tensor, tf.mul(2, x as Tensor)) }),
  },
  {
    kernelName: 'Reshape',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.reshape(dy as Tensor, (x as Tensor).shape) }),
  },
  {
    kernelName: 'Sum',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => expandReduced(dy as Tensor, x as Tensor, axesOf(attrs, x as Tensor)),
    }),
  },
  {
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const axes = axesOf(attrs, x as Tensor);
      const count = axes.reduce((p, ax) => p * ((x as Tensor).shape[ax] as number), 1);
      return { x: () => tf.div(expandReduced(dy as Tensor, x as Tensor, axes), count) };
    },
  },
  {
    kernelName: 'Slice',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const xs = (x as Tensor).shape;
      const ds = (dy as Tensor).shape;
      const beginAttr = attrs['begin'] as number | number[];
      const begin = xs.map((_, i) =>
        Array.isArray(beginAttr) ? (beginAttr[i] ?? 0) : i === 0 ? beginAttr : 0,
      );
      const pads = xs.map(
        (d, i) =>
          [begin[i] as number, d - (begin[i] as number) - (ds[i] as number)] as [number, number],
      );
      return { x: () => tf.pad(dy as Tensor, pads) };
    },
  },
  {
    kernelName: 'PadV2',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const paddings = attrs['paddings'] as Array<[number, number]>;
      return {
        x: () =>
          tf.slice(
            dy as Tensor,
            paddings.map((p) => p[0]),
            (x as Tensor).shape,
          ),
      };
    },
  },
  {
    // Pass-through inside [min, max], zero outside (the derivative of the clamp).
    kernelName: 'ClipByValue',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const lo = attrs['clipValueMin'] as number;
      const hi = attrs['clipValueMax'] as number;
      const inside = tf.logicalAnd(tf.greaterEqual(x as Tensor, lo), tf.lessEqual(x as Tensor, hi));
      return { x: () => tf.mul(dy as Tensor, tf.cast(inside, 'float32')) };
    },
  },
  {
    kernelName: 'Cast',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({
      x: () =>
        (x as Tensor).dtype === 'bool'
          ? tf.zeros((x as Tensor).shape, 'float32')
          : tf.clone(dy as Tensor),
    }),
  },
  zeroGrad('GreaterEqual', ['a', 'b']),
  zeroGrad('Greater', ['a', 'b']),
  zeroGrad('LessEqual', ['a', 'b']),
  zeroGrad('LogicalAnd', ['a', 'b']),
  zeroGrad('OnesLike', ['x']),
  zeroGrad('ZerosLike', ['x']),
];

let registered = false;

/** Register the gradients above where tfjs has none yet. Idempotent. */
export function registerReferenceGradients(): void {
  if (registered) return;
  registered = true;
  for (const g of GRADIENTS) if (!tf.getGradient(g.kernelName)) tf.registerGradient(g);
}

registerReferenceGradients();
