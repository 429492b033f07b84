/**
 * In-process deploy bench: the policy node at a fixed control rate (default 500 Hz) against the
 * MuJoCo sim robot node (lockstep), for a fixed wall time (default 60 s). Prints the tick latency
 * inside the node (joint state read → command published, policy and safety included), the
 * achieved rate and the missed ticks of the drift-free timer.
 *
 *   npx tsx bench/deploy.ts [--checkpoint DIR] [--rate 500] [--duration 60] [--tick-source timer]
 *                           [--transport inprocess|ros] [--busy-poll] [--realtime] [--json]
 *
 * --busy-poll polls on the main thread instead of sleeping between ticks (src/ros/timing/busyPoll.ts);
 * without it, each tick waits on a kernel wake-up, which bench/jitter.ts shows is sometimes late by
 * more than a 2 ms period on a stock kernel.
 *
 * Without --checkpoint it uses a random-weights arm7-reach checkpoint (the forward pass costs the
 * same for any weights of one architecture). Figures depend on machine load: run it on an idle
 * machine; a shared one gives pessimistic numbers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createDeploymentLoader,
  DEPLOY_DEFAULTS,
  ensureRosEnvironment,
  InProcessTransport,
  loadRclnodejsTransport,
  MujocoRobot,
  runDeploy,
} from '../src/ros/index.js';
import type { Transport } from '../src/ros/index.js';
import { saveRandomArm7Checkpoint } from '../test/fixtures/arm7Checkpoint.js';
import { loadCheckpoint } from '../src/policy/index.js';

const { values } = parseArgs({
  options: {
    checkpoint: { type: 'string' },
    rate: { type: 'string', default: '500' },
    duration: { type: 'string', default: '60' },
    'tick-source': { type: 'string', default: 'timer' },
    transport: { type: 'string', default: 'inprocess' },
    json: { type: 'boolean', default: false },
    'busy-poll': { type: 'boolean', default: false },
    realtime: { type: 'boolean', default: false },
  },
});

let tmp = '';
let checkpoint = values.checkpoint ?? '';
if (checkpoint === '') {
  tmp = mkdtempSync(join(tmpdir(), 'tp-bench-deploy-'));
  checkpoint = join(tmp, 'ckpt');
  saveRandomArm7Checkpoint(checkpoint);
}

const load0 = loadavg()[0] ?? NaN;
let transport: Transport;
if (values.transport === 'ros') {
  await ensureRosEnvironment();
  transport = await loadRclnodejsTransport({ busyPoll: values['busy-poll'] });
} else {
  transport = new InProcessTransport({ clock: 'steady', busyPoll: values['busy-poll'] });
}
const task = loadCheckpoint(checkpoint).manifest.task;
const { loader, close } = await createDeploymentLoader();
const report = await runDeploy(
  {
    ...DEPLOY_DEFAULTS,
    checkpoint,
    durationS: Number(values.duration),
    rateHz: Number(values.rate),
    tickSource: values['tick-source'] === 'joint_states' ? 'joint_states' : 'timer',
    realtime: values.realtime,
  },
  { transport, loader, robot: await MujocoRobot.create(task) },
);
close();
if (tmp !== '') rmSync(tmp, { recursive: true, force: true });

const machine = { cpus: cpus().length, loadAverage1mStart: load0, loadAverage1mEnd: loadavg()[0] };
if (values.json) {
  process.stdout.write(
    `${JSON.stringify({ ...report, busyPoll: values['busy-poll'], realtime: values.realtime, machine })}\n`,
  );
} else {
  const f = (x: number | undefined, d = 3) => (x === undefined ? '-' : x.toFixed(d));
  console.log(
    `deploy bench (${report.transport}, tick on ${values['tick-source']}, ${values['busy-poll'] ? 'busy-poll' : 'sleeping'} timer, robot ${values.realtime ? 'realtime' : 'lockstep'}), ${f(report.durationS, 1)} s at ${values.rate} Hz target`,
  );
  console.log(`  ticks            ${report.ticks} (${f(report.rateHz, 1)} Hz achieved)`);
  console.log(
    `  missed ticks     ${report.missedTicks} (robot missed steps ${report.robotMissedSteps})`,
  );
  console.log(
    `  tick latency     p50 ${f(report.p50LatencyMs)} ms  p99 ${f(report.p99LatencyMs)} ms  max ${f(report.maxLatencyMs)} ms`,
  );
  if (report.roundTripP99Ms !== undefined)
    console.log(
      `  round trip       p50 ${f(report.roundTripP50Ms)} ms  p99 ${f(report.roundTripP99Ms)} ms`,
    );
  console.log(
    `  torque           max |τ| ${f(report.maxAbsTorque)}  violations ${report.torqueLimitViolations}`,
  );
  console.log(
    `  machine          ${machine.cpus} cpus, load ${f(load0, 2)} → ${f(machine.loadAverage1mEnd, 2)}`,
  );
}
