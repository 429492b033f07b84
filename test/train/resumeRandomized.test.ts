/**
 * Resume with domain randomisation on (`randomize: arm`): a run stopped after two iterations and
 * resumed from its checkpoint ends bit for bit where the uninterrupted run ends. The per-episode
 * model draws, the delay line and the per-step noise all live in each environment's snapshot and
 * its seeded stream (test/train/resume.test.ts checks the CLI path with signals, without it).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { modelsDir } from '../../sim/index.js';
import { resolveTrainConfig } from '../../src/config/index.js';
import type { TrainConfig } from '../../src/config/index.js';
import { loadCheckpoint } from '../../src/policy/checkpoint.js';
import { createProgress } from '../../src/train/progress.js';
import { createRunDir } from '../../src/train/runDir.js';
import { train } from '../../src/train/runner.js';
import { createLogger } from '../../src/util/log.js';

function config(): TrainConfig {
  return resolveTrainConfig({
    modelsDir: modelsDir(),
    cli: {
      task: 'arm7-reach',
      randomize: 'arm',
      totalSteps: 512, // 4 iterations of 2 envs × 64 steps: episodes (150 steps) end mid-rollout
      seed: 7,
      backend: 'cpu',
      env: { numEnvs: 2 },
      trpo: { nSteps: 64, criticBatchSize: 64 },
      policy: { hiddenSizes: [16] },
      value: { hiddenSizes: [16] },
      eval: { every: 0, final: false },
    },
  }).config;
}

async function run(dir: string, resume: boolean, maxIterations?: number): Promise<void> {
  await train({
    config: config(),
    runDir: dir,
    resume,
    logger: createLogger({ level: 'warn', console: 'none' }),
    progress: createProgress('none'),
    ...(maxIterations !== undefined ? { maxIterations } : {}),
  });
}

function finalState(dir: string) {
  const ck = loadCheckpoint(dir, { task: 'arm7-reach' }, 'latest');
  const trainer = { ...(ck.trainerState as Record<string, unknown>) };
  delete trainer['wallTime'];
  return {
    steps: ck.manifest.steps,
    policy: Object.fromEntries(
      Object.entries(ck.policy.parameters).map(([k, v]) => [k, Array.from(v.data)]),
    ),
    normalizer: ck.policy.normalizer,
    trainer,
  };
}

describe('resume with randomize: arm', () => {
  test('stopped after 2 iterations and resumed equals the uninterrupted run bit for bit', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tp-resume-rand-'));
    const full = join(root, 'full');
    const cut = join(root, 'cut');
    createRunDir(full, config());
    await run(full, false);
    createRunDir(cut, config());
    await run(cut, false, 2);
    assert.equal(loadCheckpoint(cut, { task: 'arm7-reach' }, 'latest').manifest.steps, 256);
    await run(cut, true);
    const a = finalState(full);
    assert.equal(a.steps, 512);
    assert.deepEqual(finalState(cut), a);
  });
});
