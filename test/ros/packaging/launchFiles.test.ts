/**
 * The launch files (launch/*.launch.py), loaded with stand-in `launch` and `launch_ros` modules
 * (test/ros/packaging/standin) that record actions and arguments, since `ros2 launch` is not on
 * PyPI. For each file, with its declared defaults:
 * - every executable exists in the torquepilot package (the colcon install of `npm run setup:ros`,
 *   else the list in ros2/torquepilot/CMakeLists.txt);
 * - every parameter is one the node declares (src/ros/parameters.ts, the node's own table), of the
 *   declared type, inside its range and choices;
 * - every remapping maps a topic the node uses to a topic a robot description names
 *   (models/*\/robot.yaml `topics:`);
 * - deploy_arm starts the policy node in real mode, unarmed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import {
  POLICY_NODE_NAME,
  POLICY_NODE_PARAMETERS,
  POLICY_TOPICS,
  SIM_ROBOT_PARAMETERS,
  TRAINER_NODE_NAME,
  TRAINER_NODE_PARAMETERS,
} from '../../../src/ros/nodes/parameters.js';
import type { ParameterSpec } from '../../../src/ros/transport/transport.js';
import { projectRoot } from '../../../src/ros/transport/rclnodejs/rosEnv.js';

const ROOT = projectRoot(fileURLToPath(new URL('.', import.meta.url)));
const INSTALL = join(ROOT, '.ros', 'ws', 'install');
const LAUNCH_DIR = join(ROOT, 'launch');
/** Parameters every ROS 2 node has (rclcpp/rclnodejs declare them), not in the node's table. */
const STANDARD_PARAMETERS = new Set(['use_sim_time']);
/** Which parameter table each executable's node declares. */
const TABLES: Record<string, readonly ParameterSpec[]> = {
  policy_node: POLICY_NODE_PARAMETERS,
  sim_robot: SIM_ROBOT_PARAMETERS,
  trainer_node: TRAINER_NODE_PARAMETERS,
};

interface RecordedAction {
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
interface RecordedFile {
  error?: string;
  arguments: Record<string, { default: unknown; error?: string }>;
  actions: RecordedAction[];
}

function recordLaunchFiles(files: string[]): Record<string, RecordedFile> {
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
    ],
    { encoding: 'utf8' },
  );
  assert.equal(run.status, 0, `record_launch.py failed:\n${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, RecordedFile>;
}

/** Executables of the torquepilot package: installed ones, else those CMakeLists.txt installs. */
function packageExecutables(): Set<string> {
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
const EXECUTABLE_COMMANDS: Record<string, string> = {
  policy_node: 'node',
  sim_robot: 'sim-robot',
  trainer: 'train',
  trainer_node: 'trainer-node',
  replay: 'replay',
};

/** The long options `torquepilot <command> --help` lists. */
function cliOptions(command: string): Set<string> {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/cli.ts'), command, '--help'],
    { encoding: 'utf8', cwd: ROOT },
  );
  assert.equal(run.status, 0, `torquepilot ${command} --help failed:\n${run.stderr}`);
  return new Set([...run.stdout.matchAll(/(--[a-z][a-z-]*)/g)].map((m) => m[1]!));
}

/** Topics the robot descriptions name, plus the policy node's own topics. */
function knownTopics(): Set<string> {
  const topics = new Set<string>(Object.values(POLICY_TOPICS));
  for (const task of readdirSync(join(ROOT, 'models'))) {
    const path = join(ROOT, 'models', task, 'robot.yaml');
    if (!existsSync(path)) continue;
    const doc = parseYaml(readFileSync(path, 'utf8')) as { topics?: Record<string, string> };
    for (const topic of Object.values(doc.topics ?? {})) topics.add(topic);
  }
  return topics;
}

/** A launch parameter value as the node receives it (launch_ros reads strings as YAML). */
function asYamlValue(value: unknown): unknown {
  return typeof value === 'string' ? (parseYaml(value) as unknown) : value;
}

function checkParameter(spec: ParameterSpec, raw: unknown, where: string): void {
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

describe('launch files with stand-in launch/launch_ros', () => {
  const files = readdirSync(LAUNCH_DIR)
    .filter((f) => f.endsWith('.launch.py'))
    .sort()
    .map((f) => join(LAUNCH_DIR, f));
  const recorded = recordLaunchFiles(files);
  const executables = packageExecutables();
  const topics = knownTopics();

  test('the three launch files exist and load', () => {
    assert.deepEqual(Object.keys(recorded).sort(), [
      'deploy_arm.launch.py',
      'replay.launch.py',
      'sim_training.launch.py',
    ]);
    for (const [file, rec] of Object.entries(recorded)) {
      assert.equal(rec.error, undefined, `${file}: ${rec.error}`);
      for (const [name, arg] of Object.entries(rec.arguments)) {
        assert.equal(arg.error, undefined, `${file}: argument ${name}: ${arg.error}`);
      }
      for (const action of rec.actions)
        assert.equal(action.error, undefined, `${file}: ${action.error}`);
      assert.ok(rec.actions.length > 0, `${file} starts nothing`);
    }
  });

  for (const file of files.map((f) => f.slice(LAUNCH_DIR.length + 1))) {
    test(`${file}: executables exist, parameters are declared, remappings name known topics`, () => {
      const rec = recorded[file];
      assert.ok(rec && rec.error === undefined);
      for (const action of rec.actions) {
        if (action.kind === 'ExecuteProcess') {
          const cmd = action.cmd ?? [];
          const program = cmd[0] ?? '';
          assert.ok(
            program.startsWith(join(INSTALL, 'lib', 'torquepilot') + '/'),
            `${file}: ${program}`,
          );
          const exe = program.slice(join(INSTALL, 'lib', 'torquepilot').length + 1);
          const options = cliOptions(EXECUTABLE_COMMANDS[exe] ?? exe);
          for (const flag of cmd.slice(1).filter((c) => c.startsWith('--'))) {
            assert.ok(
              options.has(flag),
              `${file}: torquepilot ${EXECUTABLE_COMMANDS[exe]} has no ${flag}`,
            );
          }
          assert.ok(
            executables.has(exe),
            `${file}: executable ${exe} is not installed (${[...executables].join(', ')})`,
          );
          continue;
        }
        if (action.kind !== 'Node' && action.kind !== 'LifecycleNode') continue;
        assert.equal(action.package, 'torquepilot', `${file}: node of another package`);
        const exe = action.executable ?? '';
        assert.ok(executables.has(exe), `${file}: executable ${exe} is not installed`);
        const table = TABLES[exe];
        assert.ok(table, `${file}: no parameter table for executable ${exe}`);
        if (exe === 'policy_node') assert.equal(action.name, POLICY_NODE_NAME);
        const flags = (action.arguments ?? []).filter((a) => a.startsWith('--'));
        if (flags.length > 0) {
          const options = cliOptions(EXECUTABLE_COMMANDS[exe] ?? exe);
          for (const flag of flags) {
            assert.ok(
              options.has(flag),
              `${file}: torquepilot ${EXECUTABLE_COMMANDS[exe]} has no ${flag}`,
            );
          }
        }
        for (const [name, value] of Object.entries(action.parameters ?? {})) {
          if (STANDARD_PARAMETERS.has(name)) continue;
          const spec = table.find((p) => p.name === name);
          assert.ok(spec, `${file}: ${exe} sets '${name}', which the node does not declare`);
          checkParameter(spec, value, `${file}/${exe}`);
        }
        for (const [from, to] of action.remappings ?? []) {
          assert.ok(topics.has(from), `${file}: remapping from ${from}: not a topic the node uses`);
          assert.ok(topics.has(to), `${file}: remapping to ${to}: no robot description names it`);
        }
      }
    });
  }

  test('deploy_arm: the policy node in real mode, unarmed, remapped to the controller topic', () => {
    const rec = recorded['deploy_arm.launch.py'];
    assert.ok(rec);
    const nodes = rec.actions.filter((a) => a.kind === 'Node');
    assert.equal(nodes.length, 1);
    const node = nodes[0]!;
    assert.equal(node.executable, 'policy_node');
    assert.equal(node.parameters?.['mode'], 'real');
    assert.equal(node.parameters?.['armed'], false);
    // the description the node loads at start is the one configure checks
    assert.deepEqual(node.arguments, ['--robot', node.parameters?.['robot_description']]);
    assert.ok(
      (node.remappings ?? []).some(([from]) => from.endsWith('/commands')),
      'no remapping of the command topic',
    );
  });

  test('sim_training: trainer node first, then the sim robot and the policy node on sim time', () => {
    const rec = recorded['sim_training.launch.py'];
    assert.ok(rec);
    const first = rec.actions.filter((a) => a.after === null);
    assert.deepEqual(
      first.map((a) => [a.kind, a.executable, a.name]),
      [['Node', 'trainer_node', TRAINER_NODE_NAME]],
    );
    const args = first[0]?.arguments ?? [];
    assert.equal(args[args.indexOf('--task') + 1], 'arm7-reach');
    assert.equal(args[args.indexOf('--out') + 1], 'runs/arm7-reach');
    assert.equal(first[0]?.parameters?.['publish_joint_states'], 'true');
    const after = rec.actions.filter((a) => a.after === `OnProcessExit:${TRAINER_NODE_NAME}`);
    assert.deepEqual(after.map((a) => a.executable).sort(), ['policy_node', 'sim_robot']);
    for (const a of after) assert.equal(a.parameters?.['use_sim_time'], true);
    // The sim robot takes its task and sim time from parameters (no CLI flags needed).
    const simRobot = after.find((a) => a.executable === 'sim_robot');
    assert.equal(simRobot?.parameters?.['task'], 'arm7-reach');
    assert.deepEqual(simRobot?.arguments, []);
  });
});
