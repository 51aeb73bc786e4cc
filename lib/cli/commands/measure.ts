/**
 * `mlp-energy measure -- <command> [args...]`: the energy of a whole command, raw and idle-corrected.
 * Idle power is calibrated first (median of repeated windows while nothing runs), then the command runs
 * inside one window with its stdio passed through; the report goes to stderr so the command's stdout
 * stays clean. The exit code is the command's. Where the energy is the CPU-time estimate, it counts the
 * command's processes only, not this one starting and waiting for them.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { invalidOption, unwritable } from '../../errors.js';
import {
  calibrateIdle, CPU_SOURCES, GPU_SOURCES, openMeters, subtractIdle, type EnergyMeasurement, type IdleBaseline, type MeterOptions,
} from '../../meters.js';
import { refuseOverwritingStore } from '../../store/store.js';
import { numberText } from '../../validate.js';
import { addMeterFlags, meterOptionsFrom, type MeterFlags } from '../meter-flags.js';

export interface MeasureReport {
  command: string[];
  exitCode: number | null;
  signal: string | null;
  raw: EnergyMeasurement;
  idle: IdleBaseline | null;
  /** Raw minus idle power × seconds per domain; null without calibration. */
  corrected: EnergyMeasurement | null;
}

export interface MeasureRunOptions {
  /** Idle calibration before the command, s (0 = none; default 5). */
  idleSeconds?: number;
  meters?: MeterOptions;
  /** stdio of the command (default 'inherit'). */
  stdio?: 'inherit' | 'ignore';
}

// The estimate (where no counter exists) counts the command's CPU time, not ours: starting a command from
// Node costs ~10–25 ms of CPU here, as much as a short command itself.
const COMMAND_ONLY: MeterOptions = { estimateSelf: false };

/** Runs `command` inside a window (callable from code and tests). */
export async function measureCommand(command: string[], options: MeasureRunOptions = {}): Promise<MeasureReport> {
  if (!Array.isArray(command) || command.length === 0 || command.some((c) => typeof c !== 'string')) {
    throw invalidOption('command', 'a command and its arguments, after --', command, 'type');
  }
  const idleSeconds = options.idleSeconds ?? 5;
  const meters = openMeters({ ...COMMAND_ONLY, ...options.meters });
  try {
    const idle = idleSeconds > 0 ? await calibrateIdle(meters, { seconds: idleSeconds, repeats: 5 }) : null;
    const window = meters.begin('command');
    const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
      const child = spawn(command[0], command.slice(1), { stdio: options.stdio ?? 'inherit' });
      child.on('error', (error) => {
        meters.end(window);
        reject(invalidOption('command', `a program that can be started (${error.message})`, command[0]));
      });
      // 'exit' fires after the child is reaped, so its CPU time is in RUSAGE_CHILDREN for the estimate.
      child.on('exit', (c, s) => resolve({ code: c, signal: s }));
    });
    const raw = meters.end(window);
    return { command, exitCode: code, signal, raw, idle, corrected: idle ? subtractIdle(raw, idle) : null };
  } finally {
    meters.close();
  }
}

const fmt = (j: number | null | undefined) => (j === null || j === undefined ? 'n/a' : j.toFixed(3));

export function formatMeasure(r: MeasureReport): string {
  const keys = Object.keys(r.raw.joules);
  const width = Math.max(8, ...keys.map((k) => k.length));
  const lines = [
    `${r.command.join(' ')}: ${r.raw.seconds.toFixed(3)} s, exit ${r.signal ?? r.exitCode}, source ${r.raw.sources.join(' + ')}`,
    `  ${'domain'.padEnd(width)}  ${'raw J'.padStart(12)}  ${'idle W'.padStart(9)}  ${'minus idle J'.padStart(12)}`,
  ];
  for (const k of keys) {
    lines.push(`  ${k.padEnd(width)}  ${fmt(r.raw.joules[k]).padStart(12)}  ${fmt(r.idle?.powerW[k]).padStart(9)}  ${fmt(r.corrected?.joules[k]).padStart(12)}`);
  }
  lines.push(`  ${'total'.padEnd(width)}  ${fmt(r.raw.totalJ).padStart(12)}  ${''.padStart(9)}  ${fmt(r.corrected?.totalJ).padStart(12)}` +
    `   (${[...r.raw.totalDomains.cpu, ...r.raw.totalDomains.gpu].join(' + ')})`);
  if (r.raw.estimated) lines.push(`  ESTIMATED, not measured: ${r.raw.estimate}`);
  if (r.raw.belowResolution) lines.push(`  below counter resolution: ${r.raw.belowResolutionDomains.join(', ')}`);
  return lines.join('\n');
}

export function register(program: Command): void {
  addMeterFlags(program
    .command('measure')
    .description('Energy of a command, raw and idle-corrected: mlp-energy measure -- <command> [args...]')
    .argument('<command...>', 'the command to run, after -- (needed only when the command has options of its own)')
    .option('--idle <seconds>', 'idle calibration before the command (0 to skip)', '5')
    .addOption(new Option('--cpu <source>', 'CPU energy source').choices(CPU_SOURCES).default('auto'))
    .addOption(new Option('--gpu <source>', 'GPU energy source').choices(GPU_SOURCES).default('auto')))
    .option('--json <file>', 'also write the full report as JSON to this file')
    .passThroughOptions()
    .addHelpText('after', `
The report goes to stderr, so the command's own stdout stays clean ('mlp-energy measure -- cmd > out.txt'
keeps only the command's output; add --json FILE for a machine-readable copy).
Where no energy counter can be read, the energy is the CPU-time estimate of the command's processes.
Exit code: the command's own (128 + the signal number if a signal ended it; 1 if that is unknown); 2 for
invalid options or a command that cannot be started.`)
    .action(async (command: string[], opts: MeterFlags & { idle: string; cpu: string; gpu: string; json?: string }) => {
      if (opts.json) refuseOverwritingStore(resolve(opts.json), '--json'); // before the command runs
      const idleSeconds = numberText('--idle', opts.idle);
      if (idleSeconds < 0) throw invalidOption('--idle', 'a number of seconds >= 0', opts.idle);
      const meters: MeterOptions = { ...meterOptionsFrom(opts), cpu: opts.cpu as MeterOptions['cpu'], gpu: opts.gpu as MeterOptions['gpu'] };
      const report = await measureCommand(command, { idleSeconds, meters });
      process.stderr.write(formatMeasure(report) + '\n');
      if (opts.json) {
        try {
          mkdirSync(dirname(resolve(opts.json)), { recursive: true }); // as report --out does
          writeFileSync(opts.json, JSON.stringify(report, null, 2) + '\n');
        } catch (error) {
          throw unwritable('--json', opts.json, error);
        }
      }
      // A command ended by a signal exits as a shell reports it: 128 + the signal's number.
      const signalNumber = report.signal ? osConstants.signals[report.signal as NodeJS.Signals] : undefined;
      process.exitCode = report.exitCode ?? (signalNumber !== undefined ? 128 + signalNumber : 1);
    });
}
