/**
 * A recording that never finished (the process died before `close()`): no metadata.yaml, only the
 * `.partial` MCAP file. The reader still yields the complete episodes in the chunks that reached
 * the disk, and reports the damage.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BagEpisodeReader } from '../../src/replay/bagEpisodeReader.js';
import { EpisodeRecorder } from '../../src/replay/episodeRecorder.js';
import { JOINTS, OBS_SIZE, syntheticSteps, tempDir } from './helpers.js';

const tmp = tempDir('torquepilot-replay-crash-');

test('a crashed recording keeps the complete episodes that reached the disk', async () => {
  const dir = join(tmp, 'crashed');
  const rec = await EpisodeRecorder.create(dir, {
    task: 'toy',
    jointNames: JOINTS,
    checkpointId: 'x',
    obsSize: OBS_SIZE,
    chunkSize: 1024,
  });
  const steps = syntheticSteps(8, 2, 0n, false);
  for (const s of steps) await rec.writeStep(s);
  await rec.flush(); // what reached the disk before the "crash"; close() is never called
  assert.ok(!existsSync(join(dir, 'metadata.yaml')));
  assert.deepEqual(readdirSync(dir), ['.crashed_0.mcap.partial']);

  const reader = await BagEpisodeReader.open(dir);
  const lengths: number[] = [];
  for await (const ep of reader.episodes()) lengths.push(ep.length);
  const report = reader.report();
  // Episodes have lengths 3, 4, ...; the last chunk (still in the writer) is lost.
  assert.ok(lengths.length >= 4 && lengths.length < 8, `kept ${lengths.length}`);
  assert.deepEqual(lengths, [3, 4, 5, 6, 7, 8, 9, 10].slice(0, lengths.length));
  assert.match(report.damage ?? '', /truncated/);
  assert.equal(report.episodes, lengths.length);
});
