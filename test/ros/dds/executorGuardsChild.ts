/**
 * Child process of executorGuards.test.ts, on the real rclnodejs transport (started with the ROS
 * environment already applied): a node publishing at 500 Hz from a timer whose callback throws
 * every 50th tick, a /diagnostics-like 1 Hz timer, and the CLI's shutdown (SIGINT). Prints
 * `ready <ticks>` once a callback has thrown and the node still ticks; after shutdown it publishes
 * once more (a late publish after the nodes are destroyed) and exits with the shutdown's code.
 *
 * Usage: node --import tsx executorGuardsChild.ts
 */
import { loadRclnodejsTransport } from '../../../src/ros/transport/index.js';
import type { NodeLogger } from '../../../src/ros/transport/index.js';
import { installShutdownHandlers } from '../../../src/util/index.js';

const line = (text: string): void => {
  process.stderr.write(`${text}\n`);
};
const logger: NodeLogger = {
  debug: (m) => line(`debug ${m}`),
  info: (m) => line(`info ${m}`),
  warn: (m) => line(`warn ${m}`),
  error: (m) => line(`error ${m}`),
};
const built: { shutdown?: () => Promise<void> } = {};
let late: (() => void) | null = null;
installShutdownHandlers({
  name: 'guard-child',
  log: logger,
  forceQuitMessage: 'exiting at once',
  onShutdown: async () => {
    await built.shutdown?.();
    late?.();
  },
});
const transport = await loadRclnodejsTransport({ logger });
built.shutdown = () => transport.shutdown();
const node = transport.createNode('torquepilot_guard_child');
const pub = node.createPublisher(
  'std_msgs/msg/Float64MultiArray',
  '/guard_child/command',
  'reliable',
);
const diag = node.createPublisher('std_msgs/msg/String', '/guard_child/status', 'reliable');
late = () => pub.publish({ data: [0, 0] });
let ticks = 0;
let announced = false;
node.createTimer(2_000_000n, () => {
  ticks++;
  pub.publish({ data: [ticks, -ticks] });
  if (!announced && ticks > 60) {
    announced = true;
    process.stdout.write(`ready ${ticks}\n`);
  }
  if (ticks % 50 === 0) throw new Error(`tick ${ticks} failed on purpose`);
});
node.createTimer(1_000_000_000n, () => diag.publish({ data: `ticks ${ticks}` }));
transport.spin();
