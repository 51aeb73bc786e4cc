/** The text table `mlp-energy tune` prints: per shape and in total, default vs tuned, and where the blocks sit. */
import { blockPlacements, describePlacement } from './blocks.js';
import type { Tiling } from '../tiling.js';
import type { CacheSizes } from './blocks.js';
import { objectiveValue } from './meter.js';
import { shapeKey, type GemmShape } from './shapes.js';
import type { ShapeSearch } from './search.js';
import type { TuneResult } from './tune.js';

export function formatTiling(t: Tiling): string {
  return `mc ${t.mc} kc ${t.kc} nc ${t.nc} ${t.mr}×${t.nr} ${t.isa} t${t.threads}${t.sup ? ' sup' : ''}`;
}

function sci(value: number): string {
  return value.toExponential(3);
}

function pad(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}

export function formatTuneTable(result: TuneResult, caches: CacheSizes): string {
  const unit = result.perDatum ? 'datum' : 'step';
  // Per-call costs × calls per datum (count / batch), or per step when tuning bare shapes.
  const per = (shapeCount: number) => (result.batch ? shapeCount / result.batch : shapeCount);
  const lines: string[] = [];
  lines.push(`objective: ${result.objective}   energy source: ${result.source}`);
  if (result.estimated) {
    lines.push(
      'NOTE: no hardware energy counter here; joules are an ESTIMATE from CPU time, so they rank tilings as time does.' +
        (result.objective === 'energy' ? ' Tuning for energy here is tuning for time.' : ''),
    );
  }
  const rows: string[][] = [
    ['shape', 'calls', 'tiling', `J/${unit}`, `s/${unit}`, 'tuned/default (95% CI)', 'B kc·nr (L1)', 'A mc·kc (L2)', 'B kc·nc (L3)'],
  ];
  // Blocks as packed for the shape (cut to the matrix); for a whole step, as the tiling states them.
  const searches: Array<[string, string, number, ShapeSearch, GemmShape | undefined]> = result.step
    ? [[`one tiling for the step (${result.shapes.length} shapes)`, '1', per(1), result.step, undefined]]
    : result.perShape.map((s) => [shapeKey(s.shape), String(s.shape.count), per(s.shape.count), s, s.shape]);
  for (const [name, count, calls, s, shape] of searches) {
    const c = s.confidence;
    const ratio = c ? `${c.ratio.toFixed(3)} [${c.low.toFixed(3)}, ${c.high.toFixed(3)}]` : '1 (default kept)';
    for (const [label, m] of [['default', s.default], ['tuned', s.tuned]] as const) {
      const blocks = blockPlacements(m.tiling, caches, shape).map(describePlacement);
      rows.push([
        label === 'default' ? name : '',
        label === 'default' ? count : '',
        `${label}: ${formatTiling(m.tiling)}`,
        sci(m.joules * calls),
        sci(m.seconds * calls),
        label === 'tuned' ? (s.rejected && c ? `${ratio} not confirmed` : ratio) : '',
        ...blocks,
      ]);
    }
  }
  lines.push(pad(rows));
  const totals = result.perDatum ?? result.perStep;
  const value = (t: { joules: number; seconds: number }) => objectiveValue(t, result.objective);
  lines.push(
    `total per ${unit}: default ${sci(totals.default.joules)} J ${sci(totals.default.seconds)} s → tuned ` +
      `${sci(totals.tuned.joules)} J ${sci(totals.tuned.seconds)} s; tuned/default on ${result.objective}: ` +
      `${(value(totals.tuned) / value(totals.default)).toFixed(3)}`,
  );
  return lines.join('\n');
}
