/**
 * Training with `control:` (a 500 Hz hold, an action filter and a torque rate limit): the settings
 * reach the checkpoint (what the node reads back), and a run stopped after two iterations and
 * resumed ends bit for bit where the uninterrupted run ends (the shaper's state is part of each
 * environment's snapshot).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { modelsDir } from '../../sim/index.js';
import { controlFromHyperparameters, resolveTrainConfig } from '../../src/config/index.js';
import type { TrainConfig } from '../../src/config/index.js';
import { loadCheckpoint } from '../../src/policy/checkpoint.js';
import { createProgress } from '../../src/train/progress.js';
import { createRunDir } from '../../src/train/runDir.js';
import { train } from '../../src/train/runner.js';
import { createLogger } from '../../src/util/log.js';

const CONTROL = { controllerRateHz: 500, actionFilterHz: 5, torqueRateLimit: 300 };

function config(): TrainConfig {
  return resolveTrainConfig({
    modelsDir: modelsDir(),
    cli: {
      task: 'arm7-reach',
      control: CONTROL,
      totalSteps: 512, // 4 iterations of 2 envs × 64 steps: episodes (150 steps) end mid-rollout
      seed: 5,
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
    trainer,
  };
}

describe('training with control:', () => {
  test('the checkpoint carries the settings; resume is bit for bit', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tp-control-run-'));
    const full = join(root, 'full');
    const cut = join(root, 'cut');
    createRunDir(full, config());
    await run(full, false);
    const ck = loadCheckpoint(full, { task: 'arm7-reach' }, 'latest');
    assert.deepEqual(controlFromHyperparameters(ck.manifest.hyperparameters, ck.dir), CONTROL);
    createRunDir(cut, config());
    await run(cut, false, 2);
    await run(cut, true);
    const a = finalState(full);
    assert.equal(a.steps, 512);
    assert.deepEqual(finalState(cut), a);
    // The environments' snapshots hold the shaper's state (one entry per joint).
    const envs = (a.trainer as { envStates?: { task: Record<string, number[]> }[] }).envStates;
    assert.equal(envs?.length, 2);
    for (const e of envs ?? []) assert.equal(e.task['shaper']?.length, 7);
  });
});
