import { rmSync } from 'node:fs';
import { makeEnv } from '../../sim/index.js';
import { loadCheckpoint, policyFromCheckpoint } from '../../src/policy/checkpoint.js';
import { recordSimulatedEpisodes } from '../../src/replay/recordSimulation.js';
import { runReplay } from '../../src/replay/runReplay.js';
import { evaluatePolicy } from '../../src/train/evaluate.js';
const root = '/tmp/rp/improve2';
rmSync(root, { recursive: true, force: true });
const ck = process.argv[4] ?? '/tmp/rp/run1';
const rec = await recordSimulatedEpisodes(ck, `${root}/bag`, { episodes: Number(process.argv[2] ?? 40), seed: 1, startTimeNs: 0n });
console.log('record', rec.transitions, rec.meanReturn);
const env = await makeEnv('reacher-2dof');
const ev = (p: string) => evaluatePolicy(env, policyFromCheckpoint(loadCheckpoint(p)), { episodes: 20, deterministic: true, seed: 5 }).meanReturn;
console.log('before', ev(ck));
for (const w of ['truncated', 'per-decision', 'self-normalised', 'trajectory'] as const) {
  const s = await runReplay({ bags: [`${root}/bag`], checkpoint: ck, out: `${root}/ck-${w}`, config: { weights: w, iterations: Number(process.argv[3] ?? 5) } });
  console.log(w, 'after', ev(`${root}/ck-${w}`), s.kl, s.iterations.map((i) => [i.accepted, i.surrogateAfter.toFixed(3), i.ess.toFixed(0)]).join(' '));
}
env.close();
