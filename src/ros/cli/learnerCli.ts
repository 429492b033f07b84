/**
 * `torquepilot learner` (commander): the learner node (nodes/learnerNode.ts) around an
 * asynchronous off-policy learner (src/learn createOffPolicyLearner), with a `train` run directory
 * (config.yaml, checkpoints/, train.log), checkpoints written by saveCheckpoint (atomic), resume,
 * and a final deterministic evaluation on the task as `train` evaluates (docs/fleet.md).
 *
 * stdout, one JSON object per line: {"type":"start",...} with --eval-initial; one
 * {"type":"update",...} per update (LearnerMetrics); at the end {"type":"actors","accepted":{<actor
 * id>: chunks queued},...the topic source's counters}, then exactly
 * {"type":"done","transitions","updates","droppedStale","refused","finalEval":{...}}.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { makeEnv } from '../../../sim/index.js';
import { createOffPolicyLearner, experienceIdentity } from '../../learn/index.js';
import type { OffPolicyLearnerState } from '../../learn/index.js';
import {
  GaussianPolicy,
  initBackend,
  saveCheckpoint,
  ValueNetwork,
  writePointer,
} from '../../policy/index.js';
import {
  checkpointName,
  deriveStreams,
  evaluatePolicy,
  loadResumeCheckpoint,
  parseIntFlag,
  pruneCheckpoints,
  runPaths,
} from '../../train/index.js';
import type { EvaluationResult } from '../../train/index.js';
import { parseLogLevel } from '../../util/index.js';
import { LearnerNode } from '../nodes/index.js';
import { loadRclnodejsTransport } from '../transport/index.js';
import type { NodeLogger } from '../transport/index.js';
import { fleetConfig, fleetLogger, learnerId, learnerRunDir, withShutdown } from './fleetShared.js';
import type { FleetTaskFlags } from './fleetShared.js';
import { nodeLogger } from './cliLoggers.js';

export interface LearnerFlags extends FleetTaskFlags {
  algo: string;
  runDir?: string;
  resume?: string;
  steps?: string;
  duration?: string;
  publishEvery: string;
  checkpointEvery: string;
  keepEvery: string;
  maxLag: string;
  batchSize: string;
  queueCapacity?: string;
  evalInitial?: boolean;
  name: string;
}

/** What the learner keeps in its checkpoints' trainer state. */
interface LearnerCheckpointState {
  readonly kind: 'fleet-learner';
  readonly algorithm: string;
  readonly learner: OffPolicyLearnerState;
}

function finalEvalJson(ev: EvaluationResult) {
  return {
    episodes: ev.episodes,
    meanReturn: ev.meanReturn,
    stdReturn: ev.stdReturn,
    successRate: ev.successRate,
    meanFinalDistance: ev.meanFinalDistance,
    meanLength: ev.meanLength,
  };
}

/** Build, resume, learn, checkpoint, evaluate; prints the JSON lines (see the module comment). */
export async function runLearner(
  flags: LearnerFlags,
  stopRequested: () => boolean,
  useLog: (log: NodeLogger) => void,
): Promise<void> {
  const algorithm = flags.algo;
  if (algorithm !== 'trpo' && algorithm !== 'impala')
    throw new Error(`torquepilot learner: --algo '${algorithm}' is not one of trpo, impala`);
  const config = fleetConfig(flags, flags.resume);
  const maxTransitions =
    flags.steps !== undefined ? parseIntFlag('--steps', flags.steps, 0) : Infinity;
  const durationS = flags.duration !== undefined ? Number(flags.duration) : Infinity;
  if (!(durationS > 0))
    throw new Error(
      `torquepilot learner: --duration '${flags.duration}' must be a positive number`,
    );
  const publishEvery = parseIntFlag('--publish-every', flags.publishEvery, 1);
  const checkpointEvery = parseIntFlag('--checkpoint-every', flags.checkpointEvery, 0);
  const keepEvery = parseIntFlag('--keep-every', flags.keepEvery, 0);
  const maxLag = parseIntFlag('--max-lag', flags.maxLag, 0);
  const batchSize = parseIntFlag('--batch-size', flags.batchSize, 1);
  const queueCapacity =
    flags.queueCapacity !== undefined
      ? parseIntFlag('--queue-capacity', flags.queueCapacity, 1)
      : undefined;
  const { dir: runDir } = learnerRunDir(flags, config);
  const paths = runPaths(runDir);
  const logger = fleetLogger(config, flags, paths.log);
  const log = nodeLogger(logger);
  useLog(log);
  const backend = await initBackend(config.backend === 'auto' ? undefined : config.backend);
  const robot = config.robot !== '' ? { robot: config.robot } : {};
  const evalEnv = await makeEnv(config.task, { ...robot, control: config.control });
  try {
    const spec = evalEnv.spec;
    const identity = experienceIdentity(spec);
    const streams = deriveStreams(config.seed);
    const policy = new GaussianPolicy(
      { ...config.policy, obsSize: spec.obsSize, actionSize: spec.actionSize },
      streams.policyInit,
    );
    const value = new ValueNetwork({ ...config.value, obsSize: spec.obsSize }, streams.valueInit);
    const learner = createOffPolicyLearner({
      policy,
      value,
      identity,
      rng: streams.update,
      algorithm,
      batchSize,
      maxLag,
      ...(queueCapacity !== undefined ? { queueCapacity } : {}),
      trpo: config.trpo,
    });
    if (flags.resume !== undefined) {
      const ckpt = loadResumeCheckpoint(paths.checkpoints, spec, 'learner --resume');
      const state = ckpt.trainerState as LearnerCheckpointState | undefined;
      if (state?.kind !== 'fleet-learner' || state.algorithm !== algorithm)
        throw new Error(
          `learner --resume: ${ckpt.dir} is not a ${algorithm} learner checkpoint (trainer state kind '${String(state?.kind)}', algorithm '${String(state?.algorithm)}')`,
        );
      policy.importParameters(ckpt.policy);
      if (!ckpt.value) throw new Error(`learner --resume: ${ckpt.dir} has no value network`);
      value.importParameters(ckpt.value);
      learner.restoreState(state.learner);
      logger.warn(`${flags.name}: resumed from ${ckpt.dir} at version ${learner.version}`);
    }
    const evaluate = (): EvaluationResult =>
      evaluatePolicy(evalEnv, policy, {
        episodes: config.eval.episodes,
        deterministic: true,
        seed: streams.evalSeed,
      });
    if (flags.evalInitial === true) {
      const ev = evaluate();
      process.stdout.write(
        `${JSON.stringify({ type: 'start', version: learner.version, initialEval: finalEvalJson(ev) })}\n`,
      );
    }
    const checkpoint = (): void => {
      const s = learner.stats();
      const version = learner.version;
      const name = checkpointName(version);
      saveCheckpoint(join(paths.checkpoints, name), {
        task: spec.name,
        ...(spec.robot !== undefined ? { robot: spec.robot } : {}),
        ...(spec.taskParams !== undefined ? { taskParams: spec.taskParams } : {}),
        jointNames: spec.jointNames,
        actionLow: spec.actionLow,
        actionHigh: spec.actionHigh,
        backend: backend.backend,
        algo: algorithm,
        iteration: version,
        steps: s.transitions,
        policy,
        value,
        hyperparameters: config as unknown as Record<string, unknown>,
        summary: { transitions: s.transitions, updates: s.updates },
        trainerState: { kind: 'fleet-learner', algorithm, learner: learner.exportState() },
      });
      writePointer(paths.checkpoints, 'latest', {
        checkpoint: name,
        iteration: version,
        steps: s.transitions,
      });
      // As train's `checkpoint.every`: the latest and every keepEvery-th version stay on disk.
      pruneCheckpoints(paths, keepEvery);
    };
    const transport = await loadRclnodejsTransport({ logger: log });
    const node = transport.createRawTopicNode(flags.name);
    const learnerNode = new LearnerNode(node, {
      learner,
      learnerId: learnerId(runDir),
      publishEvery,
      maxTransitions,
      durationS,
      checkpointEvery,
      checkpoint,
      onUpdate: (metrics, summary) => {
        process.stdout.write(`${JSON.stringify(metrics)}\n`);
        logger.info({ ...metrics, update: summary.raw }, `update ${metrics.version}`);
      },
    });
    transport.spin();
    logger.warn(
      `${flags.name}: learning ${config.task} (${algorithm}) into ${runDir} from version ${learner.version}`,
    );
    try {
      const result = await learnerNode.run(stopRequested);
      process.stdout.write(
        `${JSON.stringify({ type: 'actors', accepted: learnerNode.acceptedByActor(), ...learnerNode.source.stats() })}\n`,
      );
      const finalEval = evaluate();
      process.stdout.write(
        `${JSON.stringify({ type: 'done', transitions: result.transitions, updates: result.updates, droppedStale: result.droppedStale, refused: result.refused, finalEval: finalEvalJson(finalEval) })}\n`,
      );
      logger.info({ ...result, finalEval: finalEvalJson(finalEval) }, 'learner done');
    } finally {
      await learnerNode.close();
      await transport.shutdown();
    }
  } finally {
    evalEnv.close();
  }
}

export function registerLearnerCommand(program: Command): void {
  program
    .command('learner')
    .description(
      "Learn from the actors' TransitionChunks with V-trace-corrected updates; publish the parameters every K updates (docs/fleet.md).",
    )
    .option('--task <kind|file>', 'task (as train): the identity chunks must have')
    .option('--robot <dir|name>', "robot (as train); default: the task's")
    .option('--config <file>', 'training config YAML over the task defaults')
    .option('--algo <name>', 'trpo (natural gradient, truncated weights) | impala', 'trpo')
    .option('--run-dir <dir>', 'run directory (default: as train, with a -learner suffix)')
    .option('--resume <dir>', 'continue the learner run in <dir> from its latest checkpoint')
    .option('--steps <n>', 'stop after n transitions learned from (0: only evaluate)')
    .option('--duration <s>', 'stop after s seconds')
    .option('--publish-every <K>', 'publish the parameters every K updates', '1')
    .option(
      '--checkpoint-every <n>',
      'write a checkpoint every n updates (0: only at the end)',
      '10',
    )
    .option(
      '--keep-every <n>',
      'keep the checkpoint of every n-th version besides the latest; the others are deleted (0: the latest only)',
      '100',
    )
    .option('--max-lag <versions>', 'drop chunks more than this many versions behind', '20')
    .option('--batch-size <n>', 'transitions per update, at least', '2048')
    .option('--queue-capacity <n>', 'transitions the queue holds (default 4 × batch size)')
    .option('--seed <n>', 'network initialisation and update randomness')
    .option('--eval-initial', 'evaluate before learning (a {"type":"start"} line on stdout)')
    .option('--name <name>', 'node name', 'torquepilot_learner')
    .option('--log-level <level>', 'trace | debug | info | warn | error | fatal | silent')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (flags: LearnerFlags) => {
      if (flags.logLevel !== undefined) parseLogLevel(flags.logLevel);
      await withShutdown(
        flags.name,
        'exiting without a final checkpoint',
        async (stopRequested, useLog) => {
          await runLearner(flags, stopRequested, useLog);
        },
      );
    });
}
