import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JointStateMatcher } from '../../../src/ros/control/jointMatching.js';
import type { JointStateMessage } from '../../../src/ros/transport/messages.js';

const names = ['j1', 'j2', 'j3'];
function msg(order: string[], value: (n: string) => number): JointStateMessage {
  return {
    stampNs: 0n,
    name: order,
    position: order.map(value),
    velocity: order.map((n) => 10 * value(n)),
    effort: [],
  };
}
const v = (n: string) => Number(n.slice(1)) || 99;

describe('JointStateMatcher', () => {
  test('matches by name: shuffled order and extra joints', () => {
    const m = new JointStateMatcher(names);
    for (const order of [
      ['j1', 'j2', 'j3'],
      ['j3', 'j1', 'j2'],
      ['gripper', 'j2', 'finger', 'j3', 'j1'],
      ['j2', 'j3', 'j1', 'zzz'],
    ]) {
      assert.equal(m.update(msg(order, v)).ok, true, order.join());
      assert.deepEqual([...m.position], [1, 2, 3]);
      assert.deepEqual([...m.velocity], [10, 20, 30]);
      assert.deepEqual([...m.effort], [0, 0, 0]);
    }
  });

  test('order changing between messages is picked up (the index map is rebuilt)', () => {
    const m = new JointStateMatcher(names);
    m.update(msg(['j1', 'j2', 'j3'], v));
    m.update(msg(['j3', 'j2', 'j1'], (n) => 100 + v(n)));
    assert.deepEqual([...m.position], [101, 102, 103]);
  });

  test('missing joint → refused, naming it; arrays untouched', () => {
    const m = new JointStateMatcher(names);
    m.update(msg(['j1', 'j2', 'j3'], v));
    const r = m.update(msg(['j1', 'j3', 'x'], () => 7));
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.reason, /lacks joint\(s\) \[j2\]/);
    assert.deepEqual([...m.position], [1, 2, 3]);
  });

  test('missing velocities or ragged arrays → refused', () => {
    const m = new JointStateMatcher(names);
    const noVel = { ...msg(names, v), velocity: [] };
    assert.match(JSON.stringify(m.update(noVel)), /0 velocities/);
    const ragged = { ...msg(names, v), position: [1, 2] };
    assert.match(JSON.stringify(m.update(ragged)), /2 positions/);
  });

  test('duplicate description joints are refused', () => {
    assert.throws(() => new JointStateMatcher(['a', 'a']), /duplicate joint names/);
  });
});
