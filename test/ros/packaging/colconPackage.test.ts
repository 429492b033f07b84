/**
 * The colcon packages (ros2/torquepilot_msgs, ros2/torquepilot) as `npm run setup:ros` builds
 * them, and a fresh `colcon build` of ros2/torquepilot into a temporary folder. Checks what the
 * ament package installs: the ament index marker, share/torquepilot/launch/*.launch.py (all of
 * launch/), the robot folders (models/robots/<name>/: robot.yaml + model.xml), the built JS, and executables in
 * lib/torquepilot that run the CLI command the launch files expect.
 * Skips without the setup (naming `npm run setup:ros`); fails instead under CI=true.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { colconBuildTorquepilot } from '../colconBuild.js';
import { fileURLToPath } from 'node:url';
import {
  findRosEnvironment,
  projectRoot,
  ROS_SETUP_HINT,
} from '../../../src/ros/transport/rclnodejs/rosEnv.js';

const ROOT = projectRoot(fileURLToPath(new URL('.', import.meta.url)));
const INSTALL = join(ROOT, '.ros', 'ws', 'install');

function skipReason(): string | null {
  const ros = findRosEnvironment();
  const reason =
    ros === null || ros.source !== 'project' || !existsSync(join(INSTALL, 'share'))
      ? `the colcon workspace ${INSTALL} is missing; ${ROS_SETUP_HINT}`
      : null;
  if (reason !== null && process.env['CI'] === 'true') throw new Error(`CI=true: ${reason}`);
  return reason;
}

/** The CLI command each executable must run (the launch files rely on these). */
const EXECUTABLES: Record<string, string> = {
  policy_node: 'node',
  sim_robot: 'sim-robot',
  trainer: 'train',
  trainer_node: 'trainer-node',
  replay: 'replay',
  actor: 'actor',
  learner: 'learner',
};

function checkInstall(prefix: string): void {
  const index = join(prefix, 'share', 'ament_index', 'resource_index', 'packages');
  assert.ok(existsSync(join(index, 'torquepilot')), 'ament index marker of torquepilot missing');
  const share = join(prefix, 'share', 'torquepilot');
  assert.ok(existsSync(join(share, 'package.xml')));
  const launchFiles = readdirSync(join(ROOT, 'launch')).filter((f) => f.endsWith('.launch.py'));
  assert.ok(launchFiles.length >= 3);
  assert.deepEqual(
    readdirSync(join(share, 'launch')).sort(),
    launchFiles.sort(),
    'share/torquepilot/launch differs from launch/',
  );
  for (const robot of readdirSync(join(ROOT, 'models', 'robots'))) {
    for (const file of ['robot.yaml', 'model.xml']) {
      if (!existsSync(join(ROOT, 'models', 'robots', robot, file))) continue;
      assert.ok(
        existsSync(join(share, 'models', 'robots', robot, file)),
        `models/robots/${robot}/${file} not installed`,
      );
    }
  }
  assert.ok(existsSync(join(share, 'dist', 'src', 'cli.js')), 'the built CLI is not installed');
  assert.ok(existsSync(join(share, 'node_modules', 'commander')), 'node_modules not installed');
  for (const [exe, command] of Object.entries(EXECUTABLES)) {
    const path = join(prefix, 'lib', 'torquepilot', exe);
    assert.ok(existsSync(path), `lib/torquepilot/${exe} missing`);
    assert.ok((statSync(path).mode & 0o111) !== 0, `lib/torquepilot/${exe} is not executable`);
    const text = readFileSync(path, 'utf8');
    assert.match(
      text,
      new RegExp(`/dist/src/cli\\.js" ${command} "\\$@"`),
      `${exe} does not run \`${command}\``,
    );
  }
}

describe('colcon packages', { skip: skipReason() ?? false }, () => {
  test('the setup workspace holds both packages, with what the ament package installs', () => {
    const index = join(INSTALL, 'share', 'ament_index', 'resource_index', 'packages');
    assert.ok(existsSync(join(index, 'torquepilot_msgs')), 'torquepilot_msgs not built');
    assert.ok(
      existsSync(join(INSTALL, 'share', 'torquepilot_msgs', 'msg', 'PolicyOutput.msg')) &&
        existsSync(join(INSTALL, 'share', 'torquepilot_msgs', 'msg', 'Transition.msg')),
      'torquepilot_msgs does not install both messages',
    );
    checkInstall(INSTALL);
  });

  test('an executable runs the CLI from the install', () => {
    const run = spawnSync(join(INSTALL, 'lib', 'torquepilot', 'policy_node'), ['--help'], {
      encoding: 'utf8',
      env: { ...process.env, TORQUEPILOT_NODE: process.execPath },
    });
    // `torquepilot node --help` when the node command exists; commander's "unknown command" before
    assert.ok(
      /Usage: torquepilot/.test(run.stdout + run.stderr),
      `no usage text from the installed CLI:\n${run.stdout}\n${run.stderr}`,
    );
  });

  test('colcon build of ros2/torquepilot into a fresh folder', () => {
    const ros = findRosEnvironment();
    assert.ok(ros);
    const tmp = mkdtempSync(join(tmpdir(), 'torquepilot-colcon-'));
    try {
      const run = colconBuildTorquepilot(ros, ROOT, tmp);
      assert.equal(run.status, 0, `colcon build failed:\n${run.stdout}\n${run.stderr}`);
      checkInstall(join(tmp, 'install'));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
