/**
 * The cost of domain randomisation (issue 16, figure "Cost": training steps/s with randomisation
 * ≥ 0.8 × without). Two measurements, each with and without the preset:
 *   1. simulation alone: the in-process VecEnv as training uses it (numEnvs environments, one
 *      thread), environment steps per second;
 *   2. training: `maxIterations` iterations of the real OnPolicyRunner (rollout + update, no eval,
 *      in a temporary run directory), the steps/s the runner reports.
 * Runs alternate (off, on, off, on, …) and each figure is the best of `repeats`, so slow drift in
 * the machine's load hits both sides alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelsDir } from '../sim/index.js';
import { resolveRandomize, resolveTrainConfig } from '../src/config/index.js';
import type { RandomizeSetting } from '../src/config/index.js';
import { createProgress, createRunDir, train } from '../src/train/index.js';
import { createLogger } from '../src/util/index.js';
import { vectorStepsPerSec } from './simBench.js';

export interface RandomizeBenchOptions {
  readonly task: string;
  readonly preset: RandomizeSetting;
  /** Environments stepped together (the task's train.yaml default when absent). */
  readonly numEnvs: number;
  /** Environment steps per simulation run. */
  readonly simSteps: number;
  /** Training iterations per training run. */
  readonly iterations: number;
  readonly repeats: number;
}

export interface RandomizeBenchResult {
  readonly simOff: number;
  readonly simOn: number;
  readonly trainOff: number;
  readonly trainOn: number;
}

async function trainStepsPerSec(
  task: string,
  setting: RandomizeSetting,
  numEnvs: number,
  iterations: number,
): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'tp-randbench-'));
  try {
    const { config } = resolveTrainConfig({
      modelsDir: modelsDir(),
      cli: {
        task,
        seed: 1,
        randomize: setting,
        env: { numEnvs, workers: 0 },
        eval: { every: 0, final: false },
        checkpoint: { every: 0, latestEvery: 1000 },
        log: { level: 'silent' },
      },
    });
    createRunDir(dir, config);
    const result = await train({
      config,
      runDir: dir,
      resume: false,
      logger: createLogger({ level: 'silent' }),
      progress: createProgress('none'),
      maxIterations: iterations,
    });
    return result.stepsPerSec;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runRandomizeBench(o: RandomizeBenchOptions): Promise<RandomizeBenchResult> {
  const spec = resolveRandomize(o.preset);
  let simOff = 0;
  let simOn = 0;
  let trainOff = 0;
  let trainOn = 0;
  for (let r = 0; r < o.repeats; r++) {
    simOff = Math.max(simOff, (await vectorStepsPerSec(o.task, o.simSteps, 0, o.numEnvs)).perSec);
    simOn = Math.max(
      simOn,
      (await vectorStepsPerSec(o.task, o.simSteps, 0, o.numEnvs, 0, spec)).perSec,
    );
  }
  for (let r = 0; r < o.repeats; r++) {
    trainOff = Math.max(trainOff, await trainStepsPerSec(o.task, 'off', o.numEnvs, o.iterations));
    trainOn = Math.max(trainOn, await trainStepsPerSec(o.task, o.preset, o.numEnvs, o.iterations));
  }
  const round = Math.round;
  return {
    simOff: round(simOff),
    simOn: round(simOn),
    trainOff: round(trainOff),
    trainOn: round(trainOn),
  };
}
