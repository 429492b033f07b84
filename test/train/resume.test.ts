/**
 * Resume after a hard kill equals the uninterrupted run, bit for bit: the CLI is run as a child
 * process, interrupted by SIGINT (clean stop) and later by SIGKILL (mid-iteration), resumed each
 * time, and its final parameters, trainer state and metrics (timings aside) are compared with an
 * uninterrupted run of the same config.
 */
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCheckpoint } from '../../src/policy/checkpoint.js';
import { readPointer } from '../../src/policy/checkpointPointers.js';
import { readMetrics } from '../../src/train/metrics.js';
import type { MetricsLine } from '../../src/train/metrics.js';
import { runCli } from './cliHarness.js';

const CONFIG = `
task: inverted-pendulum
algo: trpo
seed: 5
totalSteps: 2304 # 9 iterations of 4 envs x 64 steps
env: { numEnvs: 4, workers: 0 }
policy: { hiddenSizes: [16, 16] }
value: { hiddenSizes: [16, 16] }
trpo: { nSteps: 64, criticBatchSize: 64, criticEpochs: 3 }
eval: { every: 2, episodes: 2 }
checkpoint: { every: 4 }
`;

const TIMING: ReadonlyArray<keyof MetricsLine> = [
  'stepsPerSec',
  'rolloutSeconds',
  'updateSeconds',
  'wallTime',
];
const withoutTiming = (l: MetricsLine): Partial<MetricsLine> => {
  const c: Partial<MetricsLine> = { ...l };
  for (const k of TIMING) delete c[k];
  return c;
};

function finalState(run: string) {
  const ck = loadCheckpoint(run, { task: 'inverted-pendulum' }, 'latest');
  const trainer = { ...(ck.trainerState as Record<string, unknown>) };
  delete trainer['wallTime'];
  return {
    iteration: ck.manifest.iteration,
    steps: ck.manifest.steps,
    policy: Object.fromEntries(
      Object.entries(ck.policy.parameters).map(([k, v]) => [k, Array.from(v.data)]),
    ),
    normalizer: ck.policy.normalizer,
    value: Object.fromEntries(
      Object.entries(ck.value?.parameters ?? {}).map(([k, v]) => [k, Array.from(v.data)]),
    ),
    trainer,
  };
}

describe('train --resume', () => {
  test('SIGINT then SIGKILL mid-run, resumed twice, equals the uninterrupted run bit for bit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-resume-'));
    const cfg = join(dir, 'run.yaml');
    writeFileSync(cfg, CONFIG);
    const common = ['--progress', 'json', '--log-level', 'warn'];

    const full = await runCli(['train', '--config', cfg, '--out', join(dir, 'full'), ...common]);
    assert.equal(full.code, 0, full.stderr);

    const run = join(dir, 'cut');
    // 1. Ctrl-C: finishes the iteration, writes a checkpoint, exits 0 (a clean, resumable stop:
    //    `ros2 launch` reports 0 as "finished cleanly", 130 as "process has died"; issue 20).
    const first = await runCli(['train', '--config', cfg, '--out', run, ...common], {
      stopAtIteration: 2,
      signal: 'SIGINT',
    });
    assert.equal(first.code, 0, first.stderr);
    const afterInt = readPointer(join(run, 'checkpoints'), 'latest');
    assert.ok(
      afterInt && afterInt.iteration >= 2 && afterInt.iteration < 9,
      JSON.stringify(afterInt),
    );

    // 2. Resume, then kill -9 while the next iteration runs (the checkpoint of the reported one is written).
    const second = await runCli(['train', '--resume', run, ...common], {
      stopAtIteration: afterInt.iteration + 3,
    });
    assert.equal(second.signal, 'SIGKILL', second.stderr);
    // Simulate a write torn by the kill: a partial metrics line at the end.
    appendFileSync(join(run, 'metrics.jsonl'), '{"iteration": 99, "steps"');

    // 3. Resume to the end, this time with the environments on 2 worker threads (results must not
    //    depend on the worker count).
    const third = await runCli(['train', '--resume', run, '--workers', '2', ...common]);
    assert.equal(third.code, 0, third.stderr);

    const a = finalState(join(dir, 'full'));
    const b = finalState(run);
    assert.equal(a.iteration, 9);
    assert.deepEqual(b, a);
    const ma = readMetrics(join(dir, 'full', 'metrics.jsonl'));
    const mb = readMetrics(join(run, 'metrics.jsonl'));
    assert.deepEqual(
      mb.map((l) => l.iteration),
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    ); // none duplicated or missing
    assert.deepEqual(mb.map(withoutTiming), ma.map(withoutTiming));
    assert.ok(ma.some((l) => typeof l.evalReturn === 'number'));
    // Each process appended to the same pino log; the Ctrl-C stop is recorded.
    assert.match(
      readFileSync(join(run, 'train.log'), 'utf8'),
      /stop requested: checkpoint written/,
    );
  });

  test('resume refuses flags that would change the run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-resume-'));
    const r = await runCli(['train', '--resume', dir, '--seed', '3']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--seed cannot change on resume/);
    const r2 = await runCli(['train', '--resume', join(dir, 'none')]);
    assert.match(r2.stderr, /config\.yaml does not exist; is .* a run directory/);
  });
});
