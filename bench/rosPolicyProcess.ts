/**
 * bench/rosPolicyProcess.ts — the policy node alone in its process, as `torquepilot node` (the
 * `policy_node` executable that deploy_arm.launch.py starts) builds it, for bench/ros.ts.
 *
 * Same composition as the CLI's `node` command: the ROS environment applied, rclnodejs loaded with
 * the transport's DEFAULT options, one lifecycle PolicyNode with the CLI's loader, recorder and
 * pre-loop garbage collection, real mode, the description's rate, every other parameter at the
 * node's default; configured, activated and armed (`--autostart --armed`). The one addition: each
 * tick is logged as (CLOCK_MONOTONIC ns at its start, stamp of the joint state it answered), so
 * that bench/ros.ts can time each command against the state it answers, which only this node knows.
 * Logging is two numbers pushed per tick, outside the timed path of the command.
 *
 * Protocol: prints `{"event":"ready"}` once active and armed; on a line `stop` on stdin (or stdin
 * closing) reads its figures, writes them to --out as one JSON object, shuts down in order, exits 0.
 *
 * Usage (bench/ros.ts starts it): node --import tsx bench/rosPolicyProcess.ts --checkpoint DIR
 *   --out FILE [--busy-poll]
 */
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import {
  createDeploymentLoader,
  ensureRosEnvironment,
  loadRclnodejsTransport,
  percentile,
  POLICY_NODE_NAME,
  PolicyNode,
} from '../src/ros/index.js';
import type { PolicyNodeOptions } from '../src/ros/index.js';
import type { TransportNode } from '../src/ros/index.js';
import { collectGarbage, createLogger } from '../src/util/index.js';

/** A PolicyNode that logs (tick start, answered state stamp) per tick; nothing else differs. */
class TickLoggingPolicyNode extends PolicyNode {
  readonly tickStartNs: bigint[] = [];
  readonly answeredStampNs: (bigint | null)[] = [];

  constructor(node: TransportNode, options: PolicyNodeOptions) {
    super(node, options);
  }

  override tick(): void {
    const start = process.hrtime.bigint();
    super.tick();
    this.tickStartNs.push(start);
    this.answeredStampNs.push(this.answeredStateStampNs);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      checkpoint: { type: 'string' },
      out: { type: 'string' },
      'busy-poll': { type: 'boolean', default: false },
    },
  });
  const checkpoint = values.checkpoint;
  const out = values.out;
  if (checkpoint === undefined || out === undefined) {
    throw new Error('bench/rosPolicyProcess.ts: --checkpoint and --out are required');
  }
  await ensureRosEnvironment();
  const logger = createLogger({ level: 'warn' });
  const log = {
    debug: (m: string) => logger.debug(m),
    info: (m: string) => logger.info(m),
    warn: (m: string) => logger.warn(m),
    error: (m: string) => logger.error(m),
  };
  const transport = await loadRclnodejsTransport({
    logger: log,
    ...(values['busy-poll'] === true ? { busyPoll: true } : {}),
  });
  const { loader, close } = await createDeploymentLoader([]);
  let policyNode: TickLoggingPolicyNode | undefined;
  const handle = transport.createLifecycleNode(
    POLICY_NODE_NAME,
    (node) => {
      policyNode = new TickLoggingPolicyNode(node, { loader, beforeControlLoop: collectGarbage });
      return policyNode.callbacks();
    },
    { parameterOverrides: { mode: 'real', checkpoint, armed: true } },
  );
  transport.spin();
  for (const t of ['configure', 'activate'] as const) {
    const r = handle.trigger(t);
    if (!r.success) throw new Error(`bench/rosPolicyProcess.ts: ${t} failed: ${r.reason ?? ''}`);
  }
  const pn = policyNode as TickLoggingPolicyNode;
  process.stdout.write(`${JSON.stringify({ event: 'ready' })}\n`);
  await new Promise<void>((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (l) => {
      if (l.trim() === 'stop') resolve();
    });
    lines.on('close', () => resolve());
  });
  const stats = pn.stats();
  const latencies = pn.latencyNs.recent();
  const report = {
    ticks: stats.ticks,
    missedTicks: stats.missedTicks,
    watchdogTrips: stats.watchdogTrips,
    torqueLimitViolations: stats.torqueLimitViolations,
    p50LatencyMs: percentile(latencies, 50) / 1e6,
    p99LatencyMs: percentile(latencies, 99) / 1e6,
    targetRateHz: pn.deployment?.description.controlRateHz ?? NaN,
    tickStartNs: pn.tickStartNs.map(String),
    answeredStampNs: pn.answeredStampNs.map((s) => (s === null ? null : String(s))),
  };
  handle.trigger('deactivate');
  handle.trigger('shutdown');
  await pn.recordingsClosed();
  close();
  await transport.shutdown();
  writeFileSync(out, JSON.stringify(report));
  process.exit(0); // stdin's reader would keep the event loop alive
}

await main();
