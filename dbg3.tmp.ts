import { mlpForward, mlpLayout, MlpWorkspace, mlpVjp } from './src/policy/mlp.js';
const shape = { inputSize: 64, hiddenSizes: [], outputSize: 64, activation: 'tanh' as const };
const layout = mlpLayout(shape); const p = new Float32Array(layout.size).map(()=>Math.random());
const n=4096, k=64, m=64; const x = new Float64Array(n*64).map(()=>Math.random()); const ws = new MlpWorkspace(shape, n);
const y=new Float64Array(n*m);
function mmR4(x: Float64Array, w: Float32Array, y: Float64Array) {
  let r=0;
  for (;r+3<n;r+=4){ const a=r*k,b=a+k,c=b+k,d=c+k; for(let o=0;o<m;o++){ let z0=0,z1=0,z2=0,z3=0; const wo=o*k; for(let i=0;i<k;i++){ const wi=w[wo+i]!; z0+=wi*x[a+i]!; z1+=wi*x[b+i]!; z2+=wi*x[c+i]!; z3+=wi*x[d+i]!;} y[r*m+o]=z0; y[(r+1)*m+o]=z1; y[(r+2)*m+o]=z2; y[(r+3)*m+o]=z3; } }
}
const g = new Float64Array(n*64).fill(0.1); const grad = new Float64Array(layout.size);
for (let k2=0;k2<8;k2++){ let t=performance.now(); mlpForward(layout,'tanh',p,x,n,ws); const a=performance.now()-t; t=performance.now(); mmR4(x,p,y); const b=performance.now()-t; t=performance.now(); mlpVjp(layout,'tanh',p,g,n,ws,grad,0); const c=performance.now()-t; console.log('lib', a.toFixed(1), 'micro', b.toFixed(1), 'vjp', c.toFixed(1)); }
