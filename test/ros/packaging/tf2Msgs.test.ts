/**
 * tf2_msgs, the type of /tf: the PyPI ROS 2 core has none, so `npm run setup:ros` builds
 * ros2/fallback/tf2_msgs (TFMessage only) when no prefix provides it. RViz, Foxglove and tf2
 * listeners match /tf by type name and RIHS01 type hash, so the fallback must hash as upstream's:
 * RIHS01_e369d0f0…f087, the value rosidl generated for ros2/geometry2's tf2_msgs/msg/TFMessage
 * (found in a package built against upstream tf2_msgs, whose description code asserts it as
 * tf2_msgs__msg__TFMessage__EXPECTED_HASH; its geometry_msgs/TransformStamped hash there,
 * RIHS01_0a241f87…5206, is the one of this setup's geometry_msgs, so the inputs agree).
 * - without ROS: the package holds exactly upstream's definition and is COLCON_IGNOREd, so a
 *   workspace on a full ROS 2 installation never shadows that installation's tf2_msgs;
 * - with the setup: the tf2_msgs on AMENT_PREFIX_PATH (fallback or a full installation's) has
 *   upstream's hash, and rclnodejs generated JS for it.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import {
  findRosEnvironment,
  projectRoot,
  ROS_SETUP_HINT,
} from '../../../src/ros/transport/rclnodejs/rosEnv.js';

const ROOT = projectRoot(fileURLToPath(new URL('.', import.meta.url)));
const FALLBACK = join(ROOT, 'ros2', 'fallback');
const UPSTREAM_TFMESSAGE_HASH =
  'RIHS01_e369d0f05a23ae52508854b66f6aa0437f3449d652e8cbf22d5abe85d020f087';
const UPSTREAM_TRANSFORM_STAMPED_HASH =
  'RIHS01_0a241f87d04668d94099cbb5ba11691d5ad32c2f29682e4eb5653424bd275206';

interface TypeDescriptionFile {
  readonly type_hashes: readonly { type_name: string; hash_string: string }[];
}

/** The first prefix on the ROS environment's AMENT_PREFIX_PATH that holds `share/<pkg>`. */
function providingPrefix(pkg: string): string | null {
  const ros = findRosEnvironment();
  if (ros === null) return null;
  const path = ros.env['AMENT_PREFIX_PATH'] ?? process.env['AMENT_PREFIX_PATH'] ?? '';
  for (const prefix of path.split(':')) {
    if (
      prefix !== '' &&
      existsSync(join(prefix, 'share', 'ament_index', 'resource_index', 'packages', pkg))
    )
      return prefix;
  }
  return null;
}

function hashOf(file: string, typeName: string): string | undefined {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as TypeDescriptionFile;
  return doc.type_hashes.find((h) => h.type_name === typeName)?.hash_string;
}

describe('tf2_msgs fallback package', () => {
  test('TFMessage only, upstream definition, COLCON_IGNOREd by default', () => {
    assert.equal(
      readFileSync(join(FALLBACK, 'tf2_msgs', 'msg', 'TFMessage.msg'), 'utf8'),
      'geometry_msgs/TransformStamped[] transforms\n',
    );
    assert.ok(existsSync(join(FALLBACK, 'COLCON_IGNORE')), 'ros2/fallback/COLCON_IGNORE missing');
    const xml = readFileSync(join(FALLBACK, 'tf2_msgs', 'package.xml'), 'utf8');
    assert.match(xml, /<name>tf2_msgs<\/name>/);
    assert.match(xml, /<member_of_group>rosidl_interface_packages<\/member_of_group>/);
  });

  const ros = findRosEnvironment();
  test(
    'the tf2_msgs on AMENT_PREFIX_PATH has upstream RIHS01 hash; rclnodejs has its JS',
    { skip: ros === null ? `no ROS 2 environment; ${ROS_SETUP_HINT}` : false },
    () => {
      const prefix = providingPrefix('tf2_msgs');
      assert.ok(
        prefix !== null,
        `no prefix on AMENT_PREFIX_PATH provides tf2_msgs: re-run \`npm run setup:ros\` (it builds ros2/fallback/tf2_msgs)`,
      );
      const json = join(prefix, 'share', 'tf2_msgs', 'msg', 'TFMessage.json');
      assert.equal(hashOf(json, 'tf2_msgs/msg/TFMessage'), UPSTREAM_TFMESSAGE_HASH);
      assert.equal(
        hashOf(json, 'geometry_msgs/msg/TransformStamped'),
        UPSTREAM_TRANSFORM_STAMPED_HASH,
      );
      assert.ok(
        existsSync(
          join(
            ROOT,
            'node_modules',
            'rclnodejs',
            'generated',
            'tf2_msgs',
            'tf2_msgs__msg__TFMessage.js',
          ),
        ),
        'rclnodejs has no generated tf2_msgs/msg/TFMessage: re-run `npm run setup:ros`',
      );
    },
  );
});
