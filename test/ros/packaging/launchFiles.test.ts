/**
 * The launch files (launch/*.launch.py), loaded with stand-in `launch` and `launch_ros` modules
 * (test/ros/packaging/standin) that record actions and arguments, since `ros2 launch` is not on
 * PyPI. For each file, with its declared defaults:
 * - every executable exists in the torquepilot package (the colcon install of `npm run setup:ros`,
 *   else the list in ros2/torquepilot/CMakeLists.txt);
 * - every parameter is one the node declares (src/ros/nodes/parameters.ts, the node's own table), of the
 *   declared type, inside its range and choices;
 * - every remapping maps a topic the node uses to a topic a robot description names
 *   (models/robots/*\/robot.yaml `topics:`);
 * - deploy_arm starts the policy node in real mode, unarmed.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { POLICY_NODE_NAME, POLICY_TOPICS, TRAINER_NODE_NAME } from '../../../src/ros/index.js';
import {
  checkParameter,
  cliOptions,
  EXECUTABLE_COMMANDS,
  INSTALL,
  LAUNCH_DIR,
  launchFiles,
  packageExecutables,
  recordLaunchFiles,
  ROOT,
  STANDARD_PARAMETERS,
  TABLES,
} from './launchRecording.js';

/** Topics the robot descriptions name, plus the policy node's own topics. */
function knownTopics(): Set<string> {
  const topics = new Set<string>(Object.values(POLICY_TOPICS));
  for (const robot of readdirSync(join(ROOT, 'models', 'robots'))) {
    const path = join(ROOT, 'models', 'robots', robot, 'robot.yaml');
    if (!existsSync(path)) continue;
    const doc = parseYaml(readFileSync(path, 'utf8')) as { topics?: Record<string, string> };
    for (const topic of Object.values(doc.topics ?? {})) topics.add(topic);
  }
  return topics;
}

describe('launch files with stand-in launch/launch_ros', () => {
  const files = launchFiles();
  const recorded = recordLaunchFiles(files);
  const executables = packageExecutables();
  const topics = knownTopics();

  test('the four launch files exist and load', () => {
    assert.deepEqual(Object.keys(recorded).sort(), [
      'deploy_arm.launch.py',
      'fleet.launch.py',
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
    // By default neither --robot nor robot_description: the node takes the checkpoint's robot.
    assert.deepEqual(node.arguments, []);
    assert.equal(node.parameters?.['robot_description'], undefined);
    assert.ok(
      (node.remappings ?? []).some(([from]) => from.endsWith('/commands')),
      'no remapping of the command topic',
    );
  });

  test('deploy_arm: robot (or its older name robot_description) sets --robot and the parameter', () => {
    const file = join(LAUNCH_DIR, 'deploy_arm.launch.py');
    const name = 'deploy_arm.launch.py';
    for (const given of ['robot:=/arms/ur5e', 'robot_description:=/arms/ur5e']) {
      const rec = recordLaunchFiles([file], [given])[name];
      const node = rec?.actions.find((a) => a.kind === 'Node');
      assert.ok(node, `${given}: ${rec?.error ?? rec?.actions[0]?.error}`);
      // the robot the node loads at start is the one configure checks
      assert.deepEqual(node.arguments, ['--robot', '/arms/ur5e'], given);
      assert.equal(node.parameters?.['robot_description'], '/arms/ur5e', given);
    }
    const both = recordLaunchFiles([file], ['robot:=/arms/a', 'robot_description:=/arms/b'])[name];
    assert.match(
      both?.actions[0]?.error ?? both?.error ?? '',
      /robot:='\/arms\/a' and robot_description:='\/arms\/b' differ/,
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
