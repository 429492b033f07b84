/**
 * The on-policy runner (rsl_rl's OnPolicyRunner): it owns the loop, the timing, the logging, the
 * run directory, checkpoints and resume; the algorithm (src/learn createAlgorithm) only updates.
 * Each iteration:
 *
 *   1. take one delivery of nSteps × numEnvs transitions from the simulation source of the learning
 *      seam (src/learn VecEnvSource, which steps the vectorised env with the current policy);
 *   2. GAE(λ) advantages and value targets on the delivery's on-policy storage
 *      (RolloutStorage.computeReturnsAndAdvantages);
 *   3. one update of the configured algorithm (Algorithm.update);
 *   4. optionally a deterministic evaluation on a separate environment;
 *   5. append the metrics line, redraw the SVG, write the checkpoint, move the pointers.
 *
 * Random streams (all from `config.seed`): policy init, value init, action noise, the update's
 * minibatch shuffles and Fisher subsamples, environment seeds. A checkpoint holds every one of them
 * plus the optimiser moments, the normaliser, the rollout cursor and each environment's state, so
 * a run resumed from iteration k continues bit-identically (test/train/resume.test.ts).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { makeEnv, makeVecEnv } from '../../sim/index.js';
import type { Env, VecEnv } from '../../sim/index.js';
import type { TrainConfig } from '../config/index.js';
import { resolveRandomize } from '../config/index.js';
import {
  VecEnvSource,
  createAlgorithm,
  cursorState,
  restoreCursor,
  rolloutSettings,
} from '../learn/index.js';
import type { Algorithm, OnPolicySource } from '../learn/index.js';
import { initBackend } from '../policy/index.js';
import { saveCheckpoint } from '../policy/index.js';
import { writePointer } from '../policy/index.js';
import { GaussianPolicy } from '../policy/index.js';
import { ValueNetwork } from '../policy/index.js';
import { writeFileAtomic } from '../util/index.js';
import { Random } from '../util/index.js';
import { loadResumeCheckpoint } from './checkpointTask.js';
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
  /**
   * Wrap the simulation source the runner draws every rollout from (a spy in tests, or a source
   * that forwards deliveries elsewhere); it must pass the deliveries through unchanged.
   */
  readonly wrapSource?: (source: OnPolicySource) => OnPolicySource;
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

type Streams = ReturnType<typeof deriveStreams>;
type Backend = Awaited<ReturnType<typeof initBackend>>;

const mean = (xs: readonly number[]): number | null =>
  xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null;

/**
 * One training run: `OnPolicyRunner.create(options)` builds the environments, networks and
 * algorithm (and restores the latest checkpoint on resume); `learn()` runs the loop; `close()`
 * releases the environments. `train()` below does all three.
 */
export class OnPolicyRunner {
  readonly config: TrainConfig;
  readonly policy: GaussianPolicy;
  readonly value: ValueNetwork;
  readonly algorithm: Algorithm;
  readonly vecEnv: VecEnv;
  readonly paths: RunPaths;
  readonly #options: TrainOptions;
  readonly #logger: Logger;
  readonly #backend: Backend;
  readonly #streams: Streams;
  /** The learning seam's simulation source (its cursor is checkpointed), and what learn() reads. */
  readonly #source: VecEnvSource;
  readonly #experience: OnPolicySource;
  readonly #rollout: { nSteps: number; gamma: number; gaeLambda: number };
  #evalEnv: Env | undefined;
  #iteration = 0;
  #steps = 0;
  #wallTime = 0;
  #best: BestRecord;
  #history: MetricsLine[] = [];

  private constructor(
    options: TrainOptions,
    backend: Backend,
    streams: Streams,
    vecEnv: VecEnv,
    rollout: { nSteps: number; gamma: number; gaeLambda: number },
  ) {
    const { config } = options;
    this.config = config;
    this.#options = options;
    this.#logger = options.logger;
    this.paths = runPaths(options.runDir);
    this.#backend = backend;
    this.#streams = streams;
    this.vecEnv = vecEnv;
    this.#rollout = rollout;
    const spec = vecEnv.spec;
    this.policy = new GaussianPolicy(
      { ...config.policy, obsSize: spec.obsSize, actionSize: spec.actionSize },
      streams.policyInit,
    );
    this.value = new ValueNetwork({ ...config.value, obsSize: spec.obsSize }, streams.valueInit);
    this.algorithm = createAlgorithm(
      config.algo,
      this.policy,
      this.value,
      config[config.algo],
      streams.update,
    );
    this.#source = new VecEnvSource({
      vecEnv,
      policy: this.policy,
      value: this.value,
      nSteps: rollout.nSteps,
      rng: streams.sample,
      // The policy's version is the number of updates behind its parameters.
      policyVersion: () => this.#iteration,
    });
    this.#experience = options.wrapSource?.(this.#source) ?? this.#source;
    this.#best = {
      metric: config.eval.every > 0 ? 'evalReturn' : 'episodeReturnMean',
      score: null,
      iteration: 0,
    };
  }

  /** Build the run (and restore its latest checkpoint when `options.resume`). */
  static async create(options: TrainOptions): Promise<OnPolicyRunner> {
    const { config, logger } = options;
    // 'auto' leaves the choice to TORQUEPILOT_TF_BACKEND, then the automatic order.
    // The fallbacks (e.g. tfjs-node-gpu installed without its native binary) are expected on most
    // machines: record them in train.log at info level instead of warning on every run.
    const backend = await initBackend(config.backend === 'auto' ? undefined : config.backend);
    logger.info(
      { backend: backend.backend, package: backend.package, skipped: backend.skipped },
      `tfjs backend: ${backend.backend} (${backend.package})`,
    );
    const rollout = rolloutSettings(config.algo, config[config.algo]);
    const streams = deriveStreams(config.seed);
    const robot = config.robot !== '' ? { robot: config.robot } : {};
    const vecEnv = await makeVecEnv(config.task, {
      ...robot,
      numEnvs: config.env.numEnvs,
      workers: config.env.workers,
      randomize: resolveRandomize(config.randomize),
      control: config.control,
    });
    let runner: OnPolicyRunner | undefined;
    try {
      runner = new OnPolicyRunner(options, backend, streams, vecEnv, rollout);
      if (options.resume) await runner.#restore();
      else await runner.#source.reset(streams.envSeed);
      if (config.eval.every > 0 || config.eval.final)
        runner.#evalEnv = await makeEnv(config.task, { ...robot, control: config.control });
      return runner;
    } catch (err) {
      if (runner) await runner.close();
      else await vecEnv.close();
      throw err;
    }
  }

  /** Release the environments (the source closes the vectorised env). */
  async close(): Promise<void> {
    this.#evalEnv?.close();
    this.#evalEnv = undefined;
    await this.#experience.close();
    await this.#source.close();
  }

  /** Run iterations until totalSteps, a stop request or maxIterations; the state stays resumable. */
  async learn(): Promise<TrainResult> {
    const { config } = this;
    const options = this.#options;
    const { progress } = options;
    const { nSteps, gamma, gaeLambda } = this.#rollout;
    const spec = this.vecEnv.spec;
    const evalEvery = config.eval.every;
    const startSteps = this.#steps;
    const started = performance.now();
    let processSeconds = 0;
    let itersThisProcess = 0;
    let interrupted = false;
    let finalEval: EvaluationResult | undefined;
    this.#logger.info(
      {
        task: config.task,
        algo: config.algo,
        seed: config.seed,
        numEnvs: this.vecEnv.numEnvs,
        workers: config.env.workers,
        batch: nSteps * this.vecEnv.numEnvs,
        backend: this.#backend.backend,
        runDir: this.paths.root,
      },
      `training ${config.task} with ${config.algo} for ${config.totalSteps} steps`,
    );

    while (this.#steps < config.totalSteps) {
      if (options.maxIterations !== undefined && itersThisProcess >= options.maxIterations) {
        interrupted = true;
        break;
      }
      const t0 = performance.now();
      const delivery = await this.#experience.next();
      if (!delivery) throw new Error('OnPolicyRunner.learn: the simulation source was closed');
      const { storage, rollout: roll } = delivery.onPolicy;
      storage.computeReturnsAndAdvantages(roll.lastValues, gamma, gaeLambda);
      const t1 = performance.now();
      const upd = this.algorithm.update(storage.batch());
      const t2 = performance.now();
      this.#iteration += 1;
      itersThisProcess += 1;
      this.#steps += roll.steps;
      const seconds = (t2 - t0) / 1000;
      this.#wallTime += seconds;
      processSeconds += seconds;
      const iteration = this.#iteration;
      const steps = this.#steps;

      const isLast = steps >= config.totalSteps;
      let ev: EvaluationResult | undefined;
      if ((evalEvery > 0 && iteration % evalEvery === 0) || (isLast && config.eval.final)) {
        ev = this.#evaluate();
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
        wallTime: this.#wallTime,
        ...(ev
          ? {
              evalReturn: ev.meanReturn,
              evalSuccessRate: ev.successRate,
              evalFinalDistance: ev.meanFinalDistance,
            }
          : {}),
      };
      appendMetricsLine(this.paths.metrics, line);
      this.#history.push(line);
      writeFileAtomic(
        this.paths.curve,
        learningCurveSvg(this.#history, `${config.task} — ${config.algo}, seed ${config.seed}`),
      );
      this.#logger.info({ ...line, update: upd.raw }, `iteration ${iteration}`);

      const best = this.#best;
      const score =
        best.metric === 'evalReturn' ? (ev?.meanReturn ?? null) : line.episodeReturnMean;
      const isBest = score !== null && (best.score === null || score > best.score);
      if (isBest) this.#best = { metric: best.metric, score, iteration };
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
      if (due) await this.#writeCheckpoint(isBest, line);
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
        this.#logger.warn({ iteration, steps }, 'stop requested: checkpoint written, exiting');
        break;
      }
    }
    progress.done();
    return {
      runDir: this.paths.root,
      iterations: this.#iteration,
      steps: this.#steps,
      interrupted,
      best: this.#best,
      lastMetrics: this.#history[this.#history.length - 1],
      finalEval,
      stepsPerSec: processSeconds > 0 ? (this.#steps - startSteps) / processSeconds : 0,
    };
  }

  /** Restore networks, optimisers, random streams, environments and counters from `latest`. */
  async #restore(): Promise<void> {
    const { paths } = this;
    const spec = this.vecEnv.spec;
    const { context } = this.algorithm;
    // The robot folder may have changed since: resuming on another robot is refused by name.
    const ckpt = loadResumeCheckpoint(paths.checkpoints, spec, 'train --resume');
    const state = parseTrainerState(ckpt.trainerState, ckpt.dir);
    this.policy.importParameters(ckpt.policy);
    if (!ckpt.value) throw new Error(`train --resume: ${ckpt.dir} has no value network`);
    this.value.importParameters(ckpt.value);
    this.#streams.sample.setState(state.sampleRng);
    this.#streams.update.setState(state.updateRng);
    context.valueOptimizer.setState(state.valueOptimizer);
    if (state.policyOptimizer && context.policyOptimizer)
      context.policyOptimizer.setState(state.policyOptimizer);
    await this.vecEnv.setState(state.envStates);
    this.#source.cursor = restoreCursor(state.cursor);
    this.#iteration = state.iteration;
    this.#steps = state.steps;
    this.#wallTime = state.wallTime;
    this.#best = state.best;
    this.#history = truncateMetrics(paths.metrics, state.iteration);
    this.#logger.info(
      { checkpoint: ckpt.dir, iteration: state.iteration, steps: state.steps },
      `resuming from ${ckpt.dir}`,
    );
  }

  async #snapshot(): Promise<TrainerState> {
    const { context } = this.algorithm;
    return {
      version: TRAINER_STATE_VERSION,
      iteration: this.#iteration,
      steps: this.#steps,
      wallTime: this.#wallTime,
      sampleRng: this.#streams.sample.getState(),
      updateRng: this.#streams.update.getState(),
      valueOptimizer: context.valueOptimizer.getState(),
      ...(context.policyOptimizer ? { policyOptimizer: context.policyOptimizer.getState() } : {}),
      cursor: cursorState(this.#source.cursor),
      envStates: await this.vecEnv.getState(),
      best: this.#best,
    };
  }

  async #writeCheckpoint(isBest: boolean, last: MetricsLine | undefined): Promise<void> {
    const { config, paths } = this;
    const spec = this.vecEnv.spec;
    const iteration = this.#iteration;
    const steps = this.#steps;
    const name = checkpointName(iteration);
    const summary: Record<string, number | null> = {
      episodeReturnMean: last?.episodeReturnMean ?? null,
      evalReturn: last?.evalReturn ?? null,
    };
    saveCheckpoint(join(paths.checkpoints, name), {
      task: spec.name,
      ...(spec.robot !== undefined ? { robot: spec.robot } : {}),
      ...(spec.taskParams !== undefined ? { taskParams: spec.taskParams } : {}),
      jointNames: spec.jointNames,
      actionLow: spec.actionLow,
      actionHigh: spec.actionHigh,
      backend: this.#backend.backend,
      algo: config.algo,
      iteration,
      steps,
      policy: this.policy,
      value: this.value,
      hyperparameters: config as unknown as Record<string, unknown>,
      summary,
      trainerState: await this.#snapshot(),
    });
    writePointer(paths.checkpoints, 'latest', { checkpoint: name, iteration, steps });
    if (isBest)
      writePointer(paths.checkpoints, 'best', {
        checkpoint: name,
        iteration,
        steps,
        metric: this.#best.metric,
        score: this.#best.score,
      });
    pruneCheckpoints(paths, config.checkpoint.every);
  }

  #evaluate(): EvaluationResult {
    if (!this.#evalEnv) throw new Error('train: evaluation environment missing');
    return evaluatePolicy(this.#evalEnv, this.policy, {
      episodes: this.config.eval.episodes,
      deterministic: true,
      seed: this.#streams.evalSeed,
    });
  }
}

/** Train per `options`; resolves when done, interrupted, or throws on error (state stays resumable). */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const runner = await OnPolicyRunner.create(options);
  try {
    return await runner.learn();
  } finally {
    await runner.close();
  }
}

export type { RunPaths };
