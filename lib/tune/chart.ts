/**
 * The report's tiling-grid chart: J/datum and s/datum of one layer shape across one tiling axis (lines per value
 * of a second axis), with a dashed rule where each packed block outgrows the cache level it is sized for.
 * Returns a Vega-Lite v5 spec; the report module renders it.
 */
import { blockBoundaries } from '../report/boundaries.js';
import type { CacheSizes } from './blocks.js';
import type { GridAxis, GridPoint } from './grid-scan.js';
import { shapeKey, type GemmShape } from './shapes.js';

export interface TilingGridChartOptions {
  shape: GemmShape;
  x: GridAxis;
  series?: GridAxis;
  caches: CacheSizes;
  /** Calls of this shape per training datum (count / batch), to turn per-call cost into per-datum cost. */
  callsPerDatum: number;
  /** Printed in the title and the energy axis when joules are a CPU-time estimate. */
  estimated: boolean;
}

export function tilingGridChart(points: readonly GridPoint[], options: TilingGridChartOptions): Record<string, unknown> {
  const { x, series, callsPerDatum } = options;
  const values = points.map((p) => ({
    [x]: p.x,
    series: p.series === null ? 'all' : `${series} ${p.series}`,
    joules_per_datum: p.joules * callsPerDatum,
    seconds_per_datum: p.seconds * callsPerDatum,
  }));
  const xs = points.map((p) => p.x);
  const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
  // Only boundaries inside the measured range: a rule outside it would stretch the axis to nothing.
  const rules = blockBoundaries(points, x, options.caches)
    .filter((b) => b.x >= lo / 1.5 && b.x <= hi * 1.5)
    .map((b) => {
      // A boundary that depends on the series value (e.g. mc·kc against kc) says which line it belongs to.
      const line = b.series === null ? 'all' : `${series} ${b.series}`;
      return { [x]: b.x, label: b.series === null ? b.label : `${b.label} (${line})`, series: line };
    });
  const xField = { field: x, type: 'quantitative', scale: { type: 'log' }, title: x };
  const panel = (field: string, title: string) => ({
    height: 180,
    width: 420,
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x: xField,
          y: { field, type: 'quantitative', title, scale: { zero: false } },
          color: { field: 'series', type: 'nominal', title: series ?? '' },
        },
      },
      {
        data: { values: rules },
        mark: { type: 'rule', strokeDash: [4, 3], color: '#888' },
        encoding: { x: xField, tooltip: { field: 'label', type: 'nominal' } },
      },
      {
        data: { values: rules },
        // Inside the plot, hanging from its top edge beside the rule (as the report's parameter charts do).
        mark: { type: 'text', angle: 270, align: 'right', baseline: 'bottom', dx: -4, dy: -2, y: 4, fontSize: 9, color: '#666' },
        encoding: { x: xField, text: { field: 'label', type: 'nominal' } },
      },
    ],
  });
  const note = options.estimated ? ' (energy estimated from CPU time: no hardware counter)' : '';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `Tiling grid of ${shapeKey(options.shape)}${note}`, subtitle: 'dashed: a packed block reaches its cache level' },
    vconcat: [panel('joules_per_datum', options.estimated ? 'J / datum (estimated)' : 'J / datum'), panel('seconds_per_datum', 's / datum')],
  };
}
