/**
 * Memory bench (issue 10): the training process's resident set and the tfjs tensor count over 200
 * TRPO updates on inverted-pendulum, sampled every 20 updates. Both should stay flat: storage and
 * kernel workspaces are allocated once, and no tensor outlives an update.
 *
 *   npx tsx bench/memory.ts [--updates 200] [--algo trpo|ppo|vpg|npg] [--json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { modelsDir } from '../sim/index.js';
import { resolveTrainConfig } from '../src/config/index.js';
import { initBackend } from '../src/policy/index.js';
import type { ProgressReporter, ProgressUpdate } from '../src/train/index.js';
import { createRunDir } from '../src/train/index.js';
import { train } from '../src/train/index.js';
import { createLogger } from '../src/util/index.js';
import { benchArgs, numberArg } from './benchArgs.js';

const args = benchArgs('memory', {
  updates: { type: 'string', default: '200' },
  algo: { type: 'string', default: 'trpo' },
  json: { type: 'boolean' },
});
const updates = numberArg('memory', 'updates', args.updates, { integer: true, min: 1 });
const algo = args.algo;
const json = args.json === true;

interface Sample {
  readonly update: number;
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  readonly tensors: number;
}
const samples: Sample[] = [];
const sample = (update: number): void => {
  const m = process.memoryUsage();
  samples.push({
    update,
    rssMiB: m.rss / 2 ** 20,
    heapUsedMiB: m.heapUsed / 2 ** 20,
    tensors: tf.memory().numTensors,
  });
};

const progress: ProgressReporter = {
  update(u: ProgressUpdate) {
    if (u.iteration % 20 === 0) sample(u.iteration);
  },
  bracket() {},
  done() {},
};

const root = mkdtempSync(join(tmpdir(), 'torquepilot-memory-'));
const runDir = join(root, 'run');
try {
  const { config } = resolveTrainConfig({
    modelsDir: modelsDir(),
    cli: { task: 'inverted-pendulum', algo, totalSteps: 10_000_000, seed: 0 },
  });
  createRunDir(runDir, config);
  await initBackend();
  sample(0);
  await train({
    config,
    runDir,
    resume: false,
    logger: createLogger({ level: 'warn', consoleLevel: 'warn' }),
    progress,
    maxIterations: updates,
  });
} finally {
  rmSync(root, { recursive: true, force: true });
}

// Flatness: compare the second half's growth with the first sample after warm-up (update 20).
const warm = samples.find((s) => s.update >= 20) ?? samples[0]!;
const last = samples[samples.length - 1]!;
const summary = {
  algo,
  updates,
  rssWarmMiB: warm.rssMiB,
  rssLastMiB: last.rssMiB,
  rssGrowthMiB: last.rssMiB - warm.rssMiB,
  tensorsWarm: warm.tensors,
  tensorsLast: last.tensors,
  samples,
};
if (json) {
  console.log(JSON.stringify(summary));
} else {
  console.table(
    samples.map((s) => ({
      update: s.update,
      'rss MiB': s.rssMiB.toFixed(1),
      'heap MiB': s.heapUsedMiB.toFixed(1),
      tensors: s.tensors,
    })),
  );
  console.log(
    `rss ${warm.rssMiB.toFixed(1)} → ${last.rssMiB.toFixed(1)} MiB from update ${warm.update} to ${last.update} (${summary.rssGrowthMiB >= 0 ? '+' : ''}${summary.rssGrowthMiB.toFixed(1)} MiB); tfjs tensors ${warm.tensors} → ${last.tensors}`,
  );
}
