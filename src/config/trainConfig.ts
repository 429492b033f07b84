/**
 * The training configuration: its zod schema, defaults and layering.
 *
 *   defaults (this file + the learning core's frozen defaults objects)
 *     < models/<task>/train.yaml (the task's tuned defaults; see taskLayerPath for kinds and robots)
 *     < --config run.yaml
 *     < command-line flags
 *
 * Every layer is validated on its own (so an error names the file it came from), then the merged
 * result is validated again. Objects are strict: an unknown key is an error that lists the allowed
 * keys. Algorithm sections (one per name of src/learn's registry) are derived from the learning
 * core's defaults objects, so their names, keys and default numbers live in one place (src/learn).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { GAUSSIAN_POLICY_DEFAULTS } from '../policy/index.js';
import type { GaussianPolicyOptions } from '../policy/index.js';
import { VALUE_NETWORK_DEFAULTS } from '../policy/index.js';
import type { ValueNetworkOptions } from '../policy/index.js';
import { ALGORITHM_DEFAULTS, ALGORITHM_NAMES } from '../learn/index.js';
import type { AlgorithmConfigs, AlgorithmName } from '../learn/index.js';
import { LOG_LEVELS } from '../util/index.js';
import { ControlSpecSchema } from './control.js';
import type { ControlSpec } from './control.js';
import { RandomizeSettingSchema } from './randomize.js';
import { BUILTIN_TASKS, isTaskName, resolveTaskSelection, TASK_KINDS } from './taskFile.js';
import type { RandomizeSetting } from './randomize.js';
import type { LogLevel } from '../util/index.js';
import {
  type PlainObject,
  mergeLayers,
  parseWith,
  readYamlFile,
  schemaFromDefaults,
} from './validate.js';

/** The update rules the trainer can run: the learning core's registry (src/learn algorithms.ts). */
export type Algorithm = AlgorithmName;

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };

/** One section per registered algorithm, keyed by its name (its hyperparameters). */
type AlgorithmSections = { [K in AlgorithmName]: Mutable<AlgorithmConfigs[K]> };

export interface TrainConfig extends AlgorithmSections {
  /** Task: a built-in task name (a folder of models/), a task kind, or a task YAML file. */
  task: string;
  /** Robot: a robot folder or a built-in robot name; '' = the robot the task implies. */
  robot: string;
  /** Update rule. */
  algo: Algorithm;
  /** Seed of every random stream of the run (networks, sampling, environments). */
  seed: number;
  /** Environment steps to train for (all environments together). */
  totalSteps: number;
  /** tfjs backend ('auto' = tfjs-node-gpu, tfjs-node, wasm, cpu, first that loads). */
  backend: 'auto' | 'wasm' | 'cpu' | 'tensorflow';
  env: {
    /** Environments stepped together (SB3 n_envs). */
    numEnvs: number;
    /** Worker threads for the environments (0 = in-process). */
    workers: number;
  };
  /**
   * Domain randomisation of the training environments (src/config/randomize.ts): 'off', the 'arm'
   * preset, or terms. Evaluation always runs the nominal model.
   */
  randomize: RandomizeSetting;
  /**
   * The control loop (src/config/control.ts): policy and controller rates, action filter and torque
   * rate limit. Empty: the task's own timing, no shaping. Training and evaluation use it alike.
   */
  control: ControlSpec;
  policy: Mutable<Omit<GaussianPolicyOptions, 'obsSize' | 'actionSize'>>;
  value: Mutable<Omit<ValueNetworkOptions, 'obsSize'>>;
  eval: {
    /** Run a deterministic evaluation every this many iterations (0 = never). */
    every: number;
    /** Episodes per evaluation. */
    episodes: number;
    /** Also evaluate after the last iteration. */
    final: boolean;
  };
  checkpoint: {
    /** Keep a checkpoint every this many iterations (0 = only latest and best). */
    every: number;
    /** Write `latest` every this many iterations (1 = after every iteration; resume restarts there). */
    latestEvery: number;
  };
  log: {
    /** pino level of train.log and the console. */
    level: LogLevel;
  };
}

/** Defaults of the sections this file owns (the algorithm sections come from src/learn). */
export const TRAIN_DEFAULTS: Readonly<TrainConfig> = Object.freeze({
  task: '',
  algo: 'trpo',
  seed: 0,
  totalSteps: 1_000_000,
  backend: 'auto',
  env: { numEnvs: 8, workers: 0 },
  randomize: 'off',
  control: {},
  policy: { ...GAUSSIAN_POLICY_DEFAULTS, hiddenSizes: [...GAUSSIAN_POLICY_DEFAULTS.hiddenSizes] },
  value: { ...VALUE_NETWORK_DEFAULTS, hiddenSizes: [...VALUE_NETWORK_DEFAULTS.hiddenSizes] },
  ...(Object.fromEntries(
    ALGORITHM_NAMES.map((k) => [k, { ...ALGORITHM_DEFAULTS[k] }]),
  ) as AlgorithmSections),
  eval: { every: 10, episodes: 5, final: true },
  checkpoint: { every: 50, latestEvery: 1 },
  log: { level: 'info' },
  robot: '',
} satisfies TrainConfig);

const posInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();
const positive = z.number().positive().finite();
const unit = z.number().min(0).max(1);
const openUnit = z.number().gt(0).lt(1);

/**
 * Ranges of hyperparameters by key name, whatever the algorithm section (the learning core's
 * configs share these names). Keys not listed here are checked by type only.
 */
const KEY_RANGES: Readonly<Record<string, z.ZodType>> = Object.freeze({
  nSteps: posInt,
  cgIterations: posInt,
  maxBacktracks: posInt,
  criticEpochs: posInt,
  criticBatchSize: posInt,
  epochs: posInt,
  batchSize: posInt,
  targetKl: positive,
  damping: z.number().nonnegative().finite(),
  cgResidualTol: z.number().nonnegative().finite(),
  learningRate: positive,
  criticLearningRate: positive,
  gamma: unit,
  gaeLambda: unit,
  backtrackFactor: openUnit,
  fisherSubsample: z.number().gt(0).max(1),
  clipRange: positive,
  entCoef: z.number().finite(),
  vfCoef: z.number().nonnegative().finite(),
  maxGradNorm: positive,
  optimizer: z.enum(['adam', 'sgd']),
});

const hidden = z.array(posInt).min(1, 'expected at least one hidden layer');
const activation = z.enum(['tanh', 'relu']);

const algoSection = (algo: Algorithm) =>
  schemaFromDefaults(ALGORITHM_DEFAULTS[algo] as unknown as PlainObject, KEY_RANGES);

/** Schema of one layer (every key optional, unknown keys rejected). */
export const TrainConfigLayerSchema = z.strictObject({
  task: z.string().min(1).optional(),
  algo: z.enum(ALGORITHM_NAMES).optional(),
  seed: z.number().int().min(0).max(0xffffffff).optional(),
  totalSteps: posInt.optional(),
  backend: z.enum(['auto', 'wasm', 'cpu', 'tensorflow']).optional(),
  env: z
    .strictObject({ numEnvs: posInt.max(4096).optional(), workers: nonNegInt.max(64).optional() })
    .optional(),
  randomize: RandomizeSettingSchema.optional(),
  control: ControlSpecSchema.optional(),
  policy: schemaFromDefaults(GAUSSIAN_POLICY_DEFAULTS as unknown as PlainObject, {
    hiddenSizes: hidden,
    activation,
    obsClip: positive,
    hiddenGain: positive,
    outputGain: positive,
  }).optional(),
  value: schemaFromDefaults(VALUE_NETWORK_DEFAULTS as unknown as PlainObject, {
    hiddenSizes: hidden,
    activation,
    hiddenGain: positive,
    outputGain: positive,
  }).optional(),
  ...(Object.fromEntries(ALGORITHM_NAMES.map((k) => [k, algoSection(k).optional()])) as {
    [K in AlgorithmName]: z.ZodOptional<ReturnType<typeof algoSection>>;
  }),
  eval: z
    .strictObject({
      every: nonNegInt.optional(),
      episodes: posInt.optional(),
      final: z.boolean().optional(),
    })
    .optional(),
  checkpoint: z
    .strictObject({ every: nonNegInt.optional(), latestEvery: posInt.optional() })
    .optional(),
  log: z.strictObject({ level: z.enum(LOG_LEVELS).optional() }).optional(),
  robot: z.string().optional(),
});
export type TrainConfigLayer = z.infer<typeof TrainConfigLayerSchema>;

/** Validate one layer; errors name `source` (a file path, or 'command line'). */
export function parseConfigLayer(input: unknown, source: string): PlainObject {
  if (input === null || input === undefined) return {};
  return parseWith(TrainConfigLayerSchema, input, source) as PlainObject;
}

/** Read and validate a YAML/JSON config file as one layer. */
export function readConfigFile(path: string): PlainObject {
  return parseConfigLayer(readYamlFile(path), path);
}

/** models/<task>/train.yaml, when the task ships one. */
export function taskConfigPath(modelsDir: string, task: string): string {
  return join(modelsDir, task, 'train.yaml');
}

/** Cross-field checks of a resolved config; throws naming the keys and values. */
function checkResolved(c: TrainConfig, source: string): void {
  if (c.task === '')
    throw new Error(`${source}: key 'task' is missing: pass --task or set task in the config`);
  if (c.env.workers > c.env.numEnvs)
    throw new Error(
      `${source}: key 'env.workers' = ${c.env.workers} exceeds 'env.numEnvs' = ${c.env.numEnvs}: expected workers ≤ numEnvs`,
    );
  if (!(c.policy.logStdMin < c.policy.logStdMax))
    throw new Error(
      `${source}: key 'policy.logStdMin' = ${c.policy.logStdMin} must be < 'policy.logStdMax' = ${c.policy.logStdMax}`,
    );
  const batch = c[c.algo].nSteps * c.env.numEnvs;
  const mb = (c[c.algo] as { batchSize?: number }).batchSize;
  if (mb !== undefined && mb > batch)
    throw new Error(
      `${source}: key '${c.algo}.batchSize' = ${mb} exceeds the rollout size ${c.algo}.nSteps × env.numEnvs = ${batch}`,
    );
}

export interface ResolveInputs {
  /** models/ directory (for the task's train.yaml). */
  readonly modelsDir: string;
  /** --config file, if any. */
  readonly configFile?: string;
  /** Command-line overrides, as a layer (e.g. { algo: 'ppo', env: { numEnvs: 4 } }). */
  readonly cli: PlainObject;
}

export interface ResolvedConfig {
  readonly config: TrainConfig;
  /** Files that contributed, in layering order. */
  readonly sources: readonly string[];
}

/**
 * The task's train.yaml layer. A built-in task name (or any folder of models/) uses its own
 * `models/<task>/train.yaml`. A kind or a task file on a robot uses `models/<robot>-<kind>/` when it
 * exists (so `--robot arm7 --task reach` trains exactly as arm7-reach), else the train.yaml of the
 * kind's built-in task (reach: arm7-reach), tuned for the same observation and reward.
 * @returns the file (or undefined) and the absolute task/robot values to store in the config.
 */
function taskLayerPath(
  modelsDir: string,
  task: string,
  robot: string | undefined,
): { path?: string; task: string; robot?: string } {
  const absoluteRobot = robot !== undefined && existsSync(robot) ? resolve(robot) : robot;
  const own = taskConfigPath(modelsDir, task);
  if (isTaskName(task) || existsSync(join(modelsDir, task)) || existsSync(task)) {
    if (robot !== undefined || !existsSync(join(modelsDir, task))) {
      // Fails here, naming the value, for an unknown robot, a bad task file or no workspace.
      const selection = resolveTaskSelection(task, robot, modelsDir);
      const named = taskConfigPath(modelsDir, selection.name);
      const builtin = Object.entries(BUILTIN_TASKS).find(
        ([, b]) => b.kind === selection.params.kind,
      )?.[0];
      const fallback = builtin !== undefined ? taskConfigPath(modelsDir, builtin) : undefined;
      const path = [named, fallback].find((p) => p !== undefined && existsSync(p));
      return {
        ...(path !== undefined ? { path } : {}),
        task: isTaskName(task) ? task : resolve(task),
        ...(absoluteRobot !== undefined ? { robot: absoluteRobot } : {}),
      };
    }
    return existsSync(own) ? { path: own, task } : { task };
  }
  throw new Error(
    `train: unknown task '${task}': no folder ${join(modelsDir, task)}, not a task kind (${TASK_KINDS.join(', ')}) nor a task file`,
  );
}

/** Layer defaults < task train.yaml < --config < CLI, validating each layer and the result. */
export function resolveTrainConfig(inputs: ResolveInputs): ResolvedConfig {
  const cli = parseConfigLayer(inputs.cli, 'command line');
  const file = inputs.configFile !== undefined ? readConfigFile(inputs.configFile) : {};
  const given = (cli['task'] ?? file['task']) as string | undefined;
  if (given === undefined) {
    throw new Error(
      `train: no task given: pass --task <name>${inputs.configFile ? ` or set 'task' in ${inputs.configFile}` : ''}`,
    );
  }
  const robotGiven = (cli['robot'] ?? file['robot']) as string | undefined;
  const sources: string[] = [];
  let taskLayer: PlainObject = {};
  const layer = taskLayerPath(inputs.modelsDir, given, robotGiven === '' ? undefined : robotGiven);
  if (layer.path !== undefined) {
    taskLayer = readConfigFile(layer.path);
    sources.push(layer.path);
  }
  if (inputs.configFile !== undefined) sources.push(inputs.configFile);
  const identity = {
    task: layer.task,
    ...(layer.robot !== undefined ? { robot: layer.robot } : {}),
  };
  const merged = mergeLayers(TRAIN_DEFAULTS, taskLayer, file, cli, identity);
  const source = sources.length > 0 ? `${sources.join(' + ')} (merged)` : 'config (merged)';
  const config = parseWith(TrainConfigLayerSchema, merged, source) as unknown as TrainConfig;
  checkResolved(config, source);
  return { config, sources };
}

/** Validate a complete config read back from a run directory (resume). */
export function parseResolvedConfig(input: unknown, source: string): TrainConfig {
  const merged = mergeLayers(TRAIN_DEFAULTS, input);
  const config = parseWith(TrainConfigLayerSchema, merged, source) as unknown as TrainConfig;
  checkResolved(config, source);
  return config;
}
