/**
 * The checkpoint manifest (manifest.json): its zod schema and format version. A checkpoint is a
 * directory:
 *
 *   manifest.json            this schema
 *   policy/<name>.bin        actor parameters, raw little-endian Float32, one file per named array
 *   value/<name>.bin         critic parameters (when saved), same encoding
 *   trainer-state.json       optional: everything a resumed run needs (RNG, optimiser moments,
 *                            environment states, counters), JSON (numbers round-trip exactly)
 *
 * Every file is listed under `files` with its byte length and sha256, so a truncated or corrupted
 * file is refused on load.
 */
import { z } from 'zod';

export const CHECKPOINT_FORMAT = 'torquepilot.checkpoint';
export const CHECKPOINT_VERSION = 1;

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits (sha256)');

/** One stored file. */
export const CheckpointFileSchema = z.strictObject({
  /** Path relative to the checkpoint directory. */
  path: z.string().regex(/^[A-Za-z0-9_.\-/]+$/, 'expected a relative path of [A-Za-z0-9_.-/]'),
  /** Element type; 'json' for JSON documents. */
  dtype: z.enum(['float32', 'float64', 'json']),
  /** Array shape (row-major) for binary arrays. */
  shape: z.array(z.number().int().nonnegative()).optional(),
  bytes: z.number().int().nonnegative(),
  sha256: sha256Hex,
});
export type CheckpointFile = z.infer<typeof CheckpointFileSchema>;

const NormalizerStateSchema = z.strictObject({
  mean: z.array(finite),
  var: z.array(finite),
  count: finite,
  clip: finite,
  epsilon: finite,
});

export const PolicyOptionsSchema = z.strictObject({
  obsSize: z.number().int().positive(),
  actionSize: z.number().int().positive(),
  hiddenSizes: z.array(z.number().int().positive()),
  activation: z.enum(['tanh', 'relu']),
  logStdInit: finite,
  logStdMin: finite,
  logStdMax: finite,
  stateDependentStd: z.boolean(),
  hiddenGain: finite,
  outputGain: finite,
  normalizeObs: z.boolean(),
  obsClip: finite,
});

export const ValueOptionsSchema = z.strictObject({
  obsSize: z.number().int().positive(),
  hiddenSizes: z.array(z.number().int().positive()),
  activation: z.enum(['tanh', 'relu']),
  hiddenGain: finite,
  outputGain: finite,
});

/**
 * The robot a policy was trained on. `modelHash` is sha256 over the compiled MuJoCo model's arrays
 * (sim/modelHash.ts: tree, body frames and inertias, joints, dofs, actuators, sites, geoms,
 * timestep, gravity), so a changed link, mass or limit is a different robot.
 */
export const CheckpointRobotSchema = z.strictObject({
  name: z.string().min(1),
  modelHash: sha256Hex,
  /** Commanded joints in command order. */
  jointNames: z.array(z.string().min(1)),
  /** |effort| limit per joint (N·m, or N for prismatic joints). */
  torqueLimits: z.array(finite),
  gravity: z.enum(['policy', 'robot']),
});
export type CheckpointRobot = z.infer<typeof CheckpointRobotSchema>;

/** The task's kind and parameters (src/config/taskFile.ts validates them when they are used). */
export const CheckpointTaskSchema = z.looseObject({ kind: z.string().min(1) });
export type CheckpointTask = z.infer<typeof CheckpointTaskSchema>;

export const ManifestSchema = z.strictObject({
  format: z.literal(CHECKPOINT_FORMAT),
  version: z.literal(CHECKPOINT_VERSION),
  /** Content-derived id: `<task>-it<iteration>-<12 hex of the sha256 over all file hashes>`. */
  id: z.string().min(1),
  createdAt: z.string(),
  task: z.string().min(1),
  /** The robot trained on; absent in checkpoints older than robot folders (built-in tasks). */
  robot: CheckpointRobotSchema.optional(),
  /** The task's kind and parameters; absent in older checkpoints (built-in tasks: their name). */
  taskParams: CheckpointTaskSchema.optional(),
  obsSize: z.number().int().positive(),
  actionSize: z.number().int().positive(),
  /** Actuated joint names in command order (the robot description's order). */
  jointNames: z.array(z.string()),
  /** Actuator ctrlrange, per action entry. */
  actionLow: z.array(finite).optional(),
  actionHigh: z.array(finite).optional(),
  /** tfjs backend the run trained on ('wasm', 'cpu', 'tensorflow'). */
  backend: z.string(),
  /** Training algorithm that produced the weights (trpo, npg, vpg, ppo). */
  algo: z.string().optional(),
  /** Completed training iterations and environment steps at save time. */
  iteration: z.number().int().nonnegative(),
  steps: z.number().int().nonnegative(),
  policy: z.strictObject({
    options: PolicyOptionsSchema,
    normalizer: NormalizerStateSchema.optional(),
    /** Parameter name → `files` key, in the policy's flat-parameter order. */
    parameters: z.record(z.string(), z.string()),
  }),
  value: z
    .strictObject({
      options: ValueOptionsSchema,
      parameters: z.record(z.string(), z.string()),
    })
    .optional(),
  /** The resolved training configuration (hyperparameters) of the run. */
  hyperparameters: z.record(z.string(), z.unknown()),
  /** Summary numbers at save time (e.g. meanReturn, evalReturn). */
  summary: z.record(z.string(), z.number().nullable()).optional(),
  /** `files` key of the trainer state JSON, when the checkpoint can resume training. */
  trainerState: z.string().optional(),
  files: z.record(z.string(), CheckpointFileSchema),
});
export type CheckpointManifest = z.infer<typeof ManifestSchema>;
