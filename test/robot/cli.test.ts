/**
 * `torquepilot robot import` as a command line: options through the zod schema of
 * src/config/robotImport.ts, trailing `name:=value` xacro arguments, `--topic` through the function
 * the caller passes in, and the printed report.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { parseRobotImportOptions } from '../../src/config/index.js';
import { registerRobotCommands } from '../../src/robot/index.js';
import type { RobotCommandDeps } from '../../src/robot/index.js';
import { pandaUrdf, tempDir, urUrdf } from './fixtures.js';

/** Run `torquepilot <args>` in-process; returns what it printed. */
async function run(args: readonly string[], deps: RobotCommandDeps = {}): Promise<string> {
  const program = new Command().exitOverride();
  const printed: string[] = [];
  registerRobotCommands(program, { write: (text) => printed.push(text), ...deps });
  await program.parseAsync(['node', 'torquepilot', ...args]);
  return printed.join('');
}

describe('torquepilot robot import (CLI)', () => {
  it('imports with every option and prints joints, limits, ee, workspace, warnings and the time', async () => {
    const root = tempDir('cli');
    const file = join(root, 'panda.urdf');
    writeFileSync(file, pandaUrdf());
    const out = join(root, 'robots', 'fr3');
    const printed = await run([
      'robot',
      'import',
      file,
      '--out',
      out,
      '--name',
      'fr3',
      '--gravity',
      'robot',
      '--control-rate',
      '100',
      '--home',
      '0,-0.785,0,-2.356,0,1.571,0.785',
      '--no-collision',
      '--ee-link',
      'panda_link8',
      '--package-path',
      join(root, 'a'),
      '--package-path',
      join(root, 'b'),
    ]);
    assert.match(printed, /^robot 'fr3' \(urdf\) → /);
    assert.match(printed, /panda_joint1 +±87 +\[-2\.897, 2\.897\] +0\n/);
    assert.match(printed, /panda_joint7 +±12 /);
    assert.match(printed, /end effector: site 'ee' on 'panda_link8' \(given\)/);
    assert.match(printed, /workspace \(reach box, m\): low \[.*\] high \[.*\]/);
    assert.match(
      printed,
      /control 100 Hz = timestep 0\.002000 s × frameSkip 5; gravity: robot; meshes: 0/,
    );
    assert.match(printed, /imported in \d+\.\d\d s\n$/);
    const yaml = parseYaml(readFileSync(join(out, 'robot.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(yaml['name'], 'fr3');
    assert.equal(yaml['gravity'], 'robot');
    assert.deepEqual(yaml['home'], [0, -0.785, 0, -2.356, 0, 1.571, 0.785]);
  });

  it('reads --topic through the injected readRobotDescription, and says what to do without one', async () => {
    const root = tempDir('cli-topic');
    const out = join(root, 'ur');
    const urdf = urUrdf();
    const seen: string[] = [];
    const printed = await run(['robot', 'import', '--topic', '/robot_description', '--out', out], {
      readRobotDescription: async (topic) => {
        seen.push(topic);
        return urdf;
      },
    });
    assert.deepEqual(seen, ['/robot_description']);
    assert.match(printed, /robot 'ur_test' \(topic\)/);
    assert.equal(readFileSync(join(out, 'robot.urdf'), 'utf8'), urdf);
    const yaml = parseYaml(readFileSync(join(out, 'robot.yaml'), 'utf8')) as Record<
      string,
      Record<string, string>
    >;
    assert.deepEqual(
      [yaml['source']?.['kind'], yaml['source']?.['path']],
      ['topic', '/robot_description'],
    );
    await assert.rejects(
      run(['robot', 'import', '--topic', '/robot_description', '--out', join(root, 'x')]),
      /--topic \/robot_description: reading the robot description over DDS is not available in this build/,
    );
  });

  it('passes trailing name:=value words to xacro', async () => {
    const root = tempDir('cli-xacro');
    const file = join(root, 'one.urdf.xacro');
    writeFileSync(
      file,
      `<robot name="one" xmlns:xacro="http://www.ros.org/wiki/xacro"><xacro:arg name="effort" default="1"/>
       <link name="a"/><link name="b"><inertial><mass value="1"/><inertia ixx="0.01" iyy="0.01" izz="0.01" ixy="0" ixz="0" iyz="0"/></inertial></link>
       <joint name="j" type="continuous"><parent link="a"/><child link="b"/><axis xyz="0 0 1"/><limit effort="$(arg effort)"/></joint></robot>`,
    );
    // The PATH is emptied so that xacro-parser expands it even where ROS's xacro is installed.
    const savedPath = process.env['PATH'];
    process.env['PATH'] = '';
    try {
      const printed = await run([
        'robot',
        'import',
        file,
        'effort:=7.5',
        '--out',
        join(root, 'out'),
      ]);
      assert.match(printed, / j +±7\.500 +continuous/);
      assert.match(printed, /note: joint 'j' is continuous: no position limit/);
    } finally {
      process.env['PATH'] = savedPath;
    }
  });

  it('validates options with errors naming the option and value', () => {
    assert.throws(
      () => parseRobotImportOptions({ file: 'a.urdf', out: 'o', gravity: 'up' }),
      /option 'gravity' = "up": Invalid option: expected one of "policy"\|"robot"/,
    );
    assert.throws(
      () => parseRobotImportOptions({ file: 'a.urdf', out: 'o', controlRate: -5 }),
      /option 'controlRate' = -5:/,
    );
    assert.throws(
      () => parseRobotImportOptions({ out: 'o' }),
      /give exactly one input: a <file> or --topic/,
    );
    assert.throws(
      () => parseRobotImportOptions({ file: 'a.urdf', topic: 'robot_description', out: 'o' }),
      /option 'topic' = "robot_description": a ROS 2 topic name/,
    );
    assert.throws(
      () => parseRobotImportOptions({ file: 'a.urdf', out: 'o', home: [0, NaN] }),
      /option 'home\.1' = null/,
    );
    const ok = parseRobotImportOptions({ file: 'a.urdf', out: 'o' });
    assert.deepEqual(
      [ok.gravity, ok.controlRate, ok.noCollision, ok.packagePath, ok.xacroArgs],
      ['policy', 50, false, [], {}],
    );
  });
});
