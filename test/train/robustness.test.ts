/**
 * `torquepilot robustness` on a tiny grid (2 masses × 2 latencies × 1 noise level, 1 episode per
 * cell): the report has one cell per grid point, the nominal cell equals `eval` on the nominal model
 * (same episode seeds), shifted cells differ from it, the table, JSON and SVG agree, and bad lists
 * are refused naming the flag and the entry.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RobustnessReport } from '../../src/train/robustness.js';
import { cellPerturbation, formatRobustnessTable } from '../../src/train/robustness.js';
import { runCli } from './cliHarness.js';
import { tinyArmConfig, trainTinyRun } from '../fixtures/tinyTrainConfig.js';

describe('robustness', () => {
  test('a cell is mass, latency and noise as fixed terms', () => {
    assert.deepEqual(cellPerturbation(1.2, 2, 0.002), {
      mass: { range: [1.2, 1.2], operation: 'scale' },
      latency: { periods: [2, 2] },
      noise: { qpos: 0.002, qvel: 0.02 },
    });
  });

  test('tiny grid: JSON, table and SVG; the nominal cell equals eval', async () => {
    const run = await trainTinyRun(tinyArmConfig(4), 'tp-robust-');
    const svg = join(mkdtempSync(join(tmpdir(), 'tp-robust-svg-')), 'heat.svg');
    const grid = ['--masses', '1,1.3', '--latencies', '0,2', '--noise', '0', '--episodes', '2'];
    const r = await runCli(['robustness', '--checkpoint', run, ...grid, '--json', '--svg', svg]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout.trim()) as RobustnessReport;
    assert.equal(report.cells.length, 4);
    assert.deepEqual(
      report.cells.map((c) => [c.noise, c.latency, c.mass]),
      [
        [0, 0, 1],
        [0, 0, 1.3],
        [0, 2, 1],
        [0, 2, 1.3],
      ],
    );
    const ev = await runCli([
      'eval',
      '--checkpoint',
      run,
      '--episodes',
      '2',
      '--deterministic',
      '--json',
    ]);
    assert.equal(ev.code, 0, ev.stderr);
    const nominal = JSON.parse(ev.stdout.trim()) as { meanReturn: number; successRate: number };
    const [c0, ...shifted] = report.cells;
    assert.equal(c0?.meanReturn, nominal.meanReturn);
    assert.equal(c0?.successRate, nominal.successRate);
    for (const c of shifted) assert.notEqual(c.meanReturn, nominal.meanReturn);
    const table = formatRobustnessTable(report);
    assert.match(table, /latency\s+×1\s+×1\.3/);
    const image = readFileSync(svg, 'utf8');
    assert.match(image, /^<svg /);
    assert.equal((image.match(/<rect x=/g) ?? []).length, 4);
    assert.match(image, /link mass scale/);
  });

  test('bad grid lists are refused naming the flag and the entry', async () => {
    const r = await runCli(['robustness', '--checkpoint', '/nonexistent', '--latencies', '0,1.5']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--latencies: '1\.5' in '0,1\.5' is not an integer in \[0, 16\]/);
  });
});
