import { mlpForward, mlpLayout, MlpWorkspace } from './src/policy/mlp.js';
const shape = { inputSize: 64, hiddenSizes: [], outputSize: 64, activation: 'tanh' as const };
const layout = mlpLayout(shape); const p = new Float32Array(layout.size).map(()=>Math.random());
const n=4096; const x = new Float64Array(n*64).map(()=>Math.random()); const ws = new MlpWorkspace(shape, n);
for (let k=0;k<6;k++){ const t=performance.now(); mlpForward(layout,'tanh',p,x,n,ws); console.log('linear 64x64 x4096', (performance.now()-t).toFixed(1)); }
const shape2 = { inputSize: 64, hiddenSizes: [64], outputSize: 1, activation: 'tanh' as const };
const layout2 = mlpLayout(shape2); const p2 = new Float32Array(layout2.size).map(()=>Math.random()); const ws2 = new MlpWorkspace(shape2, n);
for (let k=0;k<6;k++){ const t=performance.now(); mlpForward(layout2,'tanh',p2,x,n,ws2); console.log('64-64-1 x4096', (performance.now()-t).toFixed(1)); }
