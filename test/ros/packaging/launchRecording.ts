/**
 * Shared by the launch-file tests: loads launch/*.launch.py with the stand-in `launch` and
 * `launch_ros` modules (test/ros/packaging/standin, via record_launch.py) and returns what they
 * build, plus the facts to check it against (the package's executables, the CLI's options, the
 * nodes' parameter tables).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import {
  POLICY_NODE_PARAMETERS,
  SIM_ROBOT_PARAMETERS,
  TRAINER_NODE_PARAMETERS,
} from '../../../src/ros/index.js';
import type { ParameterSpec } from '../../../src/ros/index.js';
import { projectRoot } from '../../../src/ros/index.js';

export const ROOT = projectRoot(fileURLToPath(new URL('.', import.meta.url)));
export const INSTALL = join(ROOT, '.ros', 'ws', 'install');
export const LAUNCH_DIR = join(ROOT, 'launch');
/** Parameters every ROS 2 node has (rclcpp/rclnodejs declare them), not in the node's table. */
export const STANDARD_PARAMETERS = new Set(['use_sim_time']);

/**
 * Policy-node parameters the issue-20 node work adds, as specified there; used until the node's
 * table declares them (the table's own spec wins once it does).
 */
const PENDING_POLICY_PARAMETERS: readonly ParameterSpec[] = [
  {
    name: 'target_topic',
    type: 'string',
    default: '/torquepilot/target',
    readOnly: true,
    description: 'Topic of the geometry_msgs/PointStamped reach targets.',
  },
];

function withPending(table: readonly ParameterSpec[], pending: readonly ParameterSpec[]) {
  return [...table, ...pending.filter((p) => !table.some((q) => q.name === p.name))];
}

/** Which parameter table each executable's node declares. */
export const TABLES: Record<string, readonly ParameterSpec[]> = {
  policy_node: withPending(POLICY_NODE_PARAMETERS, PENDING_POLICY_PARAMETERS),
  sim_robot: SIM_ROBOT_PARAMETERS,
  trainer_node: TRAINER_NODE_PARAMETERS,
};

export interface RecordedAction {
  kind: string;
  after: string | null;
  enabled: boolean;
  error?: string;
  package?: string;
  executable?: string;
  name?: string;
  parameters?: Record<string, unknown>;
  remappings?: [string, string][];
  cmd?: string[];
  arguments?: string[];
}
export interface RecordedArgument {
  default: unknown;
  description?: string;
  error?: string;
}
export interface RecordedFile {
  error?: string;
  arguments: Record<string, RecordedArgument>;
  actions: RecordedAction[];
}

/** Launch files, by base name. */
export function launchFiles(): string[] {
  return readdirSync(LAUNCH_DIR)
    .filter((f) => f.endsWith('.launch.py'))
    .sort()
    .map((f) => join(LAUNCH_DIR, f));
}

/** What the files build with their defaults, overridden by `name:=value` strings. */
export function recordLaunchFiles(
  files: string[],
  overrides: readonly string[] = [],
): Record<string, RecordedFile> {
  const python = process.env['TORQUEPILOT_TEST_PYTHON'] ?? 'python3';
  const run = spawnSync(
    python,
    [
      join(ROOT, 'test/ros/packaging/record_launch.py'),
      INSTALL,
      ...files,
      '--',
      // required arguments (no default) get placeholder values
      'checkpoint:=/placeholder/checkpoint',
      'bag:=/placeholder/bag',
      ...overrides,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(run.status, 0, `record_launch.py failed:\n${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, RecordedFile>;
}

/** Executables of the torquepilot package: installed ones, else those CMakeLists.txt installs. */
export function packageExecutables(): Set<string> {
  const lib = join(INSTALL, 'lib', 'torquepilot');
  if (existsSync(lib)) {
    return new Set(readdirSync(lib).filter((f) => (statSync(join(lib, f)).mode & 0o111) !== 0));
  }
  const cmake = readFileSync(join(ROOT, 'ros2/torquepilot/CMakeLists.txt'), 'utf8');
  const loop = /foreach\(pair ([^)]*)\)/.exec(cmake);
  assert.ok(loop, 'CMakeLists.txt: no foreach(pair ...) of executables');
  return new Set([...loop[1]!.matchAll(/"([a-z_]+):/g)].map((m) => m[1]!));
}

/** The CLI command each executable runs (ros2/torquepilot/CMakeLists.txt, run_cli.sh.in). */
export const EXECUTABLE_COMMANDS: Record<string, string> = {
  policy_node: 'node',
  sim_robot: 'sim-robot',
  trainer: 'train',
  trainer_node: 'trainer-node',
  replay: 'replay',
  actor: 'actor',
  learner: 'learner',
};

const helpCache = new Map<string, string>();

/** `torquepilot <command> --help` (cached: each run starts tsx). */
function cliHelp(command: string): string {
  const cached = helpCache.get(command);
  if (cached !== undefined) return cached;
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/cli.ts'), command, '--help'],
    { encoding: 'utf8', cwd: ROOT },
  );
  assert.equal(run.status, 0, `torquepilot ${command} --help failed:\n${run.stderr}`);
  helpCache.set(command, run.stdout);
  return run.stdout;
}

/** Every `--long-option` that `torquepilot <command> --help` mentions. */
export function cliOptions(command: string): Set<string> {
  return new Set([...cliHelp(command).matchAll(/(--[a-z][a-z-]*)/g)].map((m) => m[1]!));
}

/** The options `torquepilot <command> --help` declares (its option lines only). */
export function declaredCliOptions(command: string): Set<string> {
  return new Set(
    [...cliHelp(command).matchAll(/^\s+(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((m) => m[1]!),
  );
}

/** A launch parameter value as the node receives it (launch_ros reads strings as YAML). */
export function asYamlValue(value: unknown): unknown {
  return typeof value === 'string' ? (parseYaml(value) as unknown) : value;
}

/** The value, as launch passes it, is of the declared type, inside the range and choices. */
export function checkParameter(spec: ParameterSpec, raw: unknown, where: string): void {
  const value = asYamlValue(raw);
  const expected = spec.type === 'bool' ? 'boolean' : spec.type === 'string' ? 'string' : 'number';
  // a YAML scalar like "runs/x" is a string; a path parameter may resolve to a string of digits
  const actual = spec.type === 'string' ? 'string' : typeof value;
  assert.equal(
    actual,
    expected,
    `${where}: parameter ${spec.name}=${String(raw)} is not a ${spec.type}`,
  );
  if (spec.type === 'integer')
    assert.ok(Number.isInteger(value), `${where}: ${spec.name} not integer`);
  if (spec.range !== undefined && typeof value === 'number') {
    assert.ok(
      value >= spec.range.from && value <= spec.range.to,
      `${where}: ${spec.name}=${value} outside [${spec.range.from}, ${spec.range.to}]`,
    );
  }
  if (spec.choices !== undefined) {
    assert.ok(
      spec.choices.includes(String(raw)),
      `${where}: ${spec.name}=${String(raw)} not in ${spec.choices.join('|')}`,
    );
  }
}
