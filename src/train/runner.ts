/**
 * The training runner (rsl_rl's OnPolicyRunner): it owns the loop, the timing, the logging, the
 * run directory, checkpoints and resume. Each iteration:
 *
 *   1. collect nSteps × numEnvs transitions from the vectorised env (src/learn collectRollouts);
 *   2. GAE(λ) advantages and value targets (RolloutStorage.computeReturnsAndAdvantages);
 *   3. one update of the configured algorithm (src/train/update.ts → src/learn);
 *   4. optionally a deterministic evaluation on a separate environment;
 *   5. append the metrics line, redraw the SVG, write the checkpoint, move the pointers.
 *
 * Random streams (all from `config.seed`): policy init, value init, action noise, minibatch
 * shuffles, environment seeds. A checkpoint holds every one of them plus the optimiser moments, the
 * normaliser, the rollout cursor and each environment's state, so a run resumed from iteration k
 * continues bit-identically (test/train/resume.test.ts).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { makeEnv, makeVecEnv } from '../../sim/index.js';
import type { Env, VecEnv } from '../../sim/index.js';
import type { TrainConfig } from '../config/index.js';
import {
  RolloutStorage,
  collectRollouts,
  cursorState,
  restoreCursor,
  startRollouts,
} from '../learn/index.js';
import type { RolloutCursor } from '../learn/index.js';
import { initBackend } from '../policy/index.js';
import { loadCheckpoint, saveCheckpoint } from '../policy/index.js';
import { writePointer } from '../policy/index.js';
import { GaussianPolicy } from '../policy/index.js';
import { ValueNetwork } from '../policy/index.js';
import { writeFileAtomic } from '../util/index.js';
import { Random } from '../util/index.js';
import { evaluatePolicy } from './evaluate.js';
import type { EvaluationResult } from './evaluate.js';
import { appendMetricsLine, truncateMetrics } from './metrics.js';
import type { MetricsLine } from './metrics.js';
import { learningCurveSvg } from './plot.js';
import type { ProgressReporter } from './progress.js';
import { checkpointName, pruneCheckpoints, runPaths } from './runDir.js';
import type { RunPaths } from './runDir.js';
import { parseTrainerState, TRAINER_STATE_VERSION } from './trainerState.js';
import type { BestRecord, TrainerState } from './trainerState.js';
import { createContext, rolloutSettings, runUpdate } from './update.js';

export interface TrainOptions {
  readonly config: TrainConfig;
  /** Run directory (created beforehand by createRunDir, or an existing run for resume). */
  readonly runDir: string;
  /** Continue from the run's latest checkpoint. */
  readonly resume: boolean;
  readonly logger: Logger;
  readonly progress: ProgressReporter;
  /** Polled after every iteration; true = write a checkpoint and return (SIGINT/SIGTERM). */
  readonly shouldStop?: () => boolean;
  /** Stop after this many iterations in this process (tests, benches). */
  readonly maxIterations?: number;
}

export interface TrainResult {
  readonly runDir: string;
  readonly iterations: number;
  readonly steps: number;
  /** True when stopped by `shouldStop` or `maxIterations` before totalSteps. */
  readonly interrupted: boolean;
  readonly best: BestRecord;
  readonly lastMetrics: MetricsLine | undefined;
  /** The final deterministic evaluation, when configured. */
  readonly finalEval: EvaluationResult | undefined;
  /** Environment steps per second over this process's iterations (rollout + update). */
  readonly stepsPerSec: number;
}

/** Seeds of the run's independent streams, all derived from config.seed. */
export function deriveStreams(seed: number) {
  const root = new Random(seed);
  return {
    policyInit: root.fork(),
    valueInit: root.fork(),
    sample: root.fork(),
    update: root.fork(),
    envSeed: root.nextUint32(),
    evalSeed: root.nextUint32(),
  };
}

const mean = (xs: readonly number[]): number | null =>
  xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null;

/** Train per `options`; resolves when done, interrupted, or throws on error (state stays resumable). */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const { config, logger, progress } = options;
  const paths = runPaths(options.runDir);
  // 'auto' leaves the choice to TORQUEPILOT_TF_BACKEND, then the automatic order.
  // The fallbacks (e.g. tfjs-node-gpu installed without its native binary) are expected on most
  // machines: record them in train.log at info level instead of warning on every run.
  const backend = await initBackend(config.backend === 'auto' ? undefined : config.backend);
  logger.info(
    { backend: backend.backend, package: backend.package, skipped: backend.skipped },
    `tfjs backend: ${backend.backend} (${backend.package})`,
  );
  const { nSteps, gamma, gaeLambda } = rolloutSettings(config);
  const streams = deriveStreams(config.seed);
  const vecEnv: VecEnv = await makeVecEnv(config.task, {
    numEnvs: config.env.numEnvs,
    workers: config.env.workers,
  });
  let evalEnv: Env | undefined;
  try {
    const spec = vecEnv.spec;
    const policy = new GaussianPolicy(
      { ...config.policy, obsSize: spec.obsSize, actionSize: spec.actionSize },
      streams.policyInit,
    );
    const value = new ValueNetwork({ ...config.value, obsSize: spec.obsSize }, streams.valueInit);
    const sampleRng = streams.sample;
    const updateRng = streams.update;
    const context = createContext(config, policy, value, updateRng);
    const storage = new RolloutStorage({
      numSteps: nSteps,
      numEnvs: vecEnv.numEnvs,
      obsSize: spec.obsSize,
      actionSize: spec.actionSize,
    });
    const evalEvery = config.eval.every;
    let best: BestRecord = {
      metric: evalEvery > 0 ? 'evalReturn' : 'episodeReturnMean',
      score: null,
      iteration: 0,
    };
    let iteration = 0;
    let steps = 0;
    let wallTime = 0;
    let cursor: RolloutCursor;
    let history: MetricsLine[] = [];

    if (options.resume) {
      const ckpt = loadCheckpoint(
        paths.checkpoints,
        {
          task: config.task,
          obsSize: spec.obsSize,
          actionSize: spec.actionSize,
          jointNames: spec.jointNames,
        },
        'latest',
      );
      const state = parseTrainerState(ckpt.trainerState, ckpt.dir);
      policy.importParameters(ckpt.policy);
      if (!ckpt.value) throw new Error(`train --resume: ${ckpt.dir} has no value network`);
      value.importParameters(ckpt.value);
      sampleRng.setState(state.sampleRng);
      updateRng.setState(state.updateRng);
      context.valueOptimizer.setState(state.valueOptimizer);
      if (state.policyOptimizer && context.policyOptimizer)
        context.policyOptimizer.setState(state.policyOptimizer);
      await vecEnv.setState(state.envStates);
      cursor = restoreCursor(state.cursor);
      ({ iteration, steps, wallTime, best } = state);
      history = truncateMetrics(paths.metrics, iteration);
      logger.info({ checkpoint: ckpt.dir, iteration, steps }, `resuming from ${ckpt.dir}`);
    } else {
      cursor = await startRollouts(vecEnv, streams.envSeed);
    }

    const snapshot = async (): Promise<TrainerState> => ({
      version: TRAINER_STATE_VERSION,
      iteration,
      steps,
      wallTime,
      sampleRng: sampleRng.getState(),
      updateRng: updateRng.getState(),
      valueOptimizer: context.valueOptimizer.getState(),
      ...(context.policyOptimizer ? { policyOptimizer: context.policyOptimizer.getState() } : {}),
      cursor: cursorState(cursor),
      envStates: await vecEnv.getState(),
      best,
    });

    const writeCheckpoint = async (
      isBest: boolean,
      last: MetricsLine | undefined,
    ): Promise<void> => {
      const name = checkpointName(iteration);
      const summary: Record<string, number | null> = {
        episodeReturnMean: last?.episodeReturnMean ?? null,
        evalReturn: last?.evalReturn ?? null,
      };
      saveCheckpoint(join(paths.checkpoints, name), {
        task: config.task,
        jointNames: spec.jointNames,
        actionLow: spec.actionLow,
        actionHigh: spec.actionHigh,
        backend: backend.backend,
        algo: config.algo,
        iteration,
        steps,
        policy,
        value,
        hyperparameters: config as unknown as Record<string, unknown>,
        summary,
        trainerState: await snapshot(),
      });
      writePointer(paths.checkpoints, 'latest', { checkpoint: name, iteration, steps });
      if (isBest)
        writePointer(paths.checkpoints, 'best', {
          checkpoint: name,
          iteration,
          steps,
          metric: best.metric,
          score: best.score,
        });
      pruneCheckpoints(paths, config.checkpoint.every);
    };

    const runEval = (): EvaluationResult => {
      if (!evalEnv) throw new Error('train: evaluation environment missing');
      return evaluatePolicy(evalEnv, policy, {
        episodes: config.eval.episodes,
        deterministic: true,
        seed: streams.evalSeed,
      });
    };
    if (evalEvery > 0 || config.eval.final) evalEnv = await makeEnv(config.task);

    const startSteps = steps;
    const started = performance.now();
    let processSeconds = 0;
    let itersThisProcess = 0;
    let interrupted = false;
    let finalEval: EvaluationResult | undefined;
    logger.info(
      {
        task: config.task,
        algo: config.algo,
        seed: config.seed,
        numEnvs: vecEnv.numEnvs,
        workers: config.env.workers,
        batch: nSteps * vecEnv.numEnvs,
        backend: backend.backend,
        runDir: paths.root,
      },
      `training ${config.task} with ${config.algo} for ${config.totalSteps} steps`,
    );

    while (steps < config.totalSteps) {
      if (options.maxIterations !== undefined && itersThisProcess >= options.maxIterations) {
        interrupted = true;
        break;
      }
      const t0 = performance.now();
      const roll = await collectRollouts(vecEnv, policy, value, storage, sampleRng, nSteps, cursor);
      storage.computeReturnsAndAdvantages(roll.lastValues, gamma, gaeLambda);
      const t1 = performance.now();
      const upd = runUpdate(config.algo, config, policy, value, storage.batch(), context);
      storage.clear();
      const t2 = performance.now();
      iteration += 1;
      itersThisProcess += 1;
      steps += roll.steps;
      const seconds = (t2 - t0) / 1000;
      wallTime += seconds;
      processSeconds += seconds;

      const isLast = steps >= config.totalSteps;
      let ev: EvaluationResult | undefined;
      if ((evalEvery > 0 && iteration % evalEvery === 0) || (isLast && config.eval.final)) {
        ev = runEval();
        if (isLast) finalEval = ev;
      }
      const ep = roll.episodes;
      const line: MetricsLine = {
        iteration,
        steps,
        episodeReturnMean: mean(ep.returns),
        episodeReturnMin: ep.returns.length ? Math.min(...ep.returns) : null,
        episodeReturnMax: ep.returns.length ? Math.max(...ep.returns) : null,
        episodeCount: ep.returns.length,
        episodeLengthMean: mean(ep.lengths),
        successRate: spec.hasSuccess ? mean(ep.successes) : null,
        finalDistanceMean: mean(ep.finalDistances),
        kl: upd.kl,
        entropy: upd.entropy,
        valueLoss: upd.valueLoss,
        explainedVariance: upd.explainedVariance,
        lineSearchAccepted: upd.lineSearchAccepted,
        lineSearchSteps: upd.lineSearchSteps,
        stepsPerSec: roll.steps / seconds,
        rolloutSeconds: (t1 - t0) / 1000,
        updateSeconds: (t2 - t1) / 1000,
        wallTime,
        ...(ev
          ? {
              evalReturn: ev.meanReturn,
              evalSuccessRate: ev.successRate,
              evalFinalDistance: ev.meanFinalDistance,
            }
          : {}),
      };
      appendMetricsLine(paths.metrics, line);
      history.push(line);
      writeFileAtomic(
        paths.curve,
        learningCurveSvg(history, `${config.task} — ${config.algo}, seed ${config.seed}`),
      );
      logger.info({ ...line, update: upd.raw }, `iteration ${iteration}`);

      const score =
        best.metric === 'evalReturn' ? (ev?.meanReturn ?? null) : line.episodeReturnMean;
      const isBest = score !== null && (best.score === null || score > best.score);
      if (isBest) best = { metric: best.metric, score, iteration };
      // Yield one event-loop turn so that SIGINT/SIGTERM handlers run even when the in-process
      // VecEnv resolves every step as a microtask.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const stopping = options.shouldStop?.() === true;
      const due =
        isBest ||
        isLast ||
        stopping ||
        iteration % config.checkpoint.latestEvery === 0 ||
        (config.checkpoint.every > 0 && iteration % config.checkpoint.every === 0) ||
        (options.maxIterations !== undefined && itersThisProcess >= options.maxIterations);
      if (due) await writeCheckpoint(isBest, line);
      progress.update({
        iteration,
        steps,
        totalSteps: config.totalSteps,
        meanReturn: line.episodeReturnMean,
        ...(ev ? { evalReturn: ev.meanReturn } : {}),
        stepsPerSec: line.stepsPerSec,
        elapsed: (performance.now() - started) / 1000,
        startSteps,
      });
      if (stopping) {
        interrupted = true;
        logger.warn({ iteration, steps }, 'stop requested: checkpoint written, exiting');
        break;
      }
    }
    progress.done();
    return {
      runDir: paths.root,
      iterations: iteration,
      steps,
      interrupted,
      best,
      lastMetrics: history[history.length - 1],
      finalEval,
      stepsPerSec: processSeconds > 0 ? (steps - startSteps) / processSeconds : 0,
    };
  } finally {
    evalEnv?.close();
    await vecEnv.close();
  }
}

export type { RunPaths };
