/**
 * Rendering sweep events for people (a progress bar with ETA on stderr when it is a terminal, one line per run on
 * stdout) or for programs (`--json`: one JSON object per line).
 */
import type { Output } from '../cli/commands/exit-codes.js';
import type { CiOutcome, CiSummary, RunSummary, SweepEvent } from './runner.js';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function joules(j: number | null): string {
  if (j === null) return 'n/a';
  const a = Math.abs(j);
  return a >= 1 ? `${j.toFixed(2)} J` : a >= 1e-3 ? `${(j * 1e3).toFixed(2)} mJ` : `${(j * 1e6).toFixed(2)} µJ`;
}

/** Why a run's figures are per training of several in one window, or coarse. */
function windowNote(r: RunSummary): string {
  const notes = [];
  if (r.windowRepeats > 1) notes.push(`each of ${r.windowRepeats} in one window`);
  if (r.belowResolution) notes.push('below counter resolution');
  return notes.length > 0 ? ` (${notes.join('; ')})` : '';
}

export function bar(done: number, total: number, width = 30): string {
  const fraction = total === 0 ? 1 : done / total;
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${(fraction * 100).toFixed(0)}%`;
}

const percent = (fraction: number | null) => (fraction === null ? '±∞' : `±${(fraction * 100).toFixed(1)}%`);
const configuration = (o: CiOutcome) => `${o.dataset} ${o.shape} size=${o.size} depth=${o.depth} tiling=${o.tiling}${o.device === 'cpu' ? '' : ` ${o.device}`}`;

/** One configuration's `--until-ci` result; a missed target says so and how to get it. */
export function ciLine(o: CiOutcome): string {
  const after = `after ${o.repetitions} repetitions`;
  if (o.reason === 'converged') return `CI ${configuration(o)}: 95% CI ${percent(o.halfWidth)} within ${percent(o.target)} ${after}`;
  if (o.reason === 'resolution') return `CI ${configuration(o)}: stopped at ${percent(o.halfWidth)} ${after}: the energy counter's step alone exceeds ${percent(o.target)} (ci_limited_by_resolution)`;
  return `CI ${configuration(o)}: target ${percent(o.target)} MISSED: ${percent(o.halfWidth)} ${after}, the --max-repetitions cap (raise it or widen --until-ci)`;
}

/** The end of an `--until-ci` sweep: how many configurations met the target, and which did not, with their widths. */
export function ciSummaryLines(ci: CiSummary, shown = 5): string[] {
  const total = ci.converged + ci.limitedByResolution + ci.missed.length;
  const lines = [`--until-ci ${percent(ci.target)}: ${ci.converged} of ${total} configurations reached it` +
    `${ci.limitedByResolution ? `, ${ci.limitedByResolution} limited by the counter's resolution` : ''}, ${ci.missed.length} missed it at the cap.`];
  for (const o of ci.missed.slice(0, shown)) lines.push(`  missed: ${configuration(o)} ${percent(o.halfWidth)} after ${o.repetitions} repetitions`);
  if (ci.missed.length > shown) lines.push(`  … and ${ci.missed.length - shown} more (runs.ci_target_missed in the store)`);
  return lines;
}

export function humanReporter(stdout: Output, stderr: Output & { isTTY?: boolean }): (event: SweepEvent) => void {
  let barShown = false;
  const clearBar = () => { if (barShown) { stderr.write('\r\x1b[K'); barShown = false; } };
  const showBar = (done: number, total: number, eta: number | null) => {
    if (!stderr.isTTY) return;
    stderr.write(`\r\x1b[K${bar(done, total)} ETA ${eta === null ? '?' : formatDuration(eta)}`);
    barShown = true;
  };
  return (event) => {
    clearBar();
    switch (event.type) {
      case 'start':
        stdout.write(`sweep ${event.sweep}: ${event.total} runs planned, ${event.alreadyDone} already in ${event.store}; meters: ${Object.entries(event.meters).map(([d, m]) => `${d} ${m}`).join(', ')}\n`);
        break;
      case 'idle':
        stdout.write(`idle ${event.device}: ${event.idlePower.toFixed(2)} W over ${event.seconds.toFixed(1)} s (${event.source}${event.estimated && event.source !== 'estimate' ? ', estimated' : ''})\n`);
        break;
      case 'overhead':
        stdout.write(`overhead ${event.device}: ${joules(event.energy)}, ${event.runtime.toFixed(3)} s per run (5th percentile of ${event.runs} reference runs)\n`);
        break;
      case 'run': {
        const r = event.run;
        stdout.write(`${String(event.done).padStart(String(event.total).length)}/${event.total} ${r.role === 'run' ? '' : 'ref '}${r.dataset}${r.synthetic ? '*' : ''} ${r.shape} ` +
          `size=${r.size} depth=${r.depth} tiling=${r.tiling} rep=${r.repetition} params=${r.numFreeParameters} ` +
          `${r.runTime.toFixed(3)} s ${joules(r.energy)}${r.estimated ? ' (est.)' : ''}${windowNote(r)} J/datum=${r.energyPerTrainingDatum === null ? 'n/a' : r.energyPerTrainingDatum.toExponential(3)} ` +
          `test_loss=${r.finalTestLoss === null ? 'n/a' : r.finalTestLoss.toFixed(4)}\n`);
        showBar(event.done, event.total, event.etaSeconds);
        break;
      }
      case 'skip':
        stdout.write(`${String(event.done).padStart(String(event.total).length)}/${event.total} skipped ${event.runId}: ${event.reason}\n`);
        showBar(event.done, event.total, null);
        break;
      case 'ci':
        stdout.write(`${ciLine(event.outcome)}\n`);
        break;
      case 'end': {
        const s = event.summary;
        stdout.write(`${s.stopped ? 'Stopped' : 'Done'}: ${s.ran} runs in ${formatDuration(s.seconds)}, ${s.skippedDone} already stored, ${s.skippedOther} skipped.\n`);
        if (s.ci) stdout.write(ciSummaryLines(s.ci).map((l) => `${l}\n`).join(''));
        if (s.synthetic.length > 0) {
          const why = s.syntheticMode === 'always' ? 'synthetic data asked for: --synthetic always' : 'no data file found';
          stdout.write(`* synthetic: ${s.synthetic.join(', ')} (${why}; shape-true stand-ins, synthetic = true in the records)\n`);
        }
        stdout.write(`Results: ${s.store} (tables runs, epochs, idle_calibrations, hardware, power_traces; view experiments)\n`);
        if (s.stopped) stdout.write('Rerun the same command to resume; completed runs are skipped.\n');
        break;
      }
    }
  };
}

export function jsonReporter(stdout: Output): (event: SweepEvent) => void {
  return (event) => stdout.write(JSON.stringify(event) + '\n');
}
