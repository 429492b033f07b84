/**
 * Bad input gives clear errors (matched by regex), and a truncated .mcap still yields the complete
 * episodes before the damage, with the number skipped reported by the reader, by runReplay and by
 * the `torquepilot replay` command.
 */
import assert from 'node:assert/strict';
import {
  copyFileSync,
  mkdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { McapWriter } from '@mcap/core';
import { parse as parseYaml, stringify } from 'yaml';
import { loadCheckpoint } from '../../src/policy/checkpoint.js';
import { BagEpisodeReader } from '../../src/replay/bagEpisodeReader.js';
import { EpisodeRecorder, NodeFileWritable } from '../../src/replay/episodeRecorder.js';
import { schemaText } from '../../src/replay/messageDefinitions.js';
import { runReplay } from '../../src/replay/runReplay.js';
import {
  JOINTS,
  OBS_SIZE,
  runCliSync,
  saveFreshCheckpoint,
  syntheticSteps,
  tempDir,
} from './helpers.js';

const tmp = tempDir('torquepilot-replay-bad-');
const good = join(tmp, 'good');
const EPISODES = 12;

function makeCheckpoint(dir: string, jointNames: readonly string[]): void {
  saveFreshCheckpoint(dir, { task: 'toy', jointNames, obsSize: OBS_SIZE, seed: 3 });
}

/** A copy of the good bag, for damaging. */
function copyBag(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(good, 'metadata.yaml'), join(dir, 'metadata.yaml'));
  copyFileSync(join(good, 'good_0.mcap'), join(dir, 'good_0.mcap'));
  return dir;
}

async function readAll(path: string): Promise<{ lengths: number[]; reader: BagEpisodeReader }> {
  const reader = await BagEpisodeReader.open(path);
  const lengths: number[] = [];
  for await (const ep of reader.episodes()) lengths.push(ep.length);
  return { lengths, reader };
}

before(async () => {
  // Small chunks so that a truncation loses only the tail of the file.
  const rec = await EpisodeRecorder.create(good, {
    task: 'toy',
    jointNames: JOINTS,
    checkpointId: 'toy-behaviour',
    obsSize: OBS_SIZE,
    chunkSize: 2048,
  });
  for (const s of syntheticSteps(EPISODES, 5, 1_000_000_000n, false)) await rec.writeStep(s);
  await rec.close();
  makeCheckpoint(join(tmp, 'ck-good'), JOINTS);
  makeCheckpoint(join(tmp, 'ck-other-joints'), ['joint_a', 'joint_b']);
});

describe('bad input', () => {
  test('a bag missing a topic', async () => {
    const dir = copyBag('missing');
    const metaPath = join(dir, 'metadata.yaml');
    const meta = parseYaml(readFileSync(metaPath, 'utf8'), { intAsBigInt: true }) as {
      rosbag2_bagfile_information: {
        topics_with_message_count: { topic_metadata: { name: string } }[];
      };
    };
    const info = meta.rosbag2_bagfile_information;
    info.topics_with_message_count = info.topics_with_message_count.filter(
      (t) => t.topic_metadata.name !== '/torquepilot/transition',
    );
    writeFileSync(metaPath, stringify(meta));
    await assert.rejects(
      BagEpisodeReader.open(dir),
      /bag .*missing is missing topic '\/torquepilot\/transition' \(torquepilot_msgs\/msg\/Transition\); metadata.yaml lists: \/joint_states, \/effort_controller\/commands/,
    );
  });

  test('a bag directory with nothing in it', async () => {
    const dir = join(tmp, 'empty');
    mkdirSync(dir);
    await assert.rejects(BagEpisodeReader.open(dir), /has neither metadata.yaml nor a .mcap file/);
    await assert.rejects(BagEpisodeReader.open(join(tmp, 'nope')), /bag .*nope does not exist/);
  });

  test('a wrong message type on the transition topic (metadata.yaml, and the MCAP channel itself)', async () => {
    const dir = join(tmp, 'wrongtype');
    mkdirSync(dir);
    const handle = await open(join(dir, 'wrongtype_0.mcap'), 'w');
    const writable = new NodeFileWritable(handle);
    const w = new McapWriter({ writable });
    await w.start({ profile: 'ros2', library: 'test' });
    const schemaId = await w.registerSchema({
      name: 'std_msgs/msg/Float64MultiArray',
      encoding: 'ros2msg',
      data: new TextEncoder().encode(schemaText('std_msgs/msg/Float64MultiArray')),
    });
    await w.registerChannel({
      topic: '/torquepilot/transition',
      schemaId,
      messageEncoding: 'cdr',
      metadata: new Map(),
    });
    await w.end();
    await writable.flush();
    await handle.close();
    // No metadata.yaml: the check happens when the channel arrives in the stream.
    await assert.rejects(
      readAll(dir),
      /topic '\/torquepilot\/transition' has message type 'std_msgs\/msg\/Float64MultiArray', expected 'torquepilot_msgs\/msg\/Transition'/,
    );
    // With a metadata.yaml saying so, open() refuses before reading.
    const bad = copyBag('wrongtype-meta');
    const metaPath = join(bad, 'metadata.yaml');
    writeFileSync(
      metaPath,
      readFileSync(metaPath, 'utf8').replace(
        'type: torquepilot_msgs/msg/Transition',
        'type: std_msgs/msg/String',
      ),
    );
    await assert.rejects(
      BagEpisodeReader.open(bad),
      /topic '\/torquepilot\/transition' has message type 'std_msgs\/msg\/String', expected 'torquepilot_msgs\/msg\/Transition'/,
    );
  });

  test('a checkpoint whose joint names do not match the bag', async () => {
    await assert.rejects(
      runReplay({
        bags: [good],
        checkpoint: join(tmp, 'ck-other-joints'),
        out: join(tmp, 'never'),
      }),
      /joint names do not match: checkpoint .*ck-other-joints has \[joint_a, joint_b\] but bag .*good was recorded with \[shoulder, elbow\]/,
    );
  });

  test('a truncated .mcap: complete episodes before the damage are used, the rest counted as skipped', async () => {
    const whole = await readAll(good);
    assert.equal(whole.lengths.length, EPISODES);
    const dir = copyBag('truncated');
    const file = join(dir, 'good_0.mcap');
    truncateSync(file, Math.floor(statSync(file).size * 0.6));
    const { lengths, reader } = await readAll(dir);
    const report = reader.report();
    assert.ok(lengths.length > 0 && lengths.length < EPISODES, `kept ${lengths.length} episodes`);
    // The episodes kept are exactly the first ones of the intact bag.
    assert.deepEqual(lengths, whole.lengths.slice(0, lengths.length));
    assert.equal(report.skippedEpisodes, EPISODES - lengths.length);
    assert.match(report.damage ?? '', /file ends before the MCAP footer \(truncated/);

    const summary = await runReplay({
      bags: [dir],
      checkpoint: join(tmp, 'ck-good'),
      out: join(tmp, 'ck-after-truncated'),
    });
    assert.equal(summary.episodes, lengths.length);
    assert.equal(summary.skippedEpisodes, EPISODES - lengths.length);
    assert.equal(
      summary.transitions,
      lengths.reduce((a, b) => a + b, 0),
    );
    assert.equal(loadCheckpoint(join(tmp, 'ck-after-truncated')).manifest.id, summary.checkpointId);

    // The command says how many were skipped, and still succeeds.
    const cli = runCliSync([
      'replay',
      '--bag',
      dir,
      '--checkpoint',
      join(tmp, 'ck-good'),
      '--out',
      join(tmp, 'ck-cli'),
    ]);
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(
      cli.stdout,
      new RegExp(`${EPISODES - lengths.length} episodes skipped \\(damaged or incomplete\\)`),
    );
    assert.match(
      cli.stdout,
      /file ends before the MCAP footer .*used \d+ complete episodes before the damage/,
    );
  });

  test('garbage in the middle of the file is damage too, not a crash', async () => {
    const dir = copyBag('garbage');
    const file = join(dir, 'good_0.mcap');
    const bytes = readFileSync(file);
    const at = Math.floor(bytes.length / 2);
    bytes.fill(0xab, at, at + 64);
    writeFileSync(file, bytes);
    const { lengths, reader } = await readAll(dir);
    assert.ok(lengths.length < EPISODES);
    assert.equal(reader.report().skippedEpisodes, EPISODES - lengths.length);
    assert.match(reader.report().damage ?? '', /unreadable MCAP record|truncated/);
  });

  test('writer refuses out-of-order steps and wrong sizes before writing anything', async () => {
    const rec = await EpisodeRecorder.create(join(tmp, 'order'), {
      task: 'toy',
      jointNames: JOINTS,
      checkpointId: 'x',
      obsSize: OBS_SIZE,
    });
    const [s0, s1] = syntheticSteps(1, 1, 0n, false);
    assert.ok(s0 && s1);
    await assert.rejects(rec.writeStep(s1), /a new episode must start at step 0/);
    await assert.rejects(
      rec.writeStep({ ...s0, observation: [1, 2] }),
      /observation has length 2, expected 3/,
    );
    await assert.rejects(
      rec.writeStep({ ...s0, command: [1] }),
      /command has length 1, expected 2/,
    );
    await rec.writeStep(s0);
    await assert.rejects(rec.writeStep(s0), /expected step 1 of this episode/);
    await assert.rejects(
      rec.writeStep({ ...s1, truncated: true, finalObservation: undefined }),
      /needs finalObservation/,
    );
    const summary = await rec.close();
    assert.equal(summary.messageCount, 3);
    await assert.rejects(
      EpisodeRecorder.create(join(tmp, 'order'), {
        task: 'toy',
        jointNames: JOINTS,
        checkpointId: 'x',
        obsSize: OBS_SIZE,
      }),
      /exists and is not empty/,
    );
  });
});
