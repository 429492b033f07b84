/**
 * bench/ctrlc.ts — issue 20's Ctrl-C figures, with the INSTALLED executables started as
 * `ros2 launch` starts them (test/ros/dds/ctrlc.ts), over real DDS on loopback (domain 89).
 *
 *   policy_node: N runs, each a fresh node (deploy_arm.launch.py's real mode, armed, sampling,
 *     recording a bag) driving the rclpy peer's moving arm; then SIGINT twice at a random gap of
 *     0–50 ms (the terminal's Ctrl-C and launch's copy). A run passes when the last command the peer
 *     received is all zero, the exit code is 0 and the bag reads back.
 *   trainer_node: N runs (sim_training.launch.py's trainer), SIGINT twice at a random gap of
 *     0–50 ms after its first iteration. A run passes when it exits 0 with the checkpoint of the
 *     iteration it was in written (checkpoints/latest.json = the done line's iterations).
 * Prints the counts and the time from the first signal to the exit (p50, max; the policy node's
 * target is ≤ 2 s). Exit code 1 if any run failed.
 *
 * Usage: npx tsx bench/ctrlc.ts [--runs 20] [--json]
 * Needs `npm run setup:ros` and `npm run build` (the executables run dist/). Other DDS tests and
 * benches must not run at the same time on the machine: wrap in `flock /tmp/dds.lock`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { percentile } from '../src/ros/index.js';
import { saveRandomArm7Checkpoint } from '../test/fixtures/arm7Checkpoint.js';
import {
  installedExecutables,
  PATTERNS,
  policyNodeRun,
  trainerRun,
} from '../test/ros/dds/ctrlc.js';
import { RobotPeer } from '../test/ros/dds/harness.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: '${values.runs}' is not ≥ 1`);
const DOMAIN = 89;
const JOINTS = ['joint1', 'joint2', 'joint3', 'joint4', 'joint5', 'joint6', 'joint7'];

interface Tally {
  passed: number;
  failures: string[];
  exitMs: number[];
}
const tally = (): Tally => ({ passed: 0, failures: [], exitMs: [] });
const policy = tally();
const trainer = tally();

const dir = mkdtempSync(join(tmpdir(), 'tp-bench-ctrlc-'));
const { libDir, cleanup } = installedExecutables();
const checkpoint = join(dir, 'ckpt');
saveRandomArm7Checkpoint(checkpoint, 5, -0.5);
const peer = await RobotPeer.start(DOMAIN, {
  joints: JOINTS,
  rateHz: 100,
  target: [0.4, 0.2, 0.5],
  motion: 'sine',
});
try {
  for (let i = 0; i < runs; i++) {
    const gap = Math.random() * 50;
    const r = await policyNodeRun(
      { libDir, domainId: DOMAIN, peer, checkpoint, dir: join(dir, `policy-${i}`) },
      PATTERNS.sigintTwice(gap),
    );
    policy.exitMs.push(r.signalToExitMs);
    const ok =
      r.drivenBefore &&
      r.exitCode === 0 &&
      r.exitSignal === null &&
      r.lastCommandAllZero &&
      r.bag.damage === undefined &&
      r.bag.episodes >= 1;
    if (ok) policy.passed++;
    else policy.failures.push(`run ${i} (gap ${gap.toFixed(1)} ms): ${JSON.stringify(r)}`);
    process.stderr.write(
      `policy_node ${i + 1}/${runs}: gap ${gap.toFixed(1)} ms, exit ${r.exitCode} after ${r.signalToExitMs.toFixed(0)} ms, last command ${r.lastCommandAllZero ? 'zero' : JSON.stringify(r.lastCommand)}, bag ${r.bag.episodes} episodes ${r.bag.damage ?? 'ok'}\n`,
    );
  }
  for (let i = 0; i < runs; i++) {
    const gap = Math.random() * 50;
    const r = await trainerRun(
      { libDir, domainId: DOMAIN, dir: join(dir, `trainer-${i}`), nSteps: 256 },
      'trainer_node',
      PATTERNS.sigintTwice(gap),
    );
    trainer.exitMs.push(r.signalToExitMs);
    const ok =
      r.exitCode === 0 &&
      r.exitSignal === null &&
      r.done !== null &&
      r.done.interrupted &&
      r.done.iterations >= r.iterationAtSignal - 1 &&
      r.latestCheckpointIteration === r.done.iterations;
    if (ok) trainer.passed++;
    else trainer.failures.push(`run ${i} (gap ${gap.toFixed(1)} ms): ${JSON.stringify(r)}`);
    process.stderr.write(
      `trainer_node ${i + 1}/${runs}: gap ${gap.toFixed(1)} ms, exit ${r.exitCode} after ${r.signalToExitMs.toFixed(0)} ms, checkpoint of iteration ${r.latestCheckpointIteration} (done ${r.done?.iterations ?? '-'})\n`,
    );
  }
} finally {
  await peer.stop();
  cleanup();
  rmSync(dir, { recursive: true, force: true });
}

const figures = (t: Tally) => ({
  passed: t.passed,
  runs,
  exitP50Ms: percentile(t.exitMs, 50),
  exitMaxMs: Math.max(...t.exitMs),
});
const report = { policyNode: figures(policy), trainerNode: figures(trainer) };
if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
else {
  const f = (x: number): string => x.toFixed(0);
  const p = report.policyNode;
  const t = report.trainerNode;
  process.stdout.write(
    [
      `Ctrl-C (SIGINT twice, random gap 0–50 ms), installed executables as ros2 launch starts them:`,
      `  policy_node   ${p.passed}/${p.runs} zero as the last command, exit 0, bag reads back; signal → exit p50 ${f(p.exitP50Ms)} ms, max ${f(p.exitMaxMs)} ms (target ≤ 2000 ms)`,
      `  trainer_node  ${t.passed}/${t.runs} checkpoint of the iteration written, exit 0; signal → exit p50 ${f(t.exitP50Ms)} ms, max ${f(t.exitMaxMs)} ms`,
    ].join('\n') + '\n',
  );
}
for (const failure of [...policy.failures, ...trainer.failures]) {
  process.stderr.write(`FAILED ${failure}\n`);
}
if (policy.passed !== runs || trainer.passed !== runs || report.policyNode.exitMaxMs > 2000) {
  process.exitCode = 1;
}
