/**
 * The run directory: what a training run leaves behind, and where.
 *
 *   runs/NAME/
 *     config.yaml          the resolved configuration (all layers merged, every key explicit)
 *     metrics.jsonl        one JSON line per iteration (schema: metrics.ts)
 *     learning-curve.svg   return against environment steps, rewritten atomically as training goes
 *     train.log            pino JSON lines
 *     checkpoints/
 *       iter-000040/       a checkpoint (manifest.json + .bin weights + trainer-state.json)
 *       latest.json        pointer to the newest checkpoint (resume starts there)
 *       best.json          pointer to the best checkpoint (by eval return, else training return)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import YAML from 'yaml';
import { writeFileAtomic } from '../util/index.js';
import { parseResolvedConfig } from '../config/index.js';
import type { TrainConfig } from '../config/index.js';
import { parseYamlText } from '../config/index.js';
import { readPointer } from '../policy/index.js';

export interface RunPaths {
  readonly root: string;
  readonly config: string;
  readonly metrics: string;
  readonly curve: string;
  readonly log: string;
  readonly checkpoints: string;
}

export function runPaths(root: string): RunPaths {
  return {
    root,
    config: join(root, 'config.yaml'),
    metrics: join(root, 'metrics.jsonl'),
    curve: join(root, 'learning-curve.svg'),
    log: join(root, 'train.log'),
    checkpoints: join(root, 'checkpoints'),
  };
}

/** Name of the checkpoint directory of an iteration (sorts in iteration order). */
export function checkpointName(iteration: number): string {
  return `iter-${String(iteration).padStart(6, '0')}`;
}

/**
 * The default run directory for a config: runs/<task>-<algo>-seed<seed>, where a task file counts
 * by its file name and a robot given on its own prefixes it (`--robot arm3 --task reach`:
 * runs/arm3-reach-trpo-seed0).
 */
export function defaultRunDir(config: TrainConfig): string {
  const stem = (path: string): string => basename(path).replace(/\.ya?ml$/, '');
  const task =
    config.robot !== '' ? `${stem(config.robot)}-${stem(config.task)}` : stem(config.task);
  return join('runs', `${task}-${config.algo}-seed${config.seed}`);
}

/**
 * Create a fresh run directory and write its resolved config. Refuses a directory that already
 * holds a run (suggesting --resume), so a new run never silently mixes with an old one.
 */
export function createRunDir(root: string, config: TrainConfig): RunPaths {
  const paths = runPaths(root);
  if (existsSync(root) && readdirSync(root).length > 0) {
    if (existsSync(paths.config) || existsSync(paths.checkpoints)) {
      throw new Error(
        `train: run directory ${root} already holds a run; continue it with \`torquepilot train --resume ${root}\` or choose another --out`,
      );
    }
    throw new Error(`train: --out ${root} exists and is not empty; choose another --out`);
  }
  mkdirSync(paths.checkpoints, { recursive: true });
  writeConfig(paths, config);
  return paths;
}

export function writeConfig(paths: RunPaths, config: TrainConfig): void {
  const header =
    '# Resolved training configuration (all layers merged). Written by torquepilot train.\n';
  writeFileAtomic(paths.config, header + YAML.stringify(config));
}

/** Read and validate the resolved config of an existing run (for --resume). */
export function readRunConfig(root: string): TrainConfig {
  const paths = runPaths(root);
  if (!existsSync(paths.config)) {
    throw new Error(`train --resume: ${paths.config} does not exist; is ${root} a run directory?`);
  }
  return parseResolvedConfig(
    parseYamlText(readFileSync(paths.config, 'utf8'), paths.config),
    paths.config,
  );
}

/**
 * Delete checkpoint directories that are neither pointed at (latest, best) nor periodic
 * (iteration a multiple of `every`), and stale temporary directories left by a crash.
 */
export function pruneCheckpoints(paths: RunPaths, every: number): void {
  if (!existsSync(paths.checkpoints)) return;
  const keep = new Set<string>();
  for (const name of ['latest', 'best'] as const) {
    const p = readPointer(paths.checkpoints, name);
    if (p) keep.add(p.checkpoint);
  }
  for (const entry of readdirSync(paths.checkpoints)) {
    const full = join(paths.checkpoints, entry);
    if ((entry.startsWith('.') && entry.includes('.tmp-')) || entry.includes('.old-')) {
      rmSync(full, { recursive: true, force: true });
      continue;
    }
    const m = /^iter-(\d+)$/.exec(entry);
    if (!m || keep.has(entry)) continue;
    const it = Number(m[1]);
    if (every > 0 && it % every === 0) continue;
    rmSync(full, { recursive: true, force: true });
  }
}
