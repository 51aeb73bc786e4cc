/** The text tables `mlp-energy tune` prints: default vs tuned per shape and in total, and a tiling grid; each says where the blocks sit. */
import { blockPlacements, describePlacement } from './blocks.js';
import type { Tiling } from '../tiling.js';
import type { CacheSizes } from './blocks.js';
import type { GridPoint } from './grid-scan.js';
import { machineCaches, type TilingGridScan } from './grid-store.js';
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
        // A rival that was not confirmed leaves the default in place: say so, then its ratio.
        label === 'tuned' ? (s.rejected && c ? `1 (default kept; rival ${ratio} unconfirmed)` : ratio) : '',
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

/** The short table `mlp-energy tune --grid` prints: one line per measured tiling, cheapest marked. */
export function formatGridTable(scan: TilingGridScan): string {
  const caches = machineCaches(scan.machine);
  const per = (p: GridPoint) => ({ j: p.joules * scan.callsPerDatum, s: p.seconds * scan.callsPerDatum });
  const cheapest = (pick: 'j' | 's') => scan.points.reduce((best, p) => (per(p)[pick] < per(best)[pick] ? p : best));
  const [leastJ, leastS] = [cheapest('j'), cheapest('s')];
  const energy = scan.estimated ? 'J/datum (estimated)' : 'J/datum';
  const rows: string[][] = [
    [scan.series ?? '', scan.x, 'tiling', energy, 's/datum', 'least', 'B kc·nr (L1)', 'A mc·kc (L2)', 'B kc·nc (L3)'],
  ];
  for (const p of scan.points) {
    const least = [p === leastJ ? 'J' : '', p === leastS ? 's' : ''].filter(Boolean).join(',');
    rows.push([
      p.series === null ? '' : String(p.series),
      String(p.x),
      formatTiling(p.tiling),
      sci(per(p).j),
      sci(per(p).s),
      least,
      ...blockPlacements(p.tiling, caches, scan.shape).map(describePlacement),
    ]);
  }
  const lines = [
    `${shapeKey(scan.shape)}${scan.network ? ` of ${scan.network}` : ''}: ${scan.points.length} tilings, ` +
      `${scan.points[0]?.repetitions ?? 0} windows each (median), ${+scan.callsPerDatum.toPrecision(4)} calls per datum`,
    `energy source: ${scan.source}`,
  ];
  if (scan.estimated) lines.push('NOTE: no hardware energy counter here; joules are an ESTIMATE from CPU time, so J/datum follows s/datum.');
  lines.push(pad(rows));
  return lines.join('\n');
}
