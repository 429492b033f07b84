/**
 * The WebAssembly SIMD MLP kernels (src/kernels) against the plain-TS kernels (src/policy/mlp.ts),
 * tfjs autodiff, finite differences and Math.tanh, on random networks including layer sizes and
 * batch sizes that are not multiples of 4 (the kernels' register blocks) or of 2 (the SIMD lanes).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  type KernelMode,
  WasmMlpKernels,
  kernelMode,
  kernelModule,
  setKernelMode,
} from '../../src/kernels/wasmMlp.js';
import { MLP_WASM_BASE64 } from '../../src/kernels/mlpWasmBytes.js';
import {
  type MlpShape,
  MlpWorkspace,
  WASM_MIN_ROWS,
  initOrthogonal,
  mlpForward,
  mlpJvp,
  mlpLayout,
  mlpVjp,
} from '../../src/policy/mlp.js';
import { mlpForwardTf } from '../../src/policy/tfjsReference.js';
import { FisherOperator } from '../../src/learn/naturalGradient.js';
import { Random } from '../../src/util/random.js';
import { randomPolicy, relativeMaxError, useCpuBackend } from '../learn/helpers.js';

before(useCpuBackend);

const SHAPES: MlpShape[] = [
  { inputSize: 5, hiddenSizes: [7, 9], outputSize: 3, activation: 'tanh' },
  { inputSize: 20, hiddenSizes: [64, 64], outputSize: 7, activation: 'tanh' },
  { inputSize: 3, hiddenSizes: [1], outputSize: 1, activation: 'tanh' },
  { inputSize: 11, hiddenSizes: [13, 5, 6], outputSize: 2, activation: 'relu' },
];
// 601 rows span three 256-row chunks of the wasm passes, the last one not a multiple of 4.
const ROWS = [2, 3, 16, 19, 37, 130, 601];

/** Run `fn` with the kernel mode set to `mode`, restoring the previous mode. */
function withMode<T>(mode: KernelMode, fn: () => T): T {
  const before = kernelMode();
  setKernelMode(mode);
  try {
    return fn();
  } finally {
    setKernelMode(before);
  }
}

function randomNet(shape: MlpShape, seed: number) {
  const rng = new Random(seed);
  const layout = mlpLayout(shape);
  const params = new Float32Array(layout.size);
  initOrthogonal(layout, params, rng, Math.SQRT2, 1);
  for (let i = 0; i < params.length; i++) params[i] = (params[i] as number) + 0.2 * rng.normal();
  return { layout, params, rng };
}

/** Forward, JVP and VJP (into a gradient pre-filled with 1s) of one workspace. */
function runAll(
  shape: MlpShape,
  ws: MlpWorkspace,
  params: Float32Array,
  x: Float64Array,
  v: Float64Array,
  g: Float64Array,
  n: number,
) {
  const layout = mlpLayout(shape);
  const out = n * shape.outputSize;
  const y = mlpForward(layout, shape.activation, params, x, n, ws).slice(0, out);
  const t = mlpJvp(layout, shape.activation, params, v, 0, n, ws).slice(0, out);
  const grad = new Float64Array(layout.size).fill(1);
  mlpVjp(layout, shape.activation, params, g, n, ws, grad, 0);
  return { y, t, grad };
}

describe('wasm MLP kernels', () => {
  test('the module loads and uses WebAssembly SIMD', () => {
    assert.ok(kernelModule(), 'this Node should support WebAssembly SIMD');
  });

  test('tanh agrees with Math.tanh to 3 ulp (sign of zero, tiny, large and infinite inputs)', () => {
    const k = new WasmMlpKernels([1, 1]);
    const xs = [0, -0, 1e-300, -1e-20, 1e-9, 0.1733, 0.3466, 0.3467, 1, 19.1, 20, 700, Infinity];
    for (let i = -4000; i <= 4000; i++) xs.push(i * 0.00537);
    for (let i = 1; i < 800; i++) xs.push(-Math.exp(-i * 0.05));
    const t = k.tanh(xs);
    for (let i = 0; i < xs.length; i++) {
      const ref = Math.tanh(xs[i] as number);
      const ulp = Math.max(Math.abs(ref) * 2 ** -52, 5e-324);
      const err = Math.abs((t[i] as number) - ref) / ulp;
      assert.ok(err <= 3, `tanh(${xs[i]}) = ${t[i]}, Math.tanh ${ref} (${err} ulp)`);
    }
    assert.ok(Object.is(t[1], -0), 'tanh(-0) must be -0');
    assert.ok(Number.isNaN(k.tanh([NaN])[0] as number), 'tanh(NaN) must be NaN');
  });

  for (const [s, shape] of SHAPES.entries()) {
    const name = `${shape.inputSize}-${shape.hiddenSizes.join('-')}-${shape.outputSize} ${shape.activation}`;
    test(`forward, JVP and VJP equal the plain-TS kernels to 1e-12 (${name})`, () => {
      const { params, rng } = randomNet(shape, 10 + s);
      const P = mlpLayout(shape).size;
      for (const n of ROWS) {
        const x = new Float64Array(n * shape.inputSize).map(() => 2 * rng.normal());
        const v = new Float64Array(P).map(() => rng.normal());
        const g = new Float64Array(n * shape.outputSize).map(() => rng.normal());
        const js = runAll(shape, new MlpWorkspace(shape, 1, 'js'), params, x, v, g, n);
        const wsW = new MlpWorkspace(shape, 1, 'wasm');
        const wasm = runAll(shape, wsW, params, x, v, g, n);
        assert.ok(wsW.kernels, 'a wasm workspace with ≥ WASM_MIN_ROWS rows runs the kernels');
        assert.ok(n >= WASM_MIN_ROWS);
        for (const key of ['y', 't', 'grad'] as const) {
          const e = relativeMaxError(wasm[key], js[key]);
          assert.ok(e < 1e-12, `${key} at n=${n}: relative error ${e}`);
        }
      }
    });

    test(`forward and VJP equal tfjs (float32) to float tolerance (${name})`, () => {
      const { layout, params, rng } = randomNet(shape, 20 + s);
      const n = 37;
      const x = new Float32Array(n * shape.inputSize).map(() => rng.normal());
      const g = new Float64Array(n * shape.outputSize).map(() => rng.normal());
      const ws = new MlpWorkspace(shape, 1, 'wasm');
      const y = mlpForward(layout, shape.activation, params, x, n, ws).slice(0, g.length);
      const grad = new Float64Array(layout.size);
      mlpVjp(layout, shape.activation, params, g, n, ws, grad, 0);
      const [yRef, gradRef] = tf.tidy(() => {
        const xt = tf.tensor2d(x, [n, shape.inputSize]);
        const gt = tf.tensor2d(Float32Array.from(g), [n, shape.outputSize]);
        const f = (p: tf.Tensor) =>
          tf.sum(tf.mul(mlpForwardTf(layout, shape.activation, p as tf.Tensor1D, xt), gt));
        return [
          mlpForwardTf(layout, shape.activation, tf.tensor1d(params), xt).dataSync(),
          tf.grad(f)(tf.tensor1d(params)).dataSync(),
        ];
      });
      assert.ok(relativeMaxError(y, yRef) < 1e-5, `forward ${relativeMaxError(y, yRef)}`);
      assert.ok(relativeMaxError(grad, gradRef) < 1e-4, `VJP ${relativeMaxError(grad, gradRef)}`);
    });

    test(`JVP equals a central finite difference of the forward (${name})`, () => {
      const { layout, params, rng } = randomNet(shape, 30 + s);
      const n = 19;
      const x = new Float64Array(n * shape.inputSize).map(() => rng.normal());
      const v = new Float64Array(layout.size).map(() => rng.normal());
      const ws = new MlpWorkspace(shape, 1, 'wasm');
      mlpForward(layout, shape.activation, params, x, n, ws);
      // A plain-array direction takes the loader's element-wise path (Float64Array: memcpy).
      const t = mlpJvp(layout, shape.activation, params, Array.from(v), 0, n, ws).slice(
        0,
        n * shape.outputSize,
      );
      // Perturb in float64 through a Float64Array "params" (the kernels read any ArrayLike).
      const h = 1e-6;
      const plus = Float64Array.from(params, (p, i) => p + h * (v[i] as number));
      const minus = Float64Array.from(params, (p, i) => p - h * (v[i] as number));
      const yp = mlpForward(layout, shape.activation, plus as unknown as Float32Array, x, n, ws);
      const ypCopy = yp.slice(0, t.length);
      const ym = mlpForward(layout, shape.activation, minus as unknown as Float32Array, x, n, ws);
      const fd = ypCopy.map((a, i) => (a - (ym[i] as number)) / (2 * h));
      assert.ok(relativeMaxError(t, fd) < 1e-7, `JVP vs FD ${relativeMaxError(t, fd)}`);
    });
  }

  test('growing a workspace remakes its views; small batches fall back to the TS kernels', () => {
    const shape = SHAPES[1] as MlpShape;
    const { layout, params, rng } = randomNet(shape, 40);
    const ws = new MlpWorkspace(shape, 1, 'wasm');
    const js = new MlpWorkspace(shape, 1, 'js');
    assert.equal(ws.kernels, null, 'no wasm memory for batch-1 workspaces');
    for (const n of [WASM_MIN_ROWS - 1, 20, 5000, 3, 21]) {
      const x = new Float64Array(n * shape.inputSize).map(() => rng.normal());
      const a = mlpForward(layout, shape.activation, params, x, n, ws).slice(0, n * 7);
      const b = mlpForward(layout, shape.activation, params, x, n, js).slice(0, n * 7);
      assert.ok(relativeMaxError(a, b) < 1e-12, `n=${n}: ${relativeMaxError(a, b)}`);
      assert.equal(ws.acts[0]?.length, ws.capacity * shape.inputSize);
    }
  });

  test('Fisher-vector products agree between kernel paths and F stays symmetric', () => {
    const policy = randomPolicy({ obsSize: 6, actionSize: 3, hiddenSizes: [17, 9] }, 7);
    const rng = new Random(8);
    const n = 45;
    const obs = new Float32Array(n * 6).map(() => rng.normal());
    const P = policy.numParams;
    const wsWasm = withMode('wasm', () => policy.createWorkspace(1));
    const wsJs = withMode('js', () => policy.createWorkspace(1));
    const opW = new FisherOperator(policy, obs, n, 0.1, wsWasm);
    const jsOp = new FisherOperator(policy, obs, n, 0.1, wsJs);
    assert.ok(wsWasm.mlp.kernels && !wsJs.mlp.kernels);
    const cols: Float64Array[] = [];
    for (let p = 0; p < P; p += 7) {
      const e = new Float64Array(P);
      e[p] = 1;
      const a = opW.apply(e, new Float64Array(P));
      const b = jsOp.apply(e, new Float64Array(P));
      assert.ok(relativeMaxError(a, b) < 1e-12, `column ${p}: ${relativeMaxError(a, b)}`);
      cols.push(a);
    }
    const idx = [...Array(cols.length).keys()].map((k) => k * 7);
    for (const [i, p] of idx.entries())
      for (const [j, q] of idx.entries())
        assert.ok(Math.abs((cols[i]![q] as number) - (cols[j]![p] as number)) < 1e-9);
  });

  test('TORQUEPILOT_KERNELS=js forces the TS kernels; other values are an error', () => {
    const code =
      "import('./src/kernels/wasmMlp.ts').then((m) => console.log(m.kernelMode())).catch((e) => console.log('ERR ' + e.message))";
    const run = (value: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', '-e', code], {
        env: { ...process.env, TORQUEPILOT_KERNELS: value },
        encoding: 'utf8',
      }).stdout.trim();
    assert.equal(run('js'), 'js');
    assert.equal(run('wasm'), 'wasm');
    assert.match(run('fast'), /^ERR TORQUEPILOT_KERNELS must be 'js' or 'wasm', got 'fast'/);
  });

  test('the committed .wasm and its base64 copy are what the C source builds to (needs clang)', (t) => {
    const committed = readFileSync('src/kernels/mlp.wasm');
    assert.deepEqual(Buffer.from(MLP_WASM_BASE64, 'base64'), committed);
    const clang = spawnSync('clang', ['--version']);
    const lld = spawnSync('wasm-ld', ['--version']);
    if (clang.status !== 0 || lld.status !== 0) {
      t.skip('clang/wasm-ld not installed');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'torquepilot-kernels-'));
    try {
      const out = join(dir, 'mlp.wasm');
      execFileSync('bash', ['scripts/build-kernels.sh', out], { stdio: 'pipe' });
      assert.deepEqual(readFileSync(out), committed, 'rebuild with scripts/build-kernels.sh');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
