/**
 * Build the torquepilot ament package (ros2/torquepilot) into a folder of its own, with its dist/,
 * node_modules/ and models/ linked to this clone (-DTORQUEPILOT_LINK_TREE=ON): what the packaging
 * test checks and what the signal tests run when the setup's .ros/ws belongs to another clone.
 */
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RosEnvironment } from '../../src/ros/index.js';

export function colconBuildTorquepilot(
  ros: RosEnvironment,
  root: string,
  dir: string,
): SpawnSyncReturns<string> {
  const colcon = join(ros.prefix, 'bin', 'colcon');
  return spawnSync(
    existsSync(colcon) ? colcon : 'colcon',
    [
      '--log-base',
      join(dir, 'log'),
      'build',
      '--base-paths',
      join(root, 'ros2', 'torquepilot'),
      '--build-base',
      join(dir, 'build'),
      '--install-base',
      join(dir, 'install'),
      '--merge-install',
      '--cmake-args',
      '-DBUILD_TESTING=OFF',
      '-DTORQUEPILOT_LINK_TREE=ON',
    ],
    { encoding: 'utf8', cwd: dir, env: { ...process.env, ...ros.env, LD_PRELOAD: '' } },
  );
}
