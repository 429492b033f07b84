/**
 * BagTransitionSource on bags written by the episode writer: every logged value arrives bit-exact
 * in the segments, one segment per episode ending TERMINATED or TRUNCATED as recorded, the
 * deterministic flags and NaN log-probs carried, identity from the episodes and metadata.yaml,
 * deliveries grouped up to `maxTransitions`, several bags in order with their reports.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { SEGMENT_TERMINATED, SEGMENT_TRUNCATED } from '../../src/learn/index.js';
import { BagTransitionSource, segmentsFromEpisodes } from '../../src/replay/bagTransitionSource.js';
import type { BagDelivery } from '../../src/replay/bagTransitionSource.js';
import { EpisodeRecorder } from '../../src/replay/episodeRecorder.js';
import type { RecordedStep } from '../../src/replay/types.js';
import { JOINTS, OBS_SIZE, syntheticSteps, tempDir } from './helpers.js';

const tmp = tempDir('torquepilot-bag-source-');
const bagA = join(tmp, 'a');
const bagB = join(tmp, 'b');
const HASH = 'cd'.repeat(32);

/** 5 episodes of 3..7 steps (even: truncated, odd: terminated); every 4th step deterministic. */
const stepsA: RecordedStep[] = syntheticSteps(5, 31).map((s, i) =>
  i % 4 === 0 ? { ...s, action: s.mean, deterministic: true } : s,
);
const stepsB: RecordedStep[] = syntheticSteps(2, 32);

async function writeBag(
  dir: string,
  list: readonly RecordedStep[],
  customData: Record<string, string>,
): Promise<void> {
  const rec = await EpisodeRecorder.create(dir, {
    task: 'toy',
    jointNames: JOINTS,
    checkpointId: `behaviour-${dir.slice(-1)}`,
    obsSize: OBS_SIZE,
    customData,
  });
  for (const s of list) await rec.writeStep(s);
  await rec.close();
}

async function drain(source: BagTransitionSource): Promise<BagDelivery[]> {
  const out: BagDelivery[] = [];
  for (let d = await source.next(); d !== null; d = await source.next()) out.push(d);
  return out;
}

before(async () => {
  await writeBag(bagA, stepsA, {
    'torquepilot.robot_name': 'arm3',
    'torquepilot.model_hash': HASH,
    'torquepilot.task_params': '{"kind":"reach"}',
  });
  await writeBag(bagB, stepsB, {});
});

describe('BagTransitionSource', () => {
  test('one delivery per episode, every logged value bit-exact, ends and flags as recorded', async () => {
    const opened: string[] = [];
    const source = new BagTransitionSource({
      bags: [bagA],
      onBagOpen: (b) => opened.push(b.path),
    });
    assert.equal(source.kind, 'bag');
    const ds = await drain(source);
    assert.deepEqual(opened, [bagA]);
    assert.equal(ds.length, 5);
    let k = 0;
    ds.forEach((d, e) => {
      assert.equal(d.origin, bagA);
      assert.equal(d.sequence, e);
      assert.deepEqual(d.episodes, [{ episodeIndex: e, checkpointId: 'behaviour-a' }]);
      const s = d.segments;
      assert.equal(s.size, 3 + e);
      assert.deepEqual(Array.from(s.bounds), [0, 3 + e]);
      assert.deepEqual(Array.from(s.segmentEnds), [
        e % 2 === 1 ? SEGMENT_TERMINATED : SEGMENT_TRUNCATED,
      ]);
      assert.deepEqual(Array.from(s.policyVersions), [0]);
      for (let t = 0; t < s.size; t++, k++) {
        const step = stepsA[k]!;
        const det = step.deterministic === true;
        const row = (arr: Float64Array, w: number) => Array.from(arr.subarray(t * w, (t + 1) * w));
        assert.deepEqual(row(s.observations, OBS_SIZE), Array.from(step.observation), `obs ${k}`);
        assert.deepEqual(row(s.actions, 2), Array.from(step.action), `action ${k}`);
        assert.deepEqual(row(s.behaviourMeans!, 2), Array.from(step.mean), `mean ${k}`);
        assert.deepEqual(row(s.behaviourLogStds!, 2), Array.from(step.logStd), `log σ ${k}`);
        assert.ok(Object.is(s.rewards[t], step.reward), `reward ${k}`);
        assert.equal(s.deterministic![t], det ? 1 : 0, `flag ${k}`);
        if (det) assert.ok(Number.isNaN(s.behaviourLogProbs[t]), `log μ of deterministic ${k}`);
        else assert.ok(Object.is(s.behaviourLogProbs[t], step.logProb), `log μ ${k}`);
        if (t === s.size - 1)
          assert.deepEqual(Array.from(s.finalObservations), Array.from(step.finalObservation!));
      }
    });
    assert.equal(k, stepsA.length);
    assert.equal(source.reports()[0]?.episodes, 5);
    assert.equal(source.reports()[0]?.deterministicSteps, Math.ceil(stepsA.length / 4));
  });

  test('identity: task, joints and sizes from the episodes, robot from metadata.yaml', async () => {
    const [a] = await drain(new BagTransitionSource({ bags: [bagA] }));
    assert.deepEqual(a!.identity, {
      robotName: 'arm3',
      modelHash: HASH,
      task: 'toy',
      taskParams: '{"kind":"reach"}',
      jointNames: [...JOINTS],
      obsSize: OBS_SIZE,
      actionSize: 2,
    });
    // A bag without the keys: the `identity` option fills them, else ''.
    const [b] = await drain(new BagTransitionSource({ bags: [bagB] }));
    assert.equal(b!.identity.robotName, '');
    assert.equal(b!.identity.modelHash, '');
    const [c] = await drain(
      new BagTransitionSource({ bags: [bagB], identity: { robotName: 'arm7', modelHash: HASH } }),
    );
    assert.equal(c!.identity.robotName, 'arm7');
    assert.equal(c!.identity.modelHash, HASH);
    assert.equal(c!.identity.taskParams, '');
  });

  test('maxTransitions groups whole episodes of one bag; bags in order with their reports', async () => {
    const read: string[] = [];
    const source = new BagTransitionSource({
      bags: [bagA, bagB],
      maxTransitions: 8,
      onBagRead: (r) => read.push(`${r.source}:${r.episodes}`),
    });
    const ds = await drain(source);
    // Bag a: episodes of 3 4 5 6 7 → [3 4] [5] [6] [7]; bag b: 3 4 → [3 4] (never across bags).
    assert.deepEqual(
      ds.map((d) => [d.origin === bagA ? 'a' : 'b', d.sequence, ...d.segments.bounds]),
      [
        ['a', 0, 0, 3, 7],
        ['a', 1, 0, 5],
        ['a', 2, 0, 6],
        ['a', 3, 0, 7],
        ['b', 0, 0, 3, 7],
      ],
    );
    assert.deepEqual(
      ds[0]!.episodes.map((e) => e.episodeIndex),
      [0, 1],
    );
    assert.deepEqual(Array.from(ds[0]!.segments.segmentEnds), [
      SEGMENT_TRUNCATED,
      SEGMENT_TERMINATED,
    ]);
    assert.deepEqual(read, [`${bagA}:5`, `${bagB}:2`]);
    assert.deepEqual(
      source.reports().map((r) => r.transitions),
      [25, 7],
    );
    assert.equal(await source.next(), null);
  });

  test('close stops reading; a missing bag fails naming it; bad options are refused', async () => {
    const source = new BagTransitionSource({ bags: [bagA] });
    assert.ok(await source.next());
    await source.close();
    assert.equal(await source.next(), null);
    await source.close();
    await assert.rejects(
      new BagTransitionSource({ bags: [join(tmp, 'nope')] }).next(),
      /BagEpisodeReader.open: bag .*nope does not exist/,
    );
    assert.throws(
      () => new BagTransitionSource({ bags: [bagA], maxTransitions: -1 }),
      /maxTransitions must be a non-negative integer, got -1/,
    );
    assert.throws(() => segmentsFromEpisodes([]), /segmentsFromEpisodes: no episodes/);
  });
});
