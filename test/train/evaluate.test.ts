/**
 * Evaluation: the statistics against a hand-worked example, and `torquepilot eval` output (keys
 * and consistency) on a checkpoint written by a two-iteration in-process run.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeEnv } from '../../sim/index.js';
import { loadCheckpoint, policyFromCheckpoint } from '../../src/policy/checkpoint.js';
import {
  evalEpisodeSeed,
  evaluatePolicy,
  median,
  summarizeEpisodes,
} from '../../src/train/evaluate.js';
import { runCli } from './cliHarness.js';
import { tinyReacherConfig, trainTinyRun } from '../fixtures/tinyTrainConfig.js';

describe('evaluation statistics', () => {
  test('hand-worked summary', () => {
    // returns 1, 2, 6: mean 3; deviations -2, -1, 3; population variance (4 + 1 + 9)/3 = 14/3.
    const r = summarizeEpisodes([1, 2, 6], [10, 20, 30], [0, 1, 1], [0.05, 0.01, 0.02], true);
    assert.equal(r.meanReturn, 3);
    assert.equal(r.stdReturn, Math.sqrt(14 / 3));
    assert.equal(r.minReturn, 1);
    assert.equal(r.maxReturn, 6);
    assert.equal(r.successRate, 2 / 3);
    assert.equal(r.meanLength, 20);
    assert.equal(r.medianFinalDistance, 0.02);
    assert.ok(Math.abs((r.meanFinalDistance ?? 0) - 0.08 / 3) < 1e-15);
    assert.equal(summarizeEpisodes([1], [1], null, [], false).successRate, null);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });

  test('episode seeds are distinct and reproducible', () => {
    const seeds = new Set(Array.from({ length: 100 }, (_, i) => evalEpisodeSeed(0, i)));
    assert.equal(seeds.size, 100);
    assert.equal(evalEpisodeSeed(3, 7), evalEpisodeSeed(3, 7));
  });
});

describe('torquepilot eval', () => {
  test('--json keys and consistency; a run directory means its best checkpoint', async () => {
    const run = await trainTinyRun(tinyReacherConfig(), 'tp-eval-');
    const e = await runCli([
      'eval',
      '--checkpoint',
      run,
      '--episodes',
      '4',
      '--deterministic',
      '--json',
    ]);
    assert.equal(e.code, 0, e.stderr);
    const r = e.lines[0] as Record<string, number | null | boolean | string>;
    for (const k of [
      'meanReturn',
      'stdReturn',
      'minReturn',
      'maxReturn',
      'successRate',
      'meanLength',
      'meanFinalDistance',
    ])
      assert.ok(k in r, `missing key ${k}`);
    const { meanReturn, stdReturn, minReturn, maxReturn, meanLength } = r as Record<string, number>;
    assert.ok(minReturn! <= meanReturn! && meanReturn! <= maxReturn!);
    assert.ok(stdReturn! >= 0 && stdReturn! <= (maxReturn! - minReturn!) / 2 + 1e-12);
    assert.equal(meanLength, 50); // Reacher-v5 episodes are always 50 steps
    assert.equal(r['deterministic'], true);
    assert.equal(r['episodes'], 4);
    assert.match(String(r['checkpoint']), /checkpoints[/\\]iter-\d{6}$/);
    // The same evaluation in-process gives the same numbers (reproducible episode seeds).
    const ckpt = loadCheckpoint(run);
    const env = await makeEnv('reacher-2dof');
    try {
      const again = evaluatePolicy(env, policyFromCheckpoint(ckpt), {
        episodes: 4,
        deterministic: true,
        seed: 0,
      });
      assert.equal(again.meanReturn, meanReturn);
      assert.deepEqual(again.returns, r['returns']);
    } finally {
      env.close();
    }
    const plain = await runCli(['eval', '--checkpoint', run, '--episodes', '2']);
    assert.match(plain.stdout, /return\s+-?\d+\.\d+ ± \d+\.\d+/);
    assert.match(plain.stdout, /final distance\s+mean \d+\.\d+ cm/);
  });

  test('a missing checkpoint is a one-line error and exit code 1', async () => {
    const bad = await runCli(['eval', '--checkpoint', join(tmpdir(), 'tp-no-such-run')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /tp-no-such-run does not exist/);
  });
});
