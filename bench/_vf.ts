import { setKernelMode } from '../src/kernels/wasmMlp.js';
import { ValueNetwork } from '../src/policy/index.js';
import { Adam } from '../src/learn/adam.js';
import { fitValueFunction } from '../src/learn/critic.js';
import { Random } from '../src/util/random.js';
const rng = new Random(1);
const N = 4096, D = 4;
const obs = new Float32Array(N * D).map(() => rng.normal());
const ret = new Float32Array(N).map(() => rng.normal());
for (const mode of (process.argv[2] ?? 'js,wasm').split(',') as ('js' | 'wasm')[]) {
  setKernelMode(mode);
  const value = new ValueNetwork({ obsSize: D }, new Random(2));
  const adam = new Adam(value.numParams);
  const ts: number[] = [];
  for (let i = 0; i < 8; i++) { const t0 = performance.now(); fitValueFunction(value, adam, obs, ret, N, rng); ts.push(performance.now() - t0); }
  console.log(mode, ts.map((t) => t.toFixed(0)).join(' '));
}
