/**
 * bench/fleet.ts --mode ingest: how many transitions per second reach, decode in and are learned
 * from by the learner side, over DDS on loopback (issue 17's goal: ≥ 1 M transitions per minute).
 *
 *   1. sink: this process subscribes with the learner's topic source (TopicTransitionSource, the
 *      learner's QoS) and only counts and drops what it decodes: the ceiling of receive + decode.
 *   2. learner: `torquepilot learner --max-lag 1000000000` (the synthetic chunks all carry policy
 *      version 0) learns from them for --duration seconds: received, and learned from, per second
 *      between its first and last update, and updates per second.
 * In both, --publishers processes of bench/fleetPublisher.ts publish as fast as they can.
 */
import { join } from 'node:path';
import {
  FLEET_QOS,
  FLEET_TOPICS,
  loadRclnodejsTransport,
  TopicTransitionSource,
} from '../src/ros/index.js';
import type { Proc } from './fleetProcs.js';
import { expectExit, lastOf, load1, num, spawnProc, stop, table } from './fleetProcs.js';

export interface IngestOptions {
  readonly out: string;
  readonly task: string;
  readonly envs: number;
  readonly chunkSteps: number;
  readonly publishers: number;
  readonly durationS: number;
  readonly batchSize: number;
  readonly publishEvery: number;
  readonly learnerArgs: readonly string[];
  /** Update rules the learner phase runs, one learner run each. */
  readonly algos: readonly string[];
  /** Transitions/s all publishers together send in the learner phase (0: as fast as they can). */
  readonly learnerRate: number;
}

const perMin = (perS: number): string => `${((perS * 60) / 1e6).toFixed(2)} M/min`;

function publishers(o: IngestOptions, durationS: number, tag: string, rate = 0): Proc[] {
  return Array.from({ length: o.publishers }, (_, i) =>
    spawnProc(
      `publisher ${i}`,
      [
        '--task',
        o.task,
        '--envs',
        String(o.envs),
        '--chunk-steps',
        String(o.chunkSteps),
        '--duration',
        String(durationS),
        '--actor-id',
        `${tag}${i}`,
        '--max-rate',
        String(rate / o.publishers),
      ],
      { script: 'bench/fleetPublisher.ts' },
    ),
  );
}

/** Phase 1: receive and decode in this process. */
async function sink(o: IngestOptions) {
  const transport = await loadRclnodejsTransport();
  const node = transport.createRawTopicNode('fleet_bench_sink');
  const source = new TopicTransitionSource(node, {
    topic: FLEET_TOPICS.chunks,
    qos: FLEET_QOS.chunksIn,
  });
  transport.spin();
  const pubs = publishers(o, o.durationS, 'sink');
  let transitions = 0;
  let first = -1;
  let last = -1;
  let atFirst = 0;
  const drain = (): void => {
    for (let d = source.poll(); d !== null; d = source.poll()) {
      const now = performance.now();
      if (first < 0) {
        first = now;
        atFirst = d.segments.size;
      }
      last = now;
      transitions += d.segments.size;
    }
  };
  const timer = setInterval(drain, 2);
  await Promise.all(pubs.map(expectExit));
  await new Promise((r) => setTimeout(r, 300));
  clearInterval(timer);
  drain();
  const s = source.stats();
  await source.close();
  await transport.shutdown();
  const published = pubs.reduce((acc, p) => acc + num(lastOf(p, 'done')?.['transitions']), 0);
  const pubSeconds = Math.max(...pubs.map((p) => num(lastOf(p, 'done')?.['seconds'])));
  const seconds = (last - first) / 1000;
  return {
    publishedPerS: published / pubSeconds,
    chunksReceived: s.received,
    chunksMalformed: s.malformed,
    chunksMissing: s.gaps,
    droppedFull: s.droppedFull,
    decodedTransitions: transitions,
    decodedPerS: seconds > 0 ? (transitions - atFirst) / seconds : 0,
  };
}

/** Phase 2: the learner command. */
async function learner(o: IngestOptions, algo: string) {
  const dir = join(o.out, `ingest-learner-${algo}`);
  const args = [
    'learner',
    '--algo',
    algo,
    '--task',
    o.task,
    '--run-dir',
    dir,
    '--duration',
    String(o.durationS),
    '--max-lag',
    '1000000000',
    '--batch-size',
    String(o.batchSize),
    '--publish-every',
    String(o.publishEvery),
    '--checkpoint-every',
    '0',
    '--log-level',
    'warn',
    ...o.learnerArgs,
  ];
  const l = spawnProc('learner', args);
  // Publishers outlive the learner (startup slack); stopped once it is done.
  const pubs = publishers(o, o.durationS + 60, 'learn', o.learnerRate);
  await expectExit(l);
  await Promise.all(pubs.map(stop));
  const ups = l.json.filter((x) => x['type'] === 'update');
  const f = ups[0];
  const z = ups.at(-1);
  if (f === undefined || z === undefined || f === z)
    throw new Error(`bench/fleet ingest: the learner made < 2 updates:\n${l.stderr.slice(-2000)}`);
  const dt = num(z['elapsed']) - num(f['elapsed']);
  const perChunk = o.envs * o.chunkSteps;
  return {
    algo,
    command: `torquepilot ${args.join(' ')}`,
    updates: num(z['updates']),
    receivedPerS: ((num(z['chunksReceived']) - num(f['chunksReceived'])) * perChunk) / dt,
    learnedPerS: (num(z['transitions']) - num(f['transitions'])) / dt,
    updatesPerS: (num(z['updates']) - num(f['updates'])) / dt,
    refused: num(z['refused']),
    droppedFull: num(z['droppedFull']),
    chunksMissing: num(z['chunksMissing']),
    learnerCpuS: l.cpu,
    learnerWallS: l.seconds,
  };
}

export async function runIngest(
  o: IngestOptions,
): Promise<{ text: string; json: Record<string, unknown> }> {
  const loadBefore = load1();
  const s = await sink(o);
  const ls = [];
  for (const algo of o.algos) ls.push(await learner(o, algo));
  const loadAfter = load1();
  const pubCommand = `node --import tsx bench/fleetPublisher.ts --task ${o.task} --envs ${o.envs} --chunk-steps ${o.chunkSteps} --duration ${o.durationS} (× ${o.publishers})`;
  const rows = [
    ['stage', 'transitions/s', 'per minute', 'notes'],
    [
      'published (sink phase)',
      s.publishedPerS.toFixed(0),
      perMin(s.publishedPerS),
      `${o.publishers} publisher(s), ${o.envs * o.chunkSteps} transitions per chunk`,
    ],
    [
      'received + decoded (sink)',
      s.decodedPerS.toFixed(0),
      perMin(s.decodedPerS),
      `${s.chunksReceived} chunks, ${s.chunksMalformed} malformed, ${s.chunksMissing} missing, ${s.droppedFull} dropped (queue)`,
    ],
    ...ls.flatMap((l) => [
      [
        `received by the learner (${l.algo})`,
        l.receivedPerS.toFixed(0),
        perMin(l.receivedPerS),
        `publishers capped at ${o.learnerRate || '∞'}/s; ${l.droppedFull} dropped (full queue), ${l.refused} refused`,
      ],
      [
        `learned from (${l.algo})`,
        l.learnedPerS.toFixed(0),
        perMin(l.learnedPerS),
        `${l.updatesPerS.toFixed(2)} updates/s of ≥ ${o.batchSize}; learner CPU ${l.learnerCpuS.toFixed(1)} s in ${l.learnerWallS.toFixed(1)} s`,
      ],
    ]),
  ];
  const text = [
    `fleet ingest: ${o.task}, ${o.durationS} s per phase, load ${loadBefore} → ${loadAfter} (goal ≥ 1 M transitions/min)`,
    table(rows),
    '',
    'commands:',
    `  ${pubCommand}`,
    ...ls.map((l) => `  ${l.command}`),
  ].join('\n');
  return {
    text,
    json: {
      task: o.task,
      transitionsPerChunk: o.envs * o.chunkSteps,
      publishers: o.publishers,
      durationS: o.durationS,
      loadBefore,
      loadAfter,
      sink: s,
      learners: ls,
      goalPerMin: 1e6,
      pass: Object.fromEntries(ls.map((l) => [l.algo, l.learnedPerS * 60 >= 1e6])),
    },
  };
}
