import { ValueNetwork } from './src/policy/index.js';
import { fitValueFunction, Adam } from './src/learn/index.js';
import { mlpForward, mlpVjp } from './src/policy/mlp.js';
import { Random } from './src/util/random.js';
const rng = new Random(1);
const v = new ValueNetwork({ obsSize: 4 }, rng);
const n = 2048; const obs = new Float32Array(n*4).map(()=>rng.normal()); const ret = new Float32Array(n).map(()=>rng.normal());
const opt = new Adam(v.numParams);
for (let k=0;k<3;k++){ const t=performance.now(); fitValueFunction(v, opt, obs, ret, n, rng); console.log('fit', (performance.now()-t).toFixed(0)); }
const ws = v.createWorkspace(128); const x = new Float64Array(128*4).map(()=>rng.normal()); const g = new Float64Array(128).fill(1); const grad = new Float64Array(v.numParams);
for (let k=0;k<3;k++){ let t=performance.now(); for(let i=0;i<160;i++) mlpForward(v.layout, 'tanh', v.params, x, 128, ws); const f=performance.now()-t; t=performance.now(); for(let i=0;i<160;i++) mlpVjp(v.layout,'tanh',v.params,g,128,ws,grad,0); console.log('fwd', f.toFixed(0), 'vjp', (performance.now()-t).toFixed(0)); }
