import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DeadlineSchedule } from '../../../src/ros/timing/deadlineSchedule.js';

const P = 10n; // period (ns); the grid is start + k·P
const START = 1_000n;

describe('DeadlineSchedule', () => {
  // Each case: tick times (ns after START), then per tick the deadlines skipped, and the deadline
  // that comes next (ns after START). Worked by hand on the grid 10, 20, 30, ...
  const cases: [string, bigint[], number[], bigint[]][] = [
    ['on time, every deadline exactly', [10n, 20n, 30n], [0, 0, 0], [20n, 30n, 40n]],
    ['late by less than a period: nothing missed', [19n, 20n, 39n], [0, 0, 0], [20n, 30n, 40n]],
    ['one late by a full period: one skipped', [10n, 30n, 40n], [0, 1, 0], [20n, 40n, 50n]],
    [
      'one late by 1.5 periods: one skipped, back on the grid',
      [10n, 35n, 40n],
      [0, 1, 0],
      [20n, 40n, 50n],
    ],
    ['many late: a blocked loop (7.2 periods)', [10n, 92n, 100n], [0, 7, 0], [20n, 100n, 110n]],
    ['clock jumps forward 1000 periods (suspended VM)', [10n, 10_015n], [0, 999], [20n, 10_020n]],
    [
      'early (a timer that rounds its sleep down): consumes one deadline',
      [8n, 18n],
      [0, 0],
      [20n, 30n],
    ],
    [
      'clock steps back below the deadline: consumes one, skips none',
      [10n, 5n],
      [0, 0],
      [20n, 30n],
    ],
  ];
  for (const [name, ticks, skipped, next] of cases) {
    test(name, () => {
      const s = new DeadlineSchedule(P, START);
      assert.equal(s.deadlineNs, START + P);
      let total = 0;
      ticks.forEach((t, i) => {
        const n = s.advance(START + t);
        total += n;
        assert.equal(n, skipped[i], `tick ${i} at +${t}: skipped`);
        assert.equal(
          s.deadlineNs,
          START + (next[i] as bigint),
          `tick ${i} at +${t}: next deadline`,
        );
        assert.equal(s.missedTicks, total);
      });
    });
  }

  test('due: from the deadline on, not before', () => {
    const s = new DeadlineSchedule(P, START);
    assert.equal(s.due(START + 9n), false);
    assert.equal(s.due(START + 10n), true);
    s.advance(START + 10n);
    assert.equal(s.due(START + 19n), false);
    assert.equal(s.due(START + 25n), true);
  });

  test('drift-free: a long run of slightly late ticks stays on the grid', () => {
    const s = new DeadlineSchedule(P, 0n);
    for (let k = 1n; k <= 10_000n; k++) s.advance(k * P + 9n);
    assert.equal(s.deadlineNs, 10_001n * P);
    assert.equal(s.missedTicks, 0);
  });

  test('a period ≤ 0 is refused', () => {
    assert.throws(
      () => new DeadlineSchedule(0n, 0n),
      /DeadlineSchedule: period must be > 0 ns, got 0/,
    );
  });
});
