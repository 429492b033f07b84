/**
 * src/ros/transport/rclnodejs/rosEnv.ts without ROS: which environment wins (a sourced ROS over the project's .ros/),
 * how env.json values are merged into the caller's, and the one error naming `npm run setup:ros`.
 * Uses temporary ROS homes (TORQUEPILOT_ROS_HOME) holding hand-written env.json files.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  findRosEnvironment,
  mergeEnvironment,
  noRosError,
  readRosEnvFile,
} from '../../../src/ros/transport/rclnodejs/rosEnv.js';

const home = mkdtempSync(join(tmpdir(), 'tp-rosenv-'));
const prefix = join(home, 'venv');
mkdirSync(prefix);
writeFileSync(
  join(home, 'env.json'),
  JSON.stringify({
    version: 1,
    distro: 'kilted',
    prefix,
    env: { AMENT_PREFIX_PATH: prefix, ROS_DISTRO: 'kilted', PATH: `${prefix}/bin` },
    nodeEnv: { LD_PRELOAD: '/x/libpython3.11.so.1.0' },
  }),
);
after(() => rmSync(home, { recursive: true, force: true }));

describe('rosEnv', () => {
  test('the project prefix, merged in front of the caller PATH, with LD_PRELOAD', () => {
    const ros = findRosEnvironment({ TORQUEPILOT_ROS_HOME: home, PATH: '/usr/bin' });
    assert.ok(ros);
    assert.equal(ros.source, 'project');
    assert.equal(ros.prefix, prefix);
    assert.equal(ros.env['PATH'], `${prefix}/bin:/usr/bin`);
    assert.equal(ros.env['ROS_DISTRO'], 'kilted');
    assert.equal(ros.env['LD_PRELOAD'], '/x/libpython3.11.so.1.0');
  });

  test('a sourced ROS 2 takes precedence and needs nothing added', () => {
    const ros = findRosEnvironment({
      TORQUEPILOT_ROS_HOME: home,
      AMENT_PREFIX_PATH: '/opt/ros/jazzy:/other',
      ROS_DISTRO: 'jazzy',
    });
    assert.deepEqual(ros, {
      source: 'sourced',
      distro: 'jazzy',
      prefix: '/opt/ros/jazzy',
      env: {},
    });
  });

  test('a shell that sourced .ros/env.sh still gets libpython preloaded (once)', () => {
    const base = {
      AMENT_PREFIX_PATH: prefix,
      ROS_DISTRO: 'kilted',
      TORQUEPILOT_NODE_LD_PRELOAD: '/x/lp.so',
    };
    assert.deepEqual(findRosEnvironment(base)?.env, { LD_PRELOAD: '/x/lp.so' });
    assert.deepEqual(findRosEnvironment({ ...base, LD_PRELOAD: '/x/lp.so' })?.env, {});
  });

  test('no ROS: null, and the error names npm run setup:ros', () => {
    const empty = mkdtempSync(join(tmpdir(), 'tp-rosenv-empty-'));
    try {
      assert.equal(findRosEnvironment({ TORQUEPILOT_ROS_HOME: empty }), null);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    assert.match(noRosError('torquepilot node').message, /npm run setup:ros/);
  });

  test('a malformed env.json is refused with its path', () => {
    const bad = mkdtempSync(join(tmpdir(), 'tp-rosenv-bad-'));
    try {
      writeFileSync(join(bad, 'env.json'), JSON.stringify({ version: 2 }));
      assert.throws(() => readRosEnvFile(bad), /env\.json lacks version 1/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  test('mergeEnvironment: lists go in front, scalars replace', () => {
    assert.deepEqual(
      mergeEnvironment(
        { LD_LIBRARY_PATH: '/a', ROS_DISTRO: 'kilted' },
        { LD_LIBRARY_PATH: '/b', ROS_DISTRO: 'x' },
      ),
      { LD_LIBRARY_PATH: '/a:/b', ROS_DISTRO: 'kilted' },
    );
  });
});
