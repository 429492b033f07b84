/**
 * Checkpoints: save and load a policy (and optionally its critic and a trainer state) as a
 * directory of raw little-endian Float32 weight files plus a zod-validated manifest.json (format in
 * checkpointManifest.ts).
 *
 * Writes are atomic: everything goes into a temporary sibling directory which is fsynced and then
 * renamed into place, so a crash (even `kill -9`) leaves the old checkpoint or the new one, never a
 * half-written one. Within a run, `latest` and `best` are small pointer files (checkpointPointers.ts)
 * rewritten atomically, never directories renamed over each other.
 *
 * Loading recomputes every file's sha256 and length and refuses a corrupted, truncated or
 * mismatched (task, sizes, joint names) checkpoint with an error naming the file and the field.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { renameDirAtomic } from '../util/index.js';
import { Random } from '../util/index.js';
import { PolicyForward } from './forward.js';
import { GaussianPolicy } from './policy.js';
import type { ExportedParameters, GaussianPolicyOptions, NamedParameter } from './policy.js';
import type { NormalizerState } from './normalizer.js';
import { ValueNetwork } from './value.js';
import type { ValueNetworkOptions } from './value.js';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  ManifestSchema,
  type CheckpointFile,
  type CheckpointManifest,
  type CheckpointRobot,
  type CheckpointTask,
} from './checkpointManifest.js';
import { resolveCheckpointDir } from './checkpointPointers.js';

export { resolveCheckpointDir, writePointer, readPointer } from './checkpointPointers.js';
export type {
  CheckpointManifest,
  CheckpointFile,
  CheckpointRobot,
  CheckpointTask,
} from './checkpointManifest.js';
export { ManifestSchema, CHECKPOINT_FORMAT, CHECKPOINT_VERSION } from './checkpointManifest.js';

/** What to save. Shapes: actionLow/High (actionSize). */
export interface CheckpointContents {
  readonly task: string;
  /** The robot trained on (name, compiled-model hash, joints, limits, gravity). */
  readonly robot?: Readonly<
    Omit<CheckpointRobot, 'jointNames' | 'torqueLimits'> & {
      jointNames: readonly string[];
      torqueLimits: readonly number[];
    }
  >;
  /** The task's kind and parameters. */
  readonly taskParams?: CheckpointTask;
  readonly jointNames: readonly string[];
  readonly actionLow?: ArrayLike<number>;
  readonly actionHigh?: ArrayLike<number>;
  readonly backend: string;
  readonly algo?: string;
  readonly iteration: number;
  readonly steps: number;
  readonly policy: GaussianPolicy;
  readonly value?: ValueNetwork;
  /** Resolved training config (any JSON object). */
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  readonly summary?: Readonly<Record<string, number | null>>;
  /** JSON-serialisable state for exact resume (RNG, optimiser, environments, counters). */
  readonly trainerState?: unknown;
}

/** What a caller expects of a checkpoint; any mismatch is refused with a named field. */
export interface CheckpointExpectation {
  readonly task?: string;
  readonly obsSize?: number;
  readonly actionSize?: number;
  readonly jointNames?: readonly string[];
}

export interface LoadedCheckpoint {
  /** The checkpoint directory that was read. */
  readonly dir: string;
  readonly manifest: CheckpointManifest;
  /** Actor parameters and normaliser, ready for `GaussianPolicy.importParameters`. */
  readonly policy: ExportedParameters;
  /** Critic parameters, when saved. */
  readonly value?: ExportedParameters;
  /** The trainer state JSON, when saved. */
  readonly trainerState?: unknown;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function writeSynced(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Float32Array → little-endian bytes (copy; correct on big-endian hosts too). */
function float32Bytes(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i] as number, true);
  return out;
}

function readFloat32(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

const safeName = (name: string): string => name.replace(/[^A-Za-z0-9_.-]/g, '_');

/**
 * Write a checkpoint directory at `dir` atomically (temp sibling, fsync, rename). Returns the
 * manifest written. An existing checkpoint at `dir` is replaced.
 */
export function saveCheckpoint(dir: string, contents: CheckpointContents): CheckpointManifest {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const files: Record<string, CheckpointFile> = {};
    const put = (
      key: string,
      rel: string,
      bytes: Uint8Array,
      meta: Partial<CheckpointFile>,
    ): void => {
      mkdirSync(dirname(join(tmp, rel)), { recursive: true });
      writeSynced(join(tmp, rel), bytes);
      files[key] = {
        path: rel,
        dtype: meta.dtype ?? 'float32',
        ...(meta.shape ? { shape: meta.shape } : {}),
        bytes: bytes.length,
        sha256: sha256(bytes),
      };
    };
    const putParams = (group: string, params: Readonly<Record<string, NamedParameter>>) => {
      const names: Record<string, string> = {};
      for (const [name, p] of Object.entries(params)) {
        const key = `${group}/${name}`;
        put(key, `${group}/${safeName(name)}.bin`, float32Bytes(p.data), {
          dtype: 'float32',
          shape: [...p.shape],
        });
        names[name] = key;
      }
      return names;
    };
    const pol = contents.policy;
    const exported = pol.exportParameters();
    const policyNames = putParams('policy', exported.parameters);
    let valueSection: CheckpointManifest['value'];
    if (contents.value) {
      const v = contents.value;
      valueSection = {
        options: { ...v.options, hiddenSizes: [...v.options.hiddenSizes] },
        parameters: putParams('value', v.exportParameters().parameters),
      };
    }
    let trainerKey: string | undefined;
    if (contents.trainerState !== undefined) {
      trainerKey = 'trainer-state';
      put(trainerKey, 'trainer-state.json', Buffer.from(JSON.stringify(contents.trainerState)), {
        dtype: 'json',
      });
    }
    const digest = sha256(
      Buffer.from(
        Object.keys(files)
          .sort()
          .map((k) => files[k]?.sha256)
          .join(''),
      ),
    ).slice(0, 12);
    const manifest: CheckpointManifest = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      id: `${contents.task}-it${contents.iteration}-${digest}`,
      createdAt: new Date().toISOString(),
      task: contents.task,
      ...(contents.robot
        ? {
            robot: {
              ...contents.robot,
              jointNames: [...contents.robot.jointNames],
              torqueLimits: [...contents.robot.torqueLimits],
            },
          }
        : {}),
      ...(contents.taskParams ? { taskParams: structuredClone(contents.taskParams) } : {}),
      obsSize: pol.obsSize,
      actionSize: pol.actionSize,
      jointNames: [...contents.jointNames],
      ...(contents.actionLow ? { actionLow: Array.from(contents.actionLow) } : {}),
      ...(contents.actionHigh ? { actionHigh: Array.from(contents.actionHigh) } : {}),
      backend: contents.backend,
      ...(contents.algo ? { algo: contents.algo } : {}),
      iteration: contents.iteration,
      steps: contents.steps,
      policy: {
        options: { ...pol.options, hiddenSizes: [...pol.options.hiddenSizes] },
        ...(exported.normalizer
          ? {
              normalizer: {
                ...exported.normalizer,
                mean: [...exported.normalizer.mean],
                var: [...exported.normalizer.var],
              },
            }
          : {}),
        parameters: policyNames,
      },
      ...(valueSection ? { value: valueSection } : {}),
      hyperparameters: { ...contents.hyperparameters },
      ...(contents.summary ? { summary: { ...contents.summary } } : {}),
      ...(trainerKey ? { trainerState: trainerKey } : {}),
      files,
    };
    writeSynced(join(tmp, 'manifest.json'), Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
    renameDirAtomic(tmp, dir);
    return manifest;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

function readChecked(dir: string, key: string, entry: CheckpointFile | undefined): Uint8Array {
  const manifestPath = join(dir, 'manifest.json');
  if (!entry) throw new Error(`loadCheckpoint: ${manifestPath}: files['${key}'] is missing`);
  const path = join(dir, entry.path);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new Error(
      `loadCheckpoint: ${path}: cannot read (files['${key}']): ${(err as Error).message}`,
    );
  }
  if (bytes.length !== entry.bytes) {
    throw new Error(
      `loadCheckpoint: ${path}: ${bytes.length} bytes, manifest files['${key}'].bytes says ${entry.bytes} (truncated or corrupted)`,
    );
  }
  const got = sha256(bytes);
  if (got !== entry.sha256) {
    throw new Error(
      `loadCheckpoint: ${path}: sha256 ${got} does not match manifest files['${key}'].sha256 ${entry.sha256} (corrupted)`,
    );
  }
  return bytes;
}

function readParams(
  dir: string,
  manifest: CheckpointManifest,
  names: Readonly<Record<string, string>>,
): Record<string, NamedParameter> {
  const out: Record<string, NamedParameter> = {};
  for (const [name, key] of Object.entries(names)) {
    const entry = manifest.files[key];
    const bytes = readChecked(dir, key, entry);
    const shape = entry?.shape ?? [bytes.length / 4];
    const size = shape.reduce((a, b) => a * b, 1);
    if (entry?.dtype !== 'float32' || size * 4 !== bytes.length) {
      throw new Error(
        `loadCheckpoint: ${join(dir, entry?.path ?? key)}: files['${key}'] dtype ${entry?.dtype} shape [${shape}] does not fit ${bytes.length} bytes of float32`,
      );
    }
    out[name] = { shape, data: readFloat32(bytes) };
  }
  return out;
}

/**
 * Load and verify a checkpoint. `path` may be a checkpoint directory (holding manifest.json), a
 * run directory or its checkpoints/ folder (then `which` picks the pointer: 'best' by default,
 * falling back to 'latest').
 */
export function loadCheckpoint(
  path: string,
  expect: CheckpointExpectation = {},
  which: 'best' | 'latest' = 'best',
): LoadedCheckpoint {
  const dir = resolveCheckpointDir(path, which);
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new Error(`loadCheckpoint: ${manifestPath} does not exist`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (err) {
    throw new Error(`loadCheckpoint: ${manifestPath}: not valid JSON: ${(err as Error).message}`);
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `loadCheckpoint: ${manifestPath}: field '${issue?.path.join('.') ?? ''}': ${issue?.message ?? 'invalid'}`,
    );
  }
  const manifest = parsed.data;
  checkExpectation(manifestPath, manifest, expect);
  const policy: ExportedParameters = {
    parameters: readParams(dir, manifest, manifest.policy.parameters),
    ...(manifest.policy.normalizer
      ? { normalizer: manifest.policy.normalizer as NormalizerState }
      : {}),
  };
  const value = manifest.value
    ? { parameters: readParams(dir, manifest, manifest.value.parameters) }
    : undefined;
  let trainerState: unknown;
  if (manifest.trainerState !== undefined) {
    const bytes = readChecked(dir, manifest.trainerState, manifest.files[manifest.trainerState]);
    trainerState = JSON.parse(Buffer.from(bytes).toString('utf8'));
  }
  return {
    dir,
    manifest,
    policy,
    ...(value ? { value } : {}),
    ...(trainerState !== undefined ? { trainerState } : {}),
  };
}

function checkExpectation(
  manifestPath: string,
  m: CheckpointManifest,
  expect: CheckpointExpectation,
): void {
  const fail = (field: string, got: unknown, want: unknown): never => {
    throw new Error(
      `loadCheckpoint: ${manifestPath}: field '${field}' is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`,
    );
  };
  if (expect.task !== undefined && m.task !== expect.task) fail('task', m.task, expect.task);
  if (expect.obsSize !== undefined && m.obsSize !== expect.obsSize)
    fail('obsSize', m.obsSize, expect.obsSize);
  if (expect.actionSize !== undefined && m.actionSize !== expect.actionSize)
    fail('actionSize', m.actionSize, expect.actionSize);
  if (
    expect.jointNames !== undefined &&
    m.jointNames.join('\u0000') !== expect.jointNames.join('\u0000')
  )
    fail('jointNames', m.jointNames, expect.jointNames);
  if (m.policy.options.obsSize !== m.obsSize || m.policy.options.actionSize !== m.actionSize)
    fail(
      'policy.options',
      [m.policy.options.obsSize, m.policy.options.actionSize],
      [m.obsSize, m.actionSize],
    );
}

/** A GaussianPolicy with the checkpoint's architecture, weights and normaliser. */
export function policyFromCheckpoint(ckpt: LoadedCheckpoint): GaussianPolicy {
  const options = ckpt.manifest.policy.options as GaussianPolicyOptions;
  const policy = new GaussianPolicy(options, new Random(0));
  policy.importParameters(ckpt.policy);
  return policy;
}

/** The critic of a checkpoint, or undefined when none was saved. */
export function valueFromCheckpoint(ckpt: LoadedCheckpoint): ValueNetwork | undefined {
  if (!ckpt.manifest.value || !ckpt.value) return undefined;
  const value = new ValueNetwork(ckpt.manifest.value.options as ValueNetworkOptions, new Random(0));
  value.importParameters(ckpt.value);
  return value;
}

/** The allocation-free plain-TS forward pass (raw observations in) for a checkpoint's policy. */
export function forwardFromCheckpoint(ckpt: LoadedCheckpoint): PolicyForward {
  return new PolicyForward(policyFromCheckpoint(ckpt));
}
