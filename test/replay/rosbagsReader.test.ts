/**
 * An independent rosbag2 implementation reads our bags: `rosbags` (pure Python, Ternaris) parses
 * metadata.yaml (version 8, integer QoS enums), the MCAP storage, and decodes every Transition from
 * the definition embedded in the bag, bit-exactly.
 *
 * Needs a Python with `pip install rosbags==0.11.9`; point TORQUEPILOT_ROSBAGS_PYTHON at it
 * (e.g. a venv's bin/python). Skipped, with that reason, when the variable is not set.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { EpisodeRecorder } from '../../src/replay/episodeRecorder.js';
import { JOINTS, OBS_SIZE, floatHex, syntheticSteps, tempDir } from './helpers.js';

const python = process.env['TORQUEPILOT_ROSBAGS_PYTHON'];
const tmp = tempDir('torquepilot-replay-rosbags-');

test(
  'rosbags (independent rosbag2 reader) reads the bag bit-exactly',
  {
    skip:
      python === undefined
        ? 'set TORQUEPILOT_ROSBAGS_PYTHON to a python with rosbags 0.11.9'
        : false,
  },
  async () => {
    const dir = join(tmp, 'bag');
    const steps = syntheticSteps(3);
    const rec = await EpisodeRecorder.create(dir, {
      task: 'toy',
      jointNames: JOINTS,
      checkpointId: 'x',
      obsSize: OBS_SIZE,
    });
    for (const s of steps) await rec.writeStep(s);
    await rec.close();
    const script = fileURLToPath(new URL('rosbags_read.py', import.meta.url));
    const run = spawnSync(python as string, [script, dir], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout) as {
      messageCount: number;
      topics: Record<
        string,
        {
          type: string;
          count: number;
          serialization: string;
          reliability: number;
          durability: number;
        }
      >;
      transitions: {
        stamp: number;
        episode: number;
        step: number;
        observation: string[];
        logProb: string;
        truncated: boolean;
      }[];
    };
    assert.equal(out.messageCount, 3 * steps.length);
    assert.deepEqual(out.topics['/torquepilot/transition'], {
      type: 'torquepilot_msgs/msg/Transition',
      count: steps.length,
      serialization: 'cdr',
      reliability: 1,
      durability: 2,
    });
    assert.equal(out.topics['/joint_states']?.type, 'sensor_msgs/msg/JointState');
    assert.equal(out.topics['/effort_controller/commands']?.type, 'std_msgs/msg/Float64MultiArray');
    for (const [i, s] of steps.entries()) {
      const t = out.transitions[i];
      assert.ok(t);
      assert.equal(t.episode, s.episodeIndex);
      assert.equal(t.step, s.stepIndex);
      assert.deepEqual(t.observation, Array.from(s.observation, floatHex));
      assert.equal(t.logProb, floatHex(s.logProb));
      assert.equal(t.truncated, s.truncated);
    }
  },
);
