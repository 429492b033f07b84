/**
 * bench/rosAllocation.ts — heap bytes per tick and V8 collections per N ticks of the policy
 * node's tick path (joint state CDR in → command and PolicyOutput CDR out), counted, not timed:
 * see test/ros/tickAllocation.ts for what is measured. docs/timing.md has the figures.
 *
 * Usage: npx tsx bench/rosAllocation.ts [--ticks 10000] [--states-per-tick 1] [--no-policy-output]
 * (--states-per-tick 10: a 500 Hz driver and the 50 Hz policy.)
 */
import { parseArgs } from 'node:util';
import { measureTickAllocation, tickHarness } from '../test/ros/tickAllocation.js';

const { values } = parseArgs({
  options: {
    ticks: { type: 'string', default: '10000' },
    'no-policy-output': { type: 'boolean', default: false },
    'states-per-tick': { type: 'string', default: '1' },
  },
});
const ticks = Number(values.ticks);
if (!Number.isInteger(ticks) || ticks <= 0) {
  throw new Error(
    `bench/rosAllocation.ts: --ticks must be a positive integer, got ${values.ticks}`,
  );
}
const statesPerTick = Number(values['states-per-tick']);
const harness = await tickHarness(
  values['no-policy-output'] ? { publish_policy_output: false } : {},
  statesPerTick,
);
const r = await measureTickAllocation(harness, ticks);
await harness.close();
console.log(JSON.stringify({ statesPerTick, ...r, bytesPerTick: Math.round(r.bytesPerTick) }));
