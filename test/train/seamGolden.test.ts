/**
 * `train` through the learning seam (VecEnvSource) is bit-identical to the runner before the seam
 * (issue 17). The expected hashes below are the one place where a recorded value is the ground
 * truth: they were produced by the PRE-SEAM code, commit 2f51111 (s4-base, where OnPolicyRunner
 * called collectRollouts directly), by running this very file there with GOLDEN_PRINT=1. Equality
 * here means the seam changed nothing in what train computes.
 *
 * What is hashed (sha256 of one canonical JSON text): the sha256 of every parameter file of the
 * final checkpoint (as its manifest lists them), the policy's normaliser, the trainer state (RNG
 * states, optimiser moments, rollout cursor, env states; wall time removed) and every metrics line
 * with its timings removed.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { modelsDir } from '../../sim/index.js';
import { resolveTrainConfig } from '../../src/config/trainConfig.js';
import type { TrainConfig } from '../../src/config/trainConfig.js';
import { loadCheckpoint } from '../../src/policy/checkpoint.js';
import { readMetrics } from '../../src/train/metrics.js';
import type { MetricsLine } from '../../src/train/metrics.js';
import { createProgress } from '../../src/train/progress.js';
import { createRunDir } from '../../src/train/runDir.js';
import { train } from '../../src/train/runner.js';
import { createLogger } from '../../src/util/log.js';
import { tinyArmConfig } from '../fixtures/tinyTrainConfig.js';

const TIMING: ReadonlyArray<keyof MetricsLine> = [
  'stepsPerSec',
  'rolloutSeconds',
  'updateSeconds',
  'wallTime',
];

const tmp = mkdtempSync(join(tmpdir(), 'tp-seam-golden-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function pendulumConfig(algo: 'trpo' | 'ppo'): TrainConfig {
  return resolveTrainConfig({
    modelsDir: modelsDir(),
    cli: {
      task: 'inverted-pendulum',
      algo,
      seed: 11,
      totalSteps: 768, // 3 iterations of 4 envs × 64 steps
      backend: 'cpu',
      env: { numEnvs: 4, workers: 0 },
      policy: { hiddenSizes: [16, 16] },
      value: { hiddenSizes: [16, 16] },
      ...(algo === 'trpo'
        ? { trpo: { nSteps: 64, criticBatchSize: 64, criticEpochs: 3 } }
        : { ppo: { nSteps: 64, batchSize: 64, epochs: 2 } }),
      eval: { every: 2, episodes: 2 },
    },
  }).config;
}

/** Train `config` to the end and hash its final state and metrics (see the module comment). */
async function runHash(config: TrainConfig, name: string): Promise<string> {
  const run = join(tmp, name);
  createRunDir(run, config);
  await train({
    config,
    runDir: run,
    resume: false,
    logger: createLogger({ level: 'warn', console: 'none' }),
    progress: createProgress('none'),
  });
  const ck = loadCheckpoint(run, { task: config.task }, 'latest');
  const files = Object.fromEntries(
    Object.entries(ck.manifest.files)
      .filter(([k]) => k !== 'trainer-state')
      .map(([k, f]) => [k, f.sha256]),
  );
  const trainer = { ...(ck.trainerState as Record<string, unknown>) };
  delete trainer['wallTime'];
  const metrics = readMetrics(join(run, 'metrics.jsonl')).map((l) => {
    const c: Partial<MetricsLine> = { ...l };
    for (const k of TIMING) delete c[k];
    return c;
  });
  const text = JSON.stringify({
    iteration: ck.manifest.iteration,
    steps: ck.manifest.steps,
    files,
    normalizer: ck.policy.normalizer ?? null,
    trainer,
    metrics,
  });
  const hash = createHash('sha256').update(text).digest('hex');
  if (process.env['GOLDEN_PRINT'] === '1') console.log(`GOLDEN ${name} ${hash}`);
  return hash;
}

// Recorded from commit 2f51111 (pre-seam runner) with GOLDEN_PRINT=1.
const GOLDEN = {
  pendulumTrpo: '0e830d88855a4fe163d14c3d160919c78addb79e232acb6242b896291808f97b',
  pendulumPpo: '8b2abd3bc71e4511479622b1fdf17a8466adfa883ab8418537828b4b162672c5',
  arm7Trpo: '1e9ab14d01f4416a014caaac05f0de3c3d72c4e2c12c1e9e4bcffe56f585ec55',
} as const;

test('train through the seam equals the pre-seam runner: inverted-pendulum TRPO (eval on)', async () => {
  assert.equal(await runHash(pendulumConfig('trpo'), 'pendulumTrpo'), GOLDEN.pendulumTrpo);
});

test('train through the seam equals the pre-seam runner: inverted-pendulum PPO', async () => {
  assert.equal(await runHash(pendulumConfig('ppo'), 'pendulumPpo'), GOLDEN.pendulumPpo);
});

test('train through the seam equals the pre-seam runner: tiny arm7-reach TRPO', async () => {
  assert.equal(await runHash(tinyArmConfig(3), 'arm7Trpo'), GOLDEN.arm7Trpo);
});
