/**
 * `torquepilot replay` without the flag parsing: read one or more bags through the learning seam's
 * bag source (BagTransitionSource, streaming), check them
 * against the checkpoint (task, joint names, sizes), run the importance-weighted TRPO iterations
 * (replayUpdate.ts), or with `criticOnly` only the critic fit (criticReplay.ts), and save the new
 * checkpoint atomically. Steps recorded with the mean action are refused for importance weighting
 * (`refuseDeterministicSteps`).
 */
import type { Logger } from 'pino';
import { createAlgorithm } from '../learn/index.js';
import {
  loadCheckpoint,
  policyFromCheckpoint,
  saveCheckpoint,
  valueFromCheckpoint,
} from '../policy/index.js';
import type {
  CheckpointContents,
  CheckpointManifest,
  GaussianPolicy,
  LoadedCheckpoint,
} from '../policy/index.js';
import { ValueNetwork } from '../policy/index.js';
import { Random } from '../util/index.js';
import type { BagReadReport } from './bagEpisodeReader.js';
import { BagTransitionSource } from './bagTransitionSource.js';
import type { BagSource } from './bagTransitionSource.js';
import { criticOnlyReplay } from './criticReplay.js';
import type { WeightStats } from './importanceWeights.js';
import { ReplayDataBuilder } from './replayData.js';
import type { ReplayData } from './replayData.js';
import { REPLAY_DEFAULTS, replayUpdateSteps } from './replayUpdate.js';
import type { ReplayConfig, ReplayIterationStats } from './replayUpdate.js';
import type { BagTopics } from './types.js';

export interface RunReplayOptions {
  /** Bag directories (or .mcap files), read in order. */
  readonly bags: readonly string[];
  /** Checkpoint to improve (directory, or a run directory = its best). */
  readonly checkpoint: string;
  /** Where to write the new checkpoint. */
  readonly out: string;
  readonly config?: Partial<ReplayConfig>;
  /** Seed of the critic's minibatch shuffling. */
  readonly seed?: number;
  readonly topics?: Partial<BagTopics>;
  /**
   * Fit only the value network (the policy is saved unchanged): the path for steps recorded with
   * the mean action, which importance weighting refuses.
   */
  readonly criticOnly?: boolean;
  readonly logger?: Logger;
  /**
   * Checked between iterations (SIGINT/SIGTERM, replay/cli.ts): true = stop there and write the
   * checkpoint of the iterations done.
   */
  readonly shouldStop?: () => boolean;
  /**
   * Wrap the bag source replay takes its experience from (a spy in tests); it must pass the
   * deliveries through unchanged.
   */
  readonly wrapSource?: (source: BagSource) => BagSource;
}

/** Weight statistics and how far the policy moved: of the whole run, and of each iteration. */
export interface ReplayMoveStats extends WeightStats {
  readonly kl: number;
  readonly surrogateBefore: number;
  readonly surrogateAfter: number;
}

/** What `replay --json` prints. */
export interface ReplaySummary extends ReplayMoveStats {
  /** 'policy': importance-weighted TRPO; 'critic-only': value fit only (weights stats are NaN). */
  readonly mode: 'policy' | 'critic-only';
  readonly transitions: number;
  /** Steps whose action was the behaviour's mean (only a critic-only replay accepts them). */
  readonly deterministicSteps: number;
  readonly episodes: number;
  readonly skippedEpisodes: number;
  readonly weights: ReplayConfig['weights'];
  readonly rhoBar: number;
  readonly cBar: number;
  readonly checkpoint: string;
  readonly checkpointId: string;
  readonly behaviourCheckpointIds: readonly string[];
  readonly bags: readonly BagReadReport[];
  readonly iterations: readonly (ReplayMoveStats & {
    readonly iteration: number;
    readonly accepted: boolean;
    readonly lineSearchSteps: number;
    readonly valueLoss: number;
  })[];
  /** Critic-only: MSE of V on its targets before and after the fit. */
  readonly valueLossBefore?: number;
  readonly valueLossAfter?: number;
}

/** Joint names must match exactly and in order: torques are applied by index. */
function checkJointNames(ckpt: LoadedCheckpoint, bag: string, names: readonly string[]): void {
  const want = ckpt.manifest.jointNames;
  if (names.join('\u0000') !== want.join('\u0000')) {
    throw new Error(
      `replay: joint names do not match: checkpoint ${ckpt.dir} has [${want.join(', ')}] but bag ${bag} was recorded with [${names.join(', ')}]`,
    );
  }
}

/**
 * Importance weights π/μ need the behaviour's density μ(a|s); a step that took the mean has none
 * (issue 16). Throws naming every bag with such steps, how many, and what to do instead.
 */
export function refuseDeterministicSteps(reports: readonly BagReadReport[]): void {
  const bad = reports.filter((r) => r.deterministicSteps > 0);
  if (bad.length === 0) return;
  const which = bad
    .map((r) => `bag ${r.source} has ${r.deterministicSteps} of ${r.transitions} steps`)
    .join('; ');
  throw new Error(
    `replay: ${which} recorded deterministically (the policy node's explore was false, so each action was the policy's mean). ` +
      'A deterministic behaviour has no density, so importance weights π/μ are undefined for those steps and replay will not weight them. ' +
      'To improve the policy, record with explore:=true (ros2 param set /torquepilot_policy explore true, or deploy --explore); ' +
      'to fit only the value function on these steps, pass --critic-only.',
  );
}

/**
 * Stream every bag into ReplayData through the bag source, checking each bag against the
 * checkpoint: its metadata when opened, its first delivery's identity (joints, observation size).
 */
export async function readReplayData(
  bags: readonly string[],
  ckpt: LoadedCheckpoint,
  topics?: Partial<BagTopics>,
  logger?: Logger,
  wrapSource?: (source: BagSource) => BagSource,
): Promise<{ data: ReplayData; reports: BagReadReport[] }> {
  if (bags.length === 0) throw new Error('replay: no --bag given');
  const builder = new ReplayDataBuilder();
  const m = ckpt.manifest;
  const base = new BagTransitionSource({
    bags,
    ...(topics ? { topics } : {}),
    onBagOpen: ({ path, customData }) => {
      const names = customData['torquepilot.joint_names'];
      if (names !== undefined) checkJointNames(ckpt, path, JSON.parse(names) as string[]);
      const task = customData['torquepilot.task'];
      if (task !== undefined && task !== m.task) {
        throw new Error(
          `replay: bag ${path} was recorded on task '${task}', checkpoint ${ckpt.dir} is for '${m.task}'`,
        );
      }
    },
    onBagRead: (report) => {
      if (report.damage === undefined && report.skippedEpisodes === 0) return;
      logger?.warn(
        {
          bag: report.source,
          episodes: report.episodes,
          skippedEpisodes: report.skippedEpisodes,
          damage: report.damage,
        },
        `replay: bag ${report.source}: used ${report.episodes} complete episodes, skipped ${report.skippedEpisodes}${report.damage ? ` (${report.damage})` : ''}`,
      );
    },
  });
  const source = wrapSource?.(base) ?? base;
  try {
    for (let d = await source.next(); d !== null; d = await source.next()) {
      // Each delivery's episodes: joints and sizes against the checkpoint.
      checkJointNames(ckpt, d.origin, d.identity.jointNames);
      if (d.identity.obsSize !== m.obsSize) {
        throw new Error(
          `replay: bag ${d.origin} has observations of length ${d.identity.obsSize}, checkpoint ${ckpt.dir} expects ${m.obsSize}`,
        );
      }
      builder.addDelivery(d);
    }
  } finally {
    await source.close();
  }
  const reports = [...source.reports()];
  if (builder.size === 0) {
    throw new Error(
      `replay: no complete episodes in ${bags.join(', ')} (skipped ${reports.reduce((s, r) => s + r.skippedEpisodes, 0)})`,
    );
  }
  return { data: builder.build(), reports };
}

export async function runReplay(options: RunReplayOptions): Promise<ReplaySummary> {
  const cfg: ReplayConfig = { ...REPLAY_DEFAULTS, ...options.config };
  const ckpt = loadCheckpoint(options.checkpoint);
  const m = ckpt.manifest;
  const { data, reports } = await readReplayData(
    options.bags,
    ckpt,
    options.topics,
    options.logger,
    options.wrapSource,
  );
  if (options.criticOnly !== true) refuseDeterministicSteps(reports);
  const policy = policyFromCheckpoint(ckpt);
  const rng = new Random(options.seed ?? 0);
  let value = valueFromCheckpoint(ckpt);
  if (!value) {
    options.logger?.warn(
      `replay: checkpoint ${ckpt.dir} has no value network; starting a fresh one (advantages start as returns)`,
    );
    value = new ValueNetwork({ obsSize: m.obsSize }, rng.fork());
  }
  // The TRPO entry of learn's registry: the Algorithm interface `train` updates through. Its critic
  // optimiser steps with cfg.trpo's criticLearningRate, as trpoUpdate's critic fit always did.
  const algorithm = createAlgorithm('trpo', policy, value, cfg.trpo, rng.fork());
  const { context } = algorithm;
  const deterministicSteps = data.deterministicSteps;
  if (options.criticOnly === true) {
    const fit = criticOnlyReplay(policy, value, data, context, cfg);
    options.logger?.info(
      `replay --critic-only: value loss ${fit.valueLossBefore} -> ${fit.valueLossAfter} on ${data.size} steps (${deterministicSteps} deterministic)`,
    );
    const manifest = saveCheckpoint(options.out, {
      ...replayedCheckpoint(m, policy, value, {
        algo: 'replay-critic',
        iteration: m.iteration,
        replay: {
          from: m.id,
          bags: reports.map((r) => r.source),
          criticOnly: true,
          iterations: cfg.iterations,
          gamma: cfg.gamma,
          trpo: { ...cfg.trpo },
        },
      }),
      summary: {
        replayTransitions: data.size,
        replayValueLossBefore: fit.valueLossBefore,
        replayValueLossAfter: fit.valueLossAfter,
      },
    });
    return {
      mode: 'critic-only',
      transitions: data.size,
      deterministicSteps,
      episodes: data.bounds.length - 1,
      skippedEpisodes: reports.reduce((s, r) => s + r.skippedEpisodes, 0),
      ess: NaN,
      maxWeight: NaN,
      meanWeight: NaN,
      clippedFraction: NaN,
      kl: 0,
      surrogateBefore: NaN,
      surrogateAfter: NaN,
      weights: cfg.weights,
      rhoBar: cfg.rhoBar,
      cBar: cfg.cBar,
      checkpoint: options.out,
      checkpointId: manifest.id,
      behaviourCheckpointIds: data.checkpointIds,
      bags: reports,
      iterations: [],
      valueLossBefore: fit.valueLossBefore,
      valueLossAfter: fit.valueLossAfter,
    };
  }
  // One iteration at a time, yielding to the event loop in between so that a signal is seen.
  const steps = replayUpdateSteps(policy, value, data, algorithm, cfg);
  let next = steps.next(false);
  while (next.done !== true) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    options.logger?.info(`replay: iteration ${next.value.iteration} of ${cfg.iterations} done`);
    const stop = options.shouldStop?.() === true;
    if (stop) {
      options.logger?.warn(
        `replay: stop requested after iteration ${next.value.iteration} of ${cfg.iterations}; writing its checkpoint`,
      );
    }
    next = steps.next(stop);
  }
  const result = next.value;
  const done = result.iterations.length;
  const last = result.iterations[result.iterations.length - 1] as ReplayIterationStats;
  const iterations = result.iterations.map((it) => ({
    iteration: it.iteration,
    ess: it.ess,
    maxWeight: it.maxWeight,
    meanWeight: it.meanWeight,
    clippedFraction: it.clippedFraction,
    kl: it.trpo.kl,
    surrogateBefore: it.trpo.surrogateBefore,
    surrogateAfter: it.trpo.surrogateAfter,
    accepted: it.trpo.accepted,
    lineSearchSteps: it.trpo.lineSearchSteps,
    valueLoss: it.trpo.valueLoss,
  }));
  const manifest = saveCheckpoint(options.out, {
    ...replayedCheckpoint(m, policy, value, {
      algo: `replay-${cfg.weights}`,
      iteration: m.iteration + done,
      replay: {
        from: m.id,
        bags: reports.map((r) => r.source),
        weights: cfg.weights,
        rhoBar: cfg.rhoBar,
        cBar: cfg.cBar,
        iterations: done,
        gamma: cfg.gamma,
        trpo: { ...cfg.trpo },
      },
    }),
    summary: {
      replayTransitions: data.size,
      replayEss: result.initial.ess,
      replayKl: result.kl,
      replaySurrogateAfter: last.trpo.surrogateAfter,
    },
  });
  return {
    mode: 'policy',
    transitions: data.size,
    deterministicSteps,
    episodes: data.bounds.length - 1,
    skippedEpisodes: reports.reduce((s, r) => s + r.skippedEpisodes, 0),
    ess: result.initial.ess,
    maxWeight: result.initial.maxWeight,
    meanWeight: result.initial.meanWeight,
    clippedFraction: result.initial.clippedFraction,
    kl: result.kl,
    surrogateBefore: result.surrogateBefore,
    surrogateAfter: result.surrogateAfter,
    weights: cfg.weights,
    rhoBar: cfg.rhoBar,
    cBar: cfg.cBar,
    checkpoint: options.out,
    checkpointId: manifest.id,
    behaviourCheckpointIds: data.checkpointIds,
    bags: reports,
    iterations,
  };
}

/**
 * What a replayed checkpoint keeps of the one it started from: task, robot identity (so the node
 * and eval still check the robot), joints, action bounds and backend; the replay's own settings go
 * under `hyperparameters.replay`.
 */
function replayedCheckpoint(
  m: CheckpointManifest,
  policy: GaussianPolicy,
  value: ValueNetwork,
  own: { algo: string; iteration: number; replay: Readonly<Record<string, unknown>> },
): CheckpointContents {
  return {
    task: m.task,
    ...(m.robot ? { robot: m.robot } : {}),
    ...(m.taskParams ? { taskParams: m.taskParams } : {}),
    jointNames: m.jointNames,
    ...(m.actionLow ? { actionLow: m.actionLow } : {}),
    ...(m.actionHigh ? { actionHigh: m.actionHigh } : {}),
    backend: m.backend,
    algo: own.algo,
    iteration: own.iteration,
    steps: m.steps,
    policy,
    value,
    hyperparameters: { ...m.hyperparameters, replay: own.replay },
  };
}
