/**
 * The self-contained report page: Vega-Lite specs inline, vega and vega-lite bundles inlined from node_modules,
 * rendered to SVG in the browser by vega-lite's `compile()` and a vega `View` (no vega-embed, no network).
 * Rendering problems are written into the page (#report-errors, body[data-errors]) so headless checks see them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { EnergyModelFit } from '../model/fit.js';
import type { RunRecord } from '../model/records.js';
import type { Chart } from './charts.js';

const require = createRequire(import.meta.url);

/** Most rows a chart's table shows; the chart itself always draws every row. */
export const TABLE_ROW_LIMIT = 500;

export interface ReportPage {
  readonly title: string;
  readonly generatedAt: string;
  /** Where the runs came from (store path). */
  readonly source: string;
  readonly runs: readonly RunRecord[];
  readonly charts: readonly Chart[];
  readonly fit: EnergyModelFit | null;
  /** Why the model could not be fitted, when `fit` is null. */
  readonly fitError: string | null;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON or JS placed inside <script> must not contain "</script" or "<!--". */
function scriptSafe(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function bundle(path: string): string {
  return scriptSafe(readFileSync(require.resolve(path), 'utf8'));
}

function formatCell(value: string | number | boolean): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  return escapeHtml(String(value));
}

function table(chart: Chart): string {
  const { columns, rows } = chart.table;
  const shown = rows.slice(0, TABLE_ROW_LIMIT);
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = shown.map((row) => `<tr>${columns.map((c) => `<td>${formatCell(row[c] ?? '')}</td>`).join('')}</tr>`).join('\n');
  const more = rows.length > shown.length ? ` (first ${shown.length} shown; all are in the store)` : '';
  return `<details><summary>Runs behind this chart: ${rows.length} rows${more}</summary>
<table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table></details>`;
}

function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return Math.abs(x) !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5) ? x.toExponential(digits) : x.toFixed(digits);
}

function modelSection(page: ReportPage): string {
  if (!page.fit) {
    return `<section><h2>Energy model</h2><p class="warn">The model was not fitted: ${escapeHtml(page.fitError ?? 'no runs')}</p></section>`;
  }
  return page.fit.groups
    .map((g) => {
      const errorRows = g.models
        .map(
          (m) => `<tr><td>${escapeHtml(m.label)}</td><td>${fmt(m.inSample.ratioStd)}</td><td>${fmt(m.cv?.ratioMean)}</td><td>${fmt(
            m.cv?.ratioStd,
          )}</td><td>${fmt(m.cv?.r2)}</td><td>${fmt(m.cv?.mape, 1)}</td></tr>`,
        )
        .join('\n');
      const cache = g.models.find((m) => m.model.name === 'cache-aware')!;
      const coefficientRows = cache.model.coefficients
        .map((c) => `<tr><td>${escapeHtml(c.name)}</td><td>${c.value === null ? 'not identified (no run reaches it)' : fmt(c.value, 4)}</td><td>${escapeHtml(c.unit)}</td></tr>`)
        .join('\n');
      return `<section><h2>Energy model: ${g.deviceClass.toUpperCase()} on ${escapeHtml(g.profile.name)}</h2>
<p>${g.runs} runs, ${g.datasets.length} datasets (${escapeHtml(g.datasets.join(', '))}), ${g.estimatedRuns} with estimated energy.
${g.folds ? `Cross-validation: ${g.folds} folds, whole datasets held out.` : `No cross-validation: ${escapeHtml(g.cvNote ?? '')}.`}</p>
<table><thead><tr><th>model</th><th>in-sample σ</th><th>CV mean ratio</th><th>CV σ</th><th>CV R²</th><th>CV MAPE %</th></tr></thead><tbody>
${errorRows}
</tbody></table>
<h3>Cache-aware coefficients (NNLS, relative error)</h3>
<table><thead><tr><th>term</th><th>value</th><th>unit</th></tr></thead><tbody>
${coefficientRows}
</tbody></table></section>`;
    })
    .join('\n');
}

export function renderHtml(page: ReportPage): string {
  const estimated = page.runs.filter((r) => r.estimated).length;
  const specs = page.charts.map((c) => ({ id: c.id, spec: c.spec }));
  const charts = page.charts
    .map(
      (c) => `<section class="chart-section"><h2>${escapeHtml(c.title)}</h2><p>${escapeHtml(c.description)}</p>
<div class="chart" id="chart-${c.id}"></div>
${table(c)}</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>${escapeHtml(page.title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 980px; color: #222; }
table { border-collapse: collapse; margin: .5em 0; font-size: 12px; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.warn { color: #a40; }
.chart { min-height: 60px; }
#report-errors:empty { display: none; }
#report-errors { color: #b00; white-space: pre-wrap; }
</style></head>
<body data-charts="${page.charts.length}">
<h1>${escapeHtml(page.title)}</h1>
<p>Generated ${escapeHtml(page.generatedAt)} from ${escapeHtml(page.source)}: ${page.runs.length} runs.</p>
<p class="${estimated ? 'warn' : ''}">Estimated numbers: ${estimated} of ${page.runs.length} runs have energy from the labelled
estimator rather than a hardware counter (column <code>estimated</code>; drawn with their own point shape).
Model predictions and cache boundaries are model outputs, not measurements.</p>
<pre id="report-errors"></pre>
${modelSection(page)}
${charts}
<script>${bundle('vega/build/vega.min.js')}</script>
<script>${bundle('vega-lite/build/vega-lite.min.js')}</script>
<script type="application/json" id="report-specs">${scriptSafe(JSON.stringify(specs))}</script>
<script>
(function () {
  var log = document.getElementById('report-errors');
  var count = 0;
  function record(message) {
    count += 1;
    log.textContent += message + '\\n';
    document.body.setAttribute('data-errors', String(count));
  }
  window.addEventListener('error', function (e) { record(String(e.message)); });
  var consoleError = console.error;
  console.error = function () { record(Array.prototype.join.call(arguments, ' ')); consoleError.apply(console, arguments); };
  var specs = JSON.parse(document.getElementById('report-specs').textContent);
  var rendered = 0;
  Promise.all(specs.map(function (item) {
    return Promise.resolve().then(function () {
      var compiled = vegaLite.compile(item.spec).spec;
      var view = new vega.View(vega.parse(compiled), { renderer: 'svg', container: '#chart-' + item.id, hover: true });
      return view.runAsync();
    }).then(function () {
      rendered += 1;
      document.getElementById('chart-' + item.id).setAttribute('data-rendered', 'true');
    }, function (error) { record(item.id + ': ' + (error && error.message ? error.message : String(error))); });
  })).then(function () { document.body.setAttribute('data-rendered', String(rendered)); });
})();
</script>
</body></html>
`;
}
