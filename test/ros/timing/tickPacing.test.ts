import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JointStateTickPacing } from '../../../src/ros/timing/tickPacing.js';

const T = 20n; // control period (ns); the grid is laid at the first state s₀: s₀ − T/4 + k·T

describe('JointStateTickPacing: the first fresh joint state of each period ticks', () => {
  // Each case: state arrival times (ns after the first, which is at 100), which of them tick, and
  // the missed periods at the end. Worked by hand on the grid 95, 115, 135, ... (s₀ = 100, T/4 = 5).
  const cases: [string, bigint[], boolean[], number][] = [
    [
      'a robot at the control rate: every state ticks',
      [0n, 20n, 40n, 60n],
      [true, true, true, true],
      0,
    ],
    [
      'at the rate with jitter −¼…+¾ period: still one tick per state',
      [0n, 16n, 54n, 56n, 80n],
      // 100 → period [95,115); 116 → [115,135); 154 → [135,155); 156 → [155,175); 180 → [175,195)
      [true, true, true, true, true],
      0,
    ],
    [
      'a robot at twice the rate: states at ¼ and ¾ of each period, the first ticks',
      [0n, 10n, 20n, 30n, 40n, 50n],
      [true, false, true, false, true, false],
      0,
    ],
    [
      'a robot at ten times the rate: one tick per period, on its first state',
      Array.from({ length: 21 }, (_, k) => BigInt(2 * k)),
      Array.from({ length: 21 }, (_, k) => k === 0 || k === 8 || k === 18),
      0,
    ],
    [
      'a period without a state is missed; two in a row count two',
      [0n, 20n, 60n, 120n],
      // 120 → [115,135); 160 → [155,175): [135,155) missed; 220 → [215,235): 2 missed
      [true, true, true, true],
      3,
    ],
    [
      'two states in one period (the second early): the second waits for the next period',
      [0n, 14n, 40n],
      // 100 → [95,115) ticks; 114 still [95,115): no; 140 → [135,155): [115,135) missed
      [true, false, true],
      1,
    ],
  ];
  for (const [name, arrivals, ticks, missed] of cases) {
    test(name, () => {
      const pacing = new JointStateTickPacing(T);
      const got = arrivals.map((dt) => pacing.onJointState(100n + dt));
      assert.deepEqual(got, ticks);
      assert.equal(pacing.missedTicks, missed);
    });
  }

  test('the timer ticks only for the watchdog, and a new grid starts with the next state', () => {
    const pacing = new JointStateTickPacing(T);
    assert.equal(pacing.onTimer(20n, false), true, 'no state yet: the watchdog ticks (zero)');
    assert.equal(pacing.onJointState(100n), true);
    assert.equal(pacing.onTimer(115n, true), false, 'fresh states: the timer does not tick');
    assert.equal(pacing.onJointState(120n), true);
    // States stop; the watchdog tick comes (stale), not within half a period of the last tick.
    assert.equal(pacing.onTimer(125n, false), false, 'within T/2 of the last tick');
    assert.equal(pacing.onTimer(300n, false), true);
    assert.equal(pacing.missedTicks, 0, 'the gap under the watchdog is not missed periods');
    // States resume at 1003: a new grid [998, 1018), [1018, 1038), ...
    assert.equal(pacing.onJointState(1003n), true);
    assert.equal(pacing.onJointState(1017n), false);
    assert.equal(pacing.onJointState(1018n), true);
    assert.equal(pacing.missedTicks, 0);
  });

  test('a period must be positive', () => {
    assert.throws(() => new JointStateTickPacing(0n), /period must be > 0, got 0/);
  });
});
