/**
 * A short training run per task through the runner (small budgets, fixed seeds): the run directory
 * holds the resolved config, schema-valid metrics, the SVG curve, the pino log and loadable
 * checkpoints whose manifests match the task.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { modelsDir } from '../../sim/index.js';
import { resolveTrainConfig } from '../../src/config/trainConfig.js';
import type { Algorithm } from '../../src/config/trainConfig.js';
import { loadCheckpoint } from '../../src/policy/checkpoint.js';
import { readMetrics } from '../../src/train/metrics.js';
import { createProgress } from '../../src/train/progress.js';
import { createRunDir, readRunConfig, runPaths } from '../../src/train/runDir.js';
import { train } from '../../src/train/runner.js';
import { createLogger } from '../../src/util/log.js';

async function smoke(
  task: string,
  algo: Algorithm,
  numEnvs: number,
  nSteps: number,
  iterations: number,
) {
  const dir = join(mkdtempSync(join(tmpdir(), `tp-smoke-${task}-`)), 'run');
  const { config } = resolveTrainConfig({
    modelsDir: modelsDir(),
    cli: {
      task,
      algo,
      seed: 1,
      totalSteps: numEnvs * nSteps * iterations,
      backend: 'cpu',
      env: { numEnvs, workers: 0 },
      [algo]: algo === 'ppo' ? { nSteps, batchSize: 64, epochs: 2 } : { nSteps, criticEpochs: 2 },
      eval: { every: 2, episodes: 2, final: true },
      checkpoint: { every: 2, latestEvery: 1 },
      log: { level: 'info' },
    },
  });
  createRunDir(dir, config);
  const paths = runPaths(dir);
  const result = await train({
    config,
    runDir: dir,
    resume: false,
    logger: createLogger({ level: 'info', file: paths.log, console: 'none' }),
    progress: createProgress('none'),
  });
  return { dir, paths, result, config };
}

const CASES: Array<[string, Algorithm, number, number, number]> = [
  ['inverted-pendulum', 'trpo', 4, 64, 3],
  ['reacher-2dof', 'ppo', 4, 64, 3],
  ['arm7-reach', 'trpo', 2, 75, 3],
];

describe('training smoke run per task', () => {
  for (const [task, algo, numEnvs, nSteps, iterations] of CASES) {
    test(`${task} (${algo}, ${iterations} iterations)`, async () => {
      const { dir, paths, result, config } = await smoke(task, algo, numEnvs, nSteps, iterations);
      assert.equal(result.iterations, iterations);
      assert.equal(result.steps, numEnvs * nSteps * iterations);
      assert.equal(result.interrupted, false);
      // Resolved config round-trips through config.yaml.
      assert.deepEqual(readRunConfig(dir), config);
      const lines = readMetrics(paths.metrics); // validates every line against the schema
      assert.deepEqual(
        lines.map((l) => l.iteration),
        [1, 2, 3],
      );
      assert.deepEqual(
        lines.map((l) => l.steps),
        [1, 2, 3].map((i) => i * numEnvs * nSteps),
      );
      for (const l of lines) {
        assert.ok(l.kl === null || l.kl >= 0);
        assert.ok(l.entropy !== null && Number.isFinite(l.entropy));
        if (
          l.episodeReturnMin !== null &&
          l.episodeReturnMax !== null &&
          l.episodeReturnMean !== null
        ) {
          assert.ok(
            l.episodeReturnMin <= l.episodeReturnMean && l.episodeReturnMean <= l.episodeReturnMax,
          );
        }
      }
      assert.equal(typeof lines[1]?.evalReturn, 'number'); // eval every 2 iterations
      assert.equal(typeof lines[2]?.evalReturn, 'number'); // final eval
      assert.ok(result.finalEval);
      if (task !== 'inverted-pendulum')
        assert.equal(typeof result.finalEval.meanFinalDistance, 'number');
      assert.match(readFileSync(paths.curve, 'utf8'), /<svg[\s\S]*<polyline[\s\S]*<\/svg>/);
      assert.match(readFileSync(paths.log, 'utf8'), /"msg":"iteration 3"/);
      const latest = loadCheckpoint(dir, { task }, 'latest');
      assert.equal(latest.manifest.iteration, 3);
      assert.equal(latest.manifest.algo, algo);
      assert.ok(existsSync(join(paths.checkpoints, 'iter-000002'))); // periodic (every 2)
      const best = loadCheckpoint(dir, { task });
      assert.equal(best.manifest.iteration, result.best.iteration);
    });
  }
});
