/**
 * `mlp-energy info`: the CPU and its caches, the GPU, and every energy source with whether it works here,
 * why not and the command that fixes it.
 */
import type { Command } from 'commander';
import { cudaInfo } from '../../gpu.js';
import { cacheInfo, cpuInfo } from '../../hardware.js';
import { energySources, openMeters, type MeterOptions, type SourceStatus } from '../../meters.js';
import { addMeterFlags, meterOptionsFrom, type MeterFlags } from '../meter-flags.js';

export interface InfoReport {
  cpu: { brand: string; vendor: string; family: number; model: number; logicalCores: number };
  caches: Array<{ level: number; type: string; sizeBytes: number; source: string }>;
  gpu: { available: boolean; reason: string | null; devices: string[] };
  sources: SourceStatus[];
  /** What openMeters() with the same options picks here. */
  selected: { sources: string[]; domains: string[]; estimated: boolean; method: string | null } | { error: string };
}

export interface InfoCommandOptions extends MeterFlags {
  json?: boolean;
}

/** The report behind `mlp-energy info` (callable from code and tests). */
export function info(options: MeterOptions = {}): InfoReport {
  const cpu = cpuInfo();
  const caches = cacheInfo().levels.filter((l) => l.type !== 'instruction');
  const cuda = cudaInfo();
  let selected: InfoReport['selected'];
  let sources = energySources(options);
  try {
    const meters = openMeters({ ...options, poll: false });
    // The probe tries each source alone; openMeters also says why it passed over one that works (cpu 'auto').
    const passedOver = new Map(meters.sources.filter((s) => s.available && !s.selected && s.reason).map((s) => [s.source, s]));
    sources = sources.map((s) => passedOver.get(s.source) ?? s);
    const estimated = meters.domains.filter((d) => d.estimated);
    selected = {
      sources: meters.sources.filter((s) => s.selected).map((s) => s.source),
      domains: meters.domains.map((d) => d.key),
      estimated: estimated.length > 0,
      method: estimated.length ? estimated[0].method : null,
    };
    meters.close();
  } catch (error) {
    selected = { error: (error as Error).message };
  }
  return {
    cpu: { brand: cpu.brand, vendor: cpu.vendor, family: cpu.family, model: cpu.model, logicalCores: cpu.logicalCores },
    caches: caches.map((l) => ({ level: l.level, type: l.type, sizeBytes: l.sizeBytes, source: l.source })),
    gpu: {
      available: cuda.cudaAvailable,
      reason: cuda.reason,
      devices: cuda.devices.map((d) => `${d.index}: ${d.name} (sm_${d.computeCapability.replace('.', '')}, ${d.smCount} SMs)`),
    },
    sources,
    selected,
  };
}

const kib = (bytes: number) => (bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${bytes / 1024} KiB`);

export function formatInfo(r: InfoReport): string {
  const lines = [
    `CPU     ${r.cpu.brand || '(no brand string)'} — ${r.cpu.vendor} family ${r.cpu.family} model ${r.cpu.model}, ${r.cpu.logicalCores} logical cores`,
    `Caches  ${r.caches.map((c) => `L${c.level}${c.type === 'data' ? 'd' : ''} ${kib(c.sizeBytes)}`).join(', ')} (${[...new Set(r.caches.map((c) => c.source))].join(', ')})`,
    `GPU     ${r.gpu.available ? r.gpu.devices.join('; ') : `none usable: ${r.gpu.reason}`}`,
    '',
    'Energy sources',
  ];
  const width = Math.max(...r.sources.map((s) => s.source.length));
  for (const s of r.sources) {
    const head = `  ${s.source.padEnd(width)}  ${s.available ? 'yes' : 'no '}  `;
    if (s.available) {
      lines.push(head + `${s.method}${s.domains.length ? ` [${s.domains.join(', ')}]` : ''}`);
      // Available yet passed over (cpu 'auto' wants a plane that enters the total): why, and how to use it anyway.
      if (!s.selected && s.reason) lines.push(' '.repeat(head.length) + `not used: ${s.reason}`);
      if (s.rootOnly) {
        lines.push(' '.repeat(head.length) + `root only: ${s.rootOnly}`);
        if (s.fix) lines.push(' '.repeat(head.length) + `fix: ${s.fix}`);
      }
    } else {
      lines.push(head + `${s.reason}`);
      if (s.fix) lines.push(' '.repeat(head.length) + `fix: ${s.fix}`);
    }
  }
  lines.push('');
  if ('error' in r.selected) {
    lines.push(`openMeters() here fails: ${r.selected.error}`);
  } else {
    lines.push(`openMeters() here uses ${r.selected.sources.join(' + ')}: ${r.selected.domains.join(', ')}` +
      (r.selected.estimated ? `\n  ESTIMATED, not measured: ${r.selected.method}` : ''));
  }
  return lines.join('\n');
}

export function register(program: Command): void {
  addMeterFlags(program
    .command('info')
    .description('CPU, caches, GPU, and which energy counters work here (and how to enable the others).')
    .option('--json', 'machine-readable output'))
    .action((opts: InfoCommandOptions) => {
      const report = info(meterOptionsFrom(opts));
      process.stdout.write((opts.json ? JSON.stringify(report, null, 2) : formatInfo(report)) + '\n');
    });
}
