/**
 * Every node option is a launch argument (issue 20, "Low latency by default"), so that
 * `ros2 launch torquepilot <file> --show-args` lists them all. With the stand-in launch modules
 * (launchRecording.ts):
 * - every parameter a node declares (src/ros/nodes/parameters.ts) has an argument, unless the file fixes
 *   it on purpose (FIXED below, with the reason); overriding the argument sets the parameter;
 * - an argument left empty passes no parameter, so the node's own default holds (a default that
 *   changes in the node, e.g. tick_source, needs no launch-file change); where an argument's
 *   description names the node default, it is the declared one;
 * - process flags: busy_poll:=true adds --busy-poll (autostart, log levels likewise), and every
 *   option of `torquepilot replay` and the trainer's training flags have an argument.
 */
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { describe, test } from 'node:test';
import type { ParameterSpec } from '../../../src/ros/index.js';
import {
  checkParameter,
  cliOptions,
  declaredCliOptions,
  EXECUTABLE_COMMANDS,
  launchFiles,
  recordLaunchFiles,
  STANDARD_PARAMETERS,
  TABLES,
} from './launchRecording.js';
import type { RecordedAction, RecordedFile } from './launchRecording.js';

interface Exposure {
  /** parameter → argument, where the argument is not named like the parameter. */
  renamed?: Record<string, string>;
  /** parameter → why the file sets it itself (no argument). */
  fixed?: Record<string, string>;
}

/** For each file and node executable: how its parameters map to launch arguments. */
const EXPOSED: Record<string, Record<string, Exposure>> = {
  'deploy_arm.launch.py': {
    policy_node: {
      renamed: { robot_description: 'robot' },
      fixed: {
        mode: 'this file deploys to hardware: real',
        armed: 'arm at run time, never at start',
      },
    },
  },
  'sim_training.launch.py': {
    trainer_node: { renamed: { publish_joint_states: 'joint_states', seed: 'joint_states_seed' } },
    sim_robot: { renamed: { seed: 'sim_seed' } },
    policy_node: {
      renamed: { seed: 'policy_seed' },
      fixed: {
        mode: 'evaluates in simulation: sim',
        checkpoint: "the run's (argument out)",
        armed: 'real mode only',
        arm_ramp_time: 'real mode only',
      },
    },
  },
};

/** A valid value other than the default, as a launch argument string. */
function otherValue(spec: ParameterSpec): string {
  if (spec.type === 'bool') return String(spec.default !== true);
  if (spec.choices !== undefined) return spec.choices.find((c) => c !== spec.default) ?? '';
  if (spec.type === 'string') return `/override/${spec.name}`;
  return String(spec.range?.to ?? 7);
}

function nodesOf(rec: RecordedFile | undefined, file: string): RecordedAction[] {
  assert.ok(rec && rec.error === undefined, `${file}: ${rec?.error}`);
  for (const a of rec.actions) assert.equal(a.error, undefined, `${file}: ${a.error}`);
  return rec.actions.filter((a) => a.kind === 'Node');
}

function nodeOf(rec: RecordedFile | undefined, file: string, exe: string): RecordedAction {
  const node = nodesOf(rec, file).find((a) => a.executable === exe);
  assert.ok(node, `${file}: no ${exe} node`);
  return node;
}

/** Overrides of every non-fixed parameter's argument, and the values the nodes should get. */
function parameterOverrides(file: string) {
  const overrides: string[] = [];
  const expected: { exe: string; parameter: string; argument: string; value: string }[] = [];
  for (const [exe, exposure] of Object.entries(EXPOSED[file] ?? {})) {
    for (const spec of TABLES[exe] ?? []) {
      if (exposure.fixed?.[spec.name] !== undefined) continue;
      const argument = exposure.renamed?.[spec.name] ?? spec.name;
      const value = otherValue(spec);
      overrides.push(`${argument}:=${value}`);
      expected.push({ exe, parameter: spec.name, argument, value });
    }
  }
  return { overrides, expected };
}

describe('launch arguments: every node option', () => {
  const files = launchFiles();
  const byName = new Map(files.map((f) => [basename(f), f]));
  const defaults = recordLaunchFiles(files);

  for (const [file, nodes] of Object.entries(EXPOSED)) {
    test(`${file}: every node parameter is an argument, and the argument sets it`, () => {
      const path = byName.get(file);
      assert.ok(path, `${file} is missing`);
      const { overrides, expected } = parameterOverrides(file);
      const rec = recordLaunchFiles([path], overrides)[file];
      for (const { exe, parameter, argument, value } of expected) {
        assert.ok(
          argument in (rec?.arguments ?? {}),
          `${file}: ${exe} parameter '${parameter}' has no launch argument '${argument}'`,
        );
        const node = nodeOf(rec, file, exe);
        assert.equal(
          String(node.parameters?.[parameter]),
          value,
          `${file}: ${argument}:=${value} does not set ${exe}'s ${parameter}`,
        );
        const spec = TABLES[exe]!.find((p) => p.name === parameter)!;
        checkParameter(spec, node.parameters?.[parameter], `${file}/${exe}`);
      }
      // every parameter the file sets is declared (or standard); fixed ones are the listed ones
      for (const exe of Object.keys(nodes)) {
        const node = nodeOf(rec, file, exe);
        for (const name of Object.keys(node.parameters ?? {})) {
          assert.ok(
            STANDARD_PARAMETERS.has(name) || TABLES[exe]!.some((p) => p.name === name),
            `${file}: ${exe} sets undeclared parameter ${name}`,
          );
        }
      }
    });

    test(`${file}: an argument left empty passes nothing; a stated node default is the declared one`, () => {
      const rec = defaults[file];
      for (const [exe, exposure] of Object.entries(nodes)) {
        const node = nodeOf(rec, file, exe);
        for (const spec of TABLES[exe] ?? []) {
          if (exposure.fixed?.[spec.name] !== undefined) continue;
          const argument = rec!.arguments[exposure.renamed?.[spec.name] ?? spec.name];
          assert.ok(argument, `${file}: no argument for ${exe}'s ${spec.name}`);
          if (argument.default === '') {
            assert.ok(
              !(spec.name in (node.parameters ?? {})),
              `${file}: ${exe}'s ${spec.name} is passed although its argument is empty`,
            );
          }
          const stated = /node default: ([^)\s;,]+)/.exec(argument.description ?? '');
          if (stated !== null) {
            assert.equal(
              stated[1],
              String(spec.default),
              `${file}: the description of ${exe}'s ${spec.name} states a stale node default`,
            );
          }
        }
      }
    });
  }

  test('deploy_arm: busy_poll, autostart and log_level add their flags, only when set', () => {
    const file = 'deploy_arm.launch.py';
    const plain = nodeOf(defaults[file], file, 'policy_node').arguments ?? [];
    for (const flag of ['--busy-poll', '--autostart', '--log-level']) {
      assert.ok(!plain.includes(flag), `${file}: ${flag} without its argument`);
    }
    const set = recordLaunchFiles(
      [byName.get(file)!],
      ['busy_poll:=true', 'autostart:=true', 'log_level:=debug'],
    )[file];
    const args = nodeOf(set, file, 'policy_node').arguments ?? [];
    assert.ok(args.includes('--busy-poll'), `busy_poll:=true: ${args.join(' ')}`);
    assert.ok(args.includes('--autostart'), `autostart:=true: ${args.join(' ')}`);
    assert.equal(args[args.indexOf('--log-level') + 1], 'debug');
    const options = cliOptions(EXECUTABLE_COMMANDS['policy_node']!);
    for (const flag of args.filter((a) => a.startsWith('--'))) assert.ok(options.has(flag), flag);
    const off = recordLaunchFiles([byName.get(file)!], ['busy_poll:=false'])[file];
    assert.ok(!(nodeOf(off, file, 'policy_node').arguments ?? []).includes('--busy-poll'));
    const bad = recordLaunchFiles([byName.get(file)!], ['busy_poll:=yes'])[file];
    assert.match(bad?.actions[0]?.error ?? '', /busy_poll:='yes' is not true or false/);
  });

  test('sim_training: busy-poll per node, and the training flags of trainer-node', () => {
    const file = 'sim_training.launch.py';
    const trainFlags = ['algo', 'seed', 'config', 'workers', 'envs', 'backend'];
    const set = recordLaunchFiles(
      [byName.get(file)!],
      ['busy_poll:=true', 'sim_busy_poll:=true', ...trainFlags.map((f) => `${f}:=1`)],
    )[file];
    assert.ok((nodeOf(set, file, 'policy_node').arguments ?? []).includes('--busy-poll'));
    assert.ok((nodeOf(set, file, 'sim_robot').arguments ?? []).includes('--busy-poll'));
    const trainer = nodeOf(set, file, 'trainer_node').arguments ?? [];
    const options = cliOptions(EXECUTABLE_COMMANDS['trainer_node']!);
    for (const f of trainFlags) {
      assert.equal(trainer[trainer.indexOf(`--${f}`) + 1], '1', `${f}:=1 → --${f} 1`);
      assert.ok(options.has(`--${f}`));
    }
    const plain = defaults[file];
    assert.deepEqual(nodeOf(plain, file, 'sim_robot').arguments, []);
    assert.deepEqual(nodeOf(plain, file, 'trainer_node').arguments, [
      '--task',
      'arm7-reach',
      '--out',
      'runs/arm7-reach',
      '--steps',
      '1000000',
    ]);
  });

  test('replay: every option of `torquepilot replay` is an argument', () => {
    const file = 'replay.launch.py';
    const rec = defaults[file];
    const own = new Set(['--help', '--json', '--bag', '--checkpoint', '--out']);
    // Switches (no value): name:=true adds the flag.
    const switches = ['--critic-only'];
    const options = [...declaredCliOptions('replay')].filter(
      (o) => !own.has(o) && !switches.includes(o),
    );
    assert.ok(options.length >= 5, `few replay options parsed: ${options.join(' ')}`);
    const argumentOf = (flag: string) => flag.slice(2).replaceAll('-', '_');
    for (const flag of options) {
      assert.ok(argumentOf(flag) in (rec?.arguments ?? {}), `${file}: no argument for ${flag}`);
    }
    const plain = rec?.actions[0]?.cmd ?? [];
    for (const flag of options) assert.ok(!plain.includes(flag), `${flag} passed while empty`);
    const set = recordLaunchFiles(
      [byName.get(file)!],
      options.map((f) => `${argumentOf(f)}:=3`),
    )[file];
    const cmd = set?.actions[0]?.cmd ?? [];
    for (const flag of options) assert.equal(cmd[cmd.indexOf(flag) + 1], '3', `${flag}: ${cmd}`);
    for (const flag of switches) {
      assert.ok(declaredCliOptions('replay').has(flag), `${flag} is a replay option`);
      assert.ok(argumentOf(flag) in (rec?.arguments ?? {}), `${file}: no argument for ${flag}`);
      assert.ok(!plain.includes(flag), `${flag} passed while empty`);
      const on = recordLaunchFiles([byName.get(file)!], [`${argumentOf(flag)}:=true`])[file];
      assert.ok(on?.actions[0]?.cmd?.includes(flag) === true, `${flag} not passed with true`);
    }
  });
});
