/**
 * Resume with domain randomisation on (`randomize: arm`): a run stopped after two iterations and
 * resumed from its checkpoint ends bit for bit where the uninterrupted run ends. The per-episode
 * model draws, the delay line and the per-step noise all live in each environment's snapshot and
 * its seeded stream (test/train/resume.test.ts checks the CLI path with signals, without it).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCheckpoint } from '../../src/policy/checkpoint.js';
import { tinyArm7Config, wholeAndResumed } from '../fixtures/tinyArm7Resume.js';

describe('resume with randomize: arm', () => {
  test('stopped after 2 iterations and resumed equals the uninterrupted run bit for bit', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tp-resume-rand-'));
    const { whole, resumed } = await wholeAndResumed(
      () => tinyArm7Config(7, { randomize: 'arm' }),
      root,
      2,
      (cut) => {
        assert.equal(loadCheckpoint(cut, { task: 'arm7-reach' }, 'latest').manifest.steps, 256);
      },
    );
    assert.equal(whole.steps, 512);
    assert.deepEqual(resumed, whole);
  });
});
