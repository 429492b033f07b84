/**
 * The episode bag format: bit-exact round trip of every field on every topic, rosbag2-conformant
 * metadata.yaml, self-description (decoding with @mcap/core + the embedded schema text only),
 * and a golden file pinning the bytes.
 *
 * Regenerate the golden files after an intended format change with
 *   TORQUEPILOT_UPDATE_GOLDEN=1 node scripts/runTests.mjs test/replay/bagFormat
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse as parseMsgDef } from '@foxglove/rosmsg';
import { MessageReader } from '@foxglove/rosmsg2-serialization';
import { McapIndexedReader } from '@mcap/core';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { BagEpisodeReader } from '../../src/replay/bagEpisodeReader.js';
import type { BagMessage } from '../../src/replay/bagEpisodeReader.js';
import {
  bagMetadataYaml,
  parseBagMetadata,
  qosProfileSchema,
} from '../../src/replay/bagMetadata.js';
import { EpisodeBagWriter } from '../../src/replay/episodeBagWriter.js';
import { EpisodeRecorder } from '../../src/replay/episodeRecorder.js';
import { TRANSITION_MSG, schemaText } from '../../src/replay/messageDefinitions.js';
import type { RecordedStep } from '../../src/replay/types.js';
import { JOINTS, MemoryWritable, OBS_SIZE, syntheticSteps, tempDir } from './helpers.js';

const tmp = tempDir('torquepilot-replay-format-');

const recorderOptions = {
  task: 'toy',
  jointNames: JOINTS,
  checkpointId: 'toy-it0-abc',
  obsSize: OBS_SIZE,
};

async function recordBag(dir: string, steps: readonly RecordedStep[]): Promise<void> {
  const rec = await EpisodeRecorder.create(dir, recorderOptions);
  for (const s of steps) await rec.writeStep(s);
  await rec.close();
}

/** Bit-exact equality (distinguishes −0 and +0, compares NaN payload-free). */
function sameBits(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++)
    assert.ok(Object.is(actual[i], expected[i]), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

describe('episode bag format', () => {
  test('Transition.msg in the repository equals the embedded definition', () => {
    const file = readFileSync(
      new URL('../../ros2/torquepilot_msgs/msg/Transition.msg', import.meta.url),
      'utf8',
    );
    assert.equal(TRANSITION_MSG, file);
    const text = schemaText('torquepilot_msgs/msg/Transition');
    assert.match(text, new RegExp(`\n={80}\nMSG: std_msgs/Header\n`));
    assert.match(text, new RegExp(`\n={80}\nMSG: builtin_interfaces/Time\n`));
    assert.throws(
      () => schemaText('std_msgs/msg/String'),
      /no embedded definition for message type 'std_msgs\/msg\/String'/,
    );
  });

  test('round trip: every field of every topic is bit-exact', async () => {
    const steps = syntheticSteps(4);
    const dir = join(tmp, 'roundtrip');
    await recordBag(dir, steps);
    const reader = await BagEpisodeReader.open(dir);
    const messages: BagMessage[] = [];
    for await (const m of reader.messages()) messages.push(m);
    assert.equal(messages.length, 3 * steps.length);
    for (const [i, s] of steps.entries()) {
      const [js, cmd, tr] = messages.slice(3 * i, 3 * i + 3);
      assert.ok(js?.kind === 'jointState' && cmd?.kind === 'command' && tr?.kind === 'transition');
      for (const m of [js, cmd, tr]) assert.equal(m.logTime, s.stampNs);
      assert.equal(js.topic, '/joint_states');
      assert.equal(js.value.stampNs, s.stampNs);
      assert.deepEqual(js.value.name, [...JOINTS]);
      sameBits(js.value.position, s.jointState?.position ?? [], 'position');
      sameBits(js.value.velocity, s.jointState?.velocity ?? [], 'velocity');
      sameBits(js.value.effort, s.jointState?.effort ?? [], 'effort');
      assert.equal(cmd.topic, '/effort_controller/commands');
      sameBits(cmd.value.data, s.command ?? [], 'command');
      const t = tr.value;
      assert.equal(tr.topic, '/torquepilot/transition');
      assert.equal(t.stampNs, s.stampNs);
      assert.equal(t.episodeIndex, s.episodeIndex);
      assert.equal(t.stepIndex, s.stepIndex);
      assert.equal(t.checkpointId, 'toy-it0-abc');
      assert.equal(t.task, 'toy');
      assert.deepEqual(t.jointNames, [...JOINTS]);
      sameBits(t.observation, s.observation, 'observation');
      sameBits(t.action, s.action, 'action');
      sameBits(t.mean, s.mean, 'mean');
      sameBits(t.logStd, s.logStd, 'logStd');
      sameBits([t.logProb, t.reward], [s.logProb, s.reward], 'logProb, reward');
      assert.equal(t.deterministic, false);
      assert.equal(t.terminated, s.terminated);
      assert.equal(t.truncated, s.truncated);
      sameBits(t.finalObservation, s.finalObservation ?? [], 'finalObservation');
    }
    // The episode view packs the same numbers.
    const eps = [];
    for await (const ep of reader.episodes()) eps.push(ep);
    assert.deepEqual(
      eps.map((e) => e.length),
      [3, 4, 5, 6],
    );
    assert.deepEqual(
      eps.map((e) => [e.terminated, e.truncated]),
      [
        [false, true],
        [true, false],
        [false, true],
        [true, false],
      ],
    );
    const ep2 = eps[2];
    const first = steps.findIndex((s) => s.episodeIndex === 2);
    assert.ok(ep2);
    for (let t = 0; t < ep2.length; t++) {
      const s = steps[first + t] as RecordedStep;
      sameBits(
        ep2.observations.subarray(t * OBS_SIZE, (t + 1) * OBS_SIZE),
        s.observation,
        'obs row',
      );
      sameBits(
        [ep2.behaviourLogProbs[t] as number, ep2.rewards[t] as number],
        [s.logProb, s.reward],
        'row',
      );
    }
    assert.deepEqual(reader.report(), {
      source: reader.path,
      episodes: 4,
      transitions: 18,
      deterministicSteps: 0,
      skippedEpisodes: 0,
    });
  });

  test("metadata.yaml matches rosbag2's schema: version, storage mcap, topics with counts, cdr, integer QoS", async () => {
    const dir = join(tmp, 'meta');
    await recordBag(dir, syntheticSteps(2));
    const text = readFileSync(join(dir, 'metadata.yaml'), 'utf8');
    const meta = parseBagMetadata(text, 'metadata.yaml', true);
    const info = meta.rosbag2_bagfile_information;
    assert.equal(info.version, 8);
    assert.equal(info.storage_identifier, 'mcap');
    assert.deepEqual(info.relative_file_paths, ['meta_0.mcap']);
    assert.equal(info.message_count, 21n);
    assert.deepEqual(
      info.topics_with_message_count.map((t) => [
        t.topic_metadata.name,
        t.topic_metadata.type,
        t.topic_metadata.serialization_format,
        t.message_count,
      ]),
      [
        ['/joint_states', 'sensor_msgs/msg/JointState', 'cdr', 7n],
        ['/effort_controller/commands', 'std_msgs/msg/Float64MultiArray', 'cdr', 7n],
        ['/torquepilot/transition', 'torquepilot_msgs/msg/Transition', 'cdr', 7n],
      ],
    );
    assert.equal(info.starting_time.nanoseconds_since_epoch, 1_700_000_000_123_456_789n);
    assert.equal(info.duration.nanoseconds, 60_000_000n);
    assert.equal(info.custom_data?.['torquepilot.episodes'], '2');
    // QoS: integer enums and {sec, nsec} durations, the form both Humble and Jazzy decode (v <= 8).
    for (const t of info.topics_with_message_count) {
      const profiles = z
        .array(qosProfileSchema)
        .parse(parseYaml(t.topic_metadata.offered_qos_profiles));
      assert.deepEqual(profiles[0]?.reliability, 1);
      assert.deepEqual(profiles[0]?.durability, 2);
      assert.deepEqual(profiles[0]?.history, 1);
    }
    // The schema rejects what rosbag2 would not read.
    assert.throws(
      () =>
        parseBagMetadata(
          text.replace('storage_identifier: mcap', 'storage_identifier: sqlite3'),
          'x.yaml',
        ),
      /x\.yaml .*storage_identifier/,
    );
    assert.throws(
      () =>
        parseBagMetadata(
          text.replace(/serialization_format: cdr/, 'serialization_format: json'),
          'x.yaml',
        ),
      /serialization_format/,
    );
    assert.throws(
      () =>
        parseBagMetadata(text.replace(/reliability: 1/, 'reliability: reliable'), 'x.yaml', true),
      /offered_qos_profiles/,
    );
    assert.throws(
      () => parseBagMetadata(text.replace('version: 8', 'version: 9'), 'x.yaml', true),
      /x\.yaml .*version/,
    );
    // The reader (non-strict) also takes a Jazzy-style version 9 file with string QoS enums.
    const jazzy = text
      .replace('version: 8', 'version: 9')
      .replaceAll('reliability: 1', 'reliability: reliable')
      .replaceAll('durability: 2', 'durability: volatile')
      .replaceAll('history: 1', 'history: keep_last');
    assert.equal(parseBagMetadata(jazzy, 'jazzy.yaml').rosbag2_bagfile_information.version, 9);
  });

  test('self-describing: @mcap/core and the embedded schema text alone decode the bag', async () => {
    const steps = syntheticSteps(2);
    const dir = join(tmp, 'independent');
    await recordBag(dir, steps);
    const bytes = new Uint8Array(readFileSync(join(dir, 'independent_0.mcap')));
    const reader = await McapIndexedReader.Initialize({
      readable: {
        size: async () => BigInt(bytes.byteLength),
        read: async (offset, size) => bytes.subarray(Number(offset), Number(offset + size)),
      },
    });
    assert.equal(reader.header.profile, 'ros2');
    assert.equal(reader.statistics?.messageCount, BigInt(3 * steps.length));
    const rosbag2Meta = [...reader.metadataIndexes].map((m) => m.name);
    assert.ok(rosbag2Meta.includes('rosbag2'));
    const decoders = new Map<number, MessageReader>();
    for (const ch of reader.channelsById.values()) {
      const schema = reader.schemasById.get(ch.schemaId);
      assert.ok(schema);
      assert.equal(schema.encoding, 'ros2msg');
      assert.equal(ch.messageEncoding, 'cdr');
      const qos = ch.metadata.get('offered_qos_profiles');
      assert.ok(qos !== undefined && /reliability: 1/.test(qos));
      decoders.set(
        ch.id,
        new MessageReader(parseMsgDef(new TextDecoder().decode(schema.data), { ros2: true })),
      );
    }
    const transitions: Record<string, unknown>[] = [];
    for await (const msg of reader.readMessages()) {
      const ch = reader.channelsById.get(msg.channelId);
      const value = decoders.get(msg.channelId)?.readMessage<Record<string, unknown>>(msg.data);
      if (ch?.topic === '/torquepilot/transition' && value) transitions.push(value);
    }
    assert.equal(transitions.length, steps.length);
    for (const [i, s] of steps.entries()) {
      const t = transitions[i] as Record<string, unknown>;
      assert.equal(t['episode_index'], s.episodeIndex);
      assert.equal(t['step_index'], s.stepIndex);
      sameBits(t['observation'] as Float64Array, s.observation, 'observation');
      sameBits(t['log_std'] as Float64Array, s.logStd, 'log_std');
      assert.ok(Object.is(t['log_prob'], s.logProb));
      assert.equal(t['truncated'], s.truncated);
    }
  });

  test('golden file pins the bytes of a small bag', async () => {
    const mem = new MemoryWritable();
    const writer = await EpisodeBagWriter.create({
      ...recorderOptions,
      writable: mem,
      fileName: 'golden_0.mcap',
    });
    for (const s of syntheticSteps(2, 7, 1_000_000_000n)) await writer.writeStep(s);
    const meta = bagMetadataYaml(await writer.end());
    const goldenDir = new URL('../fixtures/replay/golden/', import.meta.url);
    const mcapUrl = new URL('golden_0.mcap', goldenDir);
    const metaUrl = new URL('metadata.yaml', goldenDir);
    if (process.env['TORQUEPILOT_UPDATE_GOLDEN'] === '1') {
      mkdirSync(goldenDir, { recursive: true });
      writeFileSync(mcapUrl, mem.bytes());
      writeFileSync(metaUrl, meta);
    }
    assert.ok(
      existsSync(mcapUrl),
      `golden file ${mcapUrl.pathname} is missing (see the file comment)`,
    );
    assert.equal(meta, readFileSync(metaUrl, 'utf8'));
    assert.deepEqual(Buffer.from(mem.bytes()), readFileSync(mcapUrl));
    // And the golden bag reads back as two episodes.
    const reader = await BagEpisodeReader.open(new URL('.', goldenDir).pathname);
    let n = 0;
    for await (const ep of reader.episodes()) n += ep.length > 0 ? 1 : 0;
    assert.equal(n, 2);
  });
});
