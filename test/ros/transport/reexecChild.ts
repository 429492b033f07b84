/**
 * Child process of rosEnvReexec.test.ts: `await ensureRosEnvironment()` (which re-executes this
 * script with the fake ROS environment of TORQUEPILOT_ROS_HOME), then, in the process that goes
 * on, prints `ready <pid> <ppid> <TORQUEPILOT_FAKE_ROS> <LD_PRELOAD>` and waits for a signal; its
 * shutdown appends `start <signal>` and `end` to a marker file.
 *
 * Usage: node --import tsx reexecChild.ts <marker file> <mode>
 *   mode `wait`: shut down 200 ms after a signal, exit 0;
 *   mode `exit:<n>`: exit with code n at once, without a signal.
 */
import { appendFileSync } from 'node:fs';
import { ensureRosEnvironment } from '../../../src/ros/transport/rclnodejs/rosEnv.js';
import { installShutdownHandlers } from '../../../src/util/index.js';

const [marker, mode] = process.argv.slice(2);
if (marker === undefined || mode === undefined) {
  throw new Error('reexecChild.ts: usage: reexecChild.ts <marker file> <wait|exit:<n>>');
}

await ensureRosEnvironment();
const line = (text: string): void => {
  process.stdout.write(`${text}\n`);
};
if (mode.startsWith('exit:')) process.exit(Number(mode.slice('exit:'.length)));
installShutdownHandlers({
  name: 'reexec-child',
  onShutdown: async (signal) => {
    appendFileSync(marker, `start ${signal}\n`);
    await new Promise((r) => setTimeout(r, 200));
    appendFileSync(marker, 'end\n');
  },
  forceQuitMessage: 'exiting at once',
  log: { info: line, warn: line, error: line },
});
line(
  `ready ${process.pid} ${process.ppid} ${process.env['TORQUEPILOT_FAKE_ROS'] ?? ''} ${process.env['LD_PRELOAD'] ?? ''}`,
);
// Keep the event loop alive until a signal ends the process.
setInterval(() => undefined, 1 << 30);
