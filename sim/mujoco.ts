/**
 * The MuJoCo WebAssembly module (npm `mujoco-js`): loaded once per thread, and MJCF models loaded
 * into it from `models/` through the Emscripten in-memory file system (MEMFS).
 *
 * A model's whole directory tree is copied into MEMFS before `MjModel.loadFromXML`, so that
 * `<include file=...>`, `meshdir`/`texturedir` and asset files resolve relative to the model, exactly
 * as they would on disk.
 */
import loadMujocoFactory from 'mujoco-js';
import type { MainModule, MjData as RawMjData, MjModel as RawMjModel } from 'mujoco-js';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mujocoErrorMessage } from './mujocoError.js';
import { BUILTIN_TASKS } from '../src/config/index.js';

export type MujocoModule = MainModule;
export type MjModel = RawMjModel;
export type MjData = RawMjData;

/** Lines the WASM module printed (its C code reports load errors on stdout), newest last. */
const recentOutput: string[] = [];
const MAX_OUTPUT_LINES = 50;

function capture(line: string): void {
  recentOutput.push(line);
  if (recentOutput.length > MAX_OUTPUT_LINES) recentOutput.shift();
}

let modulePromise: Promise<MujocoModule> | undefined;

/**
 * The MuJoCo WASM module of this thread, instantiated on first use (about 0.1–0.3 s) and shared
 * by every model and environment of the thread afterwards.
 */
export function loadMujoco(): Promise<MujocoModule> {
  modulePromise ??= loadMujocoFactory({
    print: capture,
    printErr: capture,
  }) as Promise<MujocoModule>;
  return modulePromise;
}

/** The WASM memory's current size in bytes (read through any live typed view of the heap). */
export function wasmHeapBytes(data: MjData): number {
  return (data.qpos as Float64Array).buffer.byteLength;
}

/**
 * The repository's `models/` directory, found from this module's location so that it works both
 * from source (`sim/mujoco.ts`) and from compiled output (`dist/sim/mujoco.js`).
 */
export function modelsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '..', 'models'), join(here, '..', '..', 'models')]) {
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
  }
  throw new Error(`sim/mujoco.modelsDir: no models/ directory next to ${here} or its parent`);
}

/** The MJCF of a built-in task (or robot) name: `models/robots/<robot>/model.xml`. */
export function taskModelPath(task: string): string {
  return join(modelsDir(), 'robots', BUILTIN_TASKS[task]?.robot ?? task, 'model.xml');
}

/** Host directory (real path) → its MEMFS copy and the tree signature it was copied at. */
const mounted = new WeakMap<MujocoModule, Map<string, { memDir: string; signature: string }>>();

/** Every file under `hostDir` with its size and modification time, to notice changed trees. */
function treeSignature(hostDir: string, prefix = ''): string {
  const parts: string[] = [];
  for (const name of readdirSync(hostDir).sort()) {
    const hostPath = join(hostDir, name);
    const stat = statSync(hostPath);
    if (stat.isDirectory()) parts.push(treeSignature(hostPath, `${prefix}${name}/`));
    else if (stat.isFile()) parts.push(`${prefix}${name}:${stat.size}:${stat.mtimeMs}`);
  }
  return parts.join('|');
}

function copyTreeToMemfs(mj: MujocoModule, hostDir: string, memDir: string): void {
  mj.FS.mkdirTree(memDir, 0o777);
  for (const name of readdirSync(hostDir)) {
    const hostPath = join(hostDir, name);
    const memPath = `${memDir}/${name}`;
    const stat = statSync(hostPath);
    if (stat.isDirectory()) copyTreeToMemfs(mj, hostPath, memPath);
    else if (stat.isFile()) mj.FS.writeFile(memPath, readFileSync(hostPath));
  }
}

/**
 * The MEMFS copy of `hostDir`, (re)copied when the tree changed since the last load (files added,
 * resized or modified), so edited models reload fresh.
 */
function mountDir(mj: MujocoModule, hostDir: string): string {
  let dirs = mounted.get(mj);
  if (dirs === undefined) {
    dirs = new Map();
    mounted.set(mj, dirs);
  }
  const signature = treeSignature(hostDir);
  const entry = dirs.get(hostDir);
  if (entry !== undefined && entry.signature === signature) return entry.memDir;
  const memDir = entry?.memDir ?? `/torquepilot/m${dirs.size}`;
  copyTreeToMemfs(mj, hostDir, memDir);
  dirs.set(hostDir, { memDir, signature });
  return memDir;
}

/**
 * Load an MJCF file into `mj`. The file's directory tree is copied into MEMFS (again only when it
 * changed), so includes and assets referenced relative to it resolve. The caller owns the returned
 * model and must `.delete()` it.
 *
 * @throws Error naming the path when the file does not exist or MuJoCo rejects it (with MuJoCo's
 *   own message).
 */
export function loadModel(mj: MujocoModule, xmlPath: string): MjModel {
  const absolute = resolve(xmlPath);
  if (!existsSync(absolute) || !statSync(absolute).isFile()) {
    throw new Error(`sim/mujoco.loadModel: model file not found: ${absolute}`);
  }
  const real = realpathSync(absolute);
  const hostDir = dirname(real);
  const memDir = mountDir(mj, hostDir);
  const memPath = `${memDir}/${relative(hostDir, real) || basename(real)}`;
  recentOutput.length = 0;
  let model: MjModel | null;
  try {
    model = mj.MjModel.loadFromXML(memPath) as MjModel | null;
  } catch (err) {
    const detail = recentOutput.join(' ').trim() || mujocoErrorMessage(mj, err);
    throw new Error(`sim/mujoco.loadModel: MuJoCo could not load ${absolute}: ${detail}`);
  }
  if (model === null || model === undefined) {
    const detail = recentOutput.join(' ').trim() || 'no message from MuJoCo';
    throw new Error(`sim/mujoco.loadModel: MuJoCo could not load ${absolute}: ${detail}`);
  }
  return model;
}

export type ObjType = 'body' | 'joint' | 'site' | 'actuator';

/** The id of a named object, or -1. */
export function nameToId(mj: MujocoModule, model: MjModel, type: ObjType, name: string): number {
  return mj.mj_name2id(model, objTypeValue(mj, type), name);
}

/** The name of an object by id, or ''. */
export function idToName(mj: MujocoModule, model: MjModel, type: ObjType, id: number): string {
  return mj.mj_id2name(model, objTypeValue(mj, type), id) ?? '';
}

function objTypeValue(mj: MujocoModule, type: ObjType): number {
  const table = mj.mjtObj;
  switch (type) {
    case 'body':
      return table.mjOBJ_BODY.value;
    case 'joint':
      return table.mjOBJ_JOINT.value;
    case 'site':
      return table.mjOBJ_SITE.value;
    case 'actuator':
      return table.mjOBJ_ACTUATOR.value;
  }
}
