/** The report's charts as standalone SVG files, rendered headless in Node with vega's `view.toSVG()`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { Chart } from './charts.js';

export async function chartToSvg(chart: Chart): Promise<string> {
  const compiled = compile(chart.spec as unknown as Parameters<typeof compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Writes `<id>.svg` for every chart into `dir` (created if needed); returns the paths written. */
export async function writeSvgs(charts: readonly Chart[], dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  for (const chart of charts) {
    const path = join(dir, `${chart.id}.svg`);
    writeFileSync(path, await chartToSvg(chart));
    paths.push(path);
  }
  return paths;
}
