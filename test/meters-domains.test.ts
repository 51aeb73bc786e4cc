/**
 * The `domains` option (and `--domains`): only the selected RAPL planes are opened and read, on the
 * fake powercap tree, MSR files and perf PMU tree. "Not read" is checked by breaking an unselected
 * counter after opening: a read of it would fail and show in lastError() and a null result.
 */
import { Command } from 'commander';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { register as registerInfo } from '../lib/cli/commands/info.js';
import { register as registerMeasure } from '../lib/cli/commands/measure.js';
import { openMeters, RAPL_DOMAINS } from '../lib/index.js';
import type { Meters, MeterOptions } from '../lib/index.js';
import { parseDomainList } from '../lib/meters.js';
import { FakeMsr, FakePowercap, fakePmu, twoSocketTree } from './meters-fixtures.js';

const cleanup: Array<() => void> = [];
function open(options: MeterOptions): Meters {
  const m = openMeters(options);
  cleanup.push(() => m.close());
  return m;
}
function tree() {
  const t = twoSocketTree(999_999);
  cleanup.push(() => t.remove());
  return t;
}
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
  vi.restoreAllMocks();
});

describe('domains rejects bad input', () => {
  it('names the valid RAPL domains', () => {
    expect(RAPL_DOMAINS).toEqual(['package', 'core', 'uncore', 'dram', 'psys']);
    expect(() => openMeters({ domains: 'package' as never })).toThrow(/a non-empty array of RAPL domains among package, core, uncore, dram, psys for domains/);
    expect(() => openMeters({ domains: [] })).toThrow(RangeError);
    expect(() => openMeters({ domains: ['package', 'gpu' as never] })).toThrow(
      /Expected one of "package", "core", "uncore", "dram", "psys" for domains\[1\] but received "gpu"/,
    );
    expect(() => openMeters({ cpu: 'estimate', domains: ['package'] })).toThrow(/domains selects RAPL planes, and cpu "estimate" reads none/);
    // Likewise GPUs picked for a meter that reads none.
    expect(() => openMeters({ cpu: 'estimate', gpu: 'none', gpus: [0] })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: 'gpus selects NVML devices, and gpu "none" reads none: leave gpus out, or set gpu to "nvml" or "auto"' }),
    );
    expect(() => parseDomainList(' , ')).toThrow(/comma-separated list of RAPL domains among package, core/);
    expect(() => parseDomainList('package,pkg')).toThrow(/for --domains but received "pkg"/);
    expect(parseDomainList('package, dram')).toEqual(['package', 'dram']);
  });

  it('a source without any selected plane names the planes it has', () => {
    const t = new FakePowercap([
      { dir: 'intel-rapl:0', name: 'package-0', rangeUj: 999_999 },
      { dir: 'intel-rapl:0:0', name: 'core', rangeUj: 999_999 },
    ]);
    cleanup.push(() => t.remove());
    expect(() => openMeters({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root, domains: ['dram', 'psys'] })).toThrow(
      expect.objectContaining({
        code: 'METER_DOMAIN_UNAVAILABLE',
        message: expect.stringMatching(
          /powercap has none of the selected RAPL domains \(dram, psys\); here it has package, core\. Fix: choose domains among package, core, or leave domains out/,
        ),
      }),
    );
    const pmu = fakePmu(1, { 'energy-pkg': { config: 0, scale: '1e-9' } });
    cleanup.push(() => pmu.remove());
    expect(() => openMeters({ cpu: 'perf_event', gpu: 'none', perfRoot: pmu.root, domains: ['uncore'] })).toThrow(
      expect.objectContaining({ code: 'METER_DOMAIN_UNAVAILABLE', message: expect.stringMatching(/perf_event has none .*\(uncore\); here it has package\./) }),
    );
  });
});

describe('only the selected planes are read', () => {
  it('powercap, package only: 2 of 7 zones, exact joules across a wrap, unselected zones never read', () => {
    const t = tree();
    const m = open({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root, domains: ['package'], poll: false });
    expect(m.domains.map((d) => d.key)).toEqual(['package-0', 'package-1']);
    expect(m.sources[0]).toMatchObject({ source: 'powercap', domains: ['package-0', 'package-1'] });
    const w = m.begin();
    for (const z of t.zones) if (!z.name.startsWith('package')) t.write(z.dir, 'broken\n'); // a read would fail now
    t.add('intel-rapl:0', 900_000); // 123456 + 900000 wraps the 999999 range
    t.add('intel-rapl:1', 42);
    m.sample();
    t.add('intel-rapl:0', 1);
    const e = m.end(w);
    expect(e.joules).toEqual({ 'package-0': 900_001 * 1e-6, 'package-1': 42 * 1e-6 });
    expect(e.cpuJ).toBe(900_001 * 1e-6 + 42 * 1e-6);
    expect(e.totalDomains).toEqual({ cpu: ['package-0', 'package-1'], gpu: [] });
    expect(m.lastError()).toBe('');
    expect(Object.keys(m.totals())).toEqual(['package-0', 'package-1']);
  });

  it('the poller reads only the selected planes, and its period comes from their wrap ranges alone', async () => {
    const t = new FakePowercap([
      { dir: 'intel-rapl:0', name: 'package-0', rangeUj: 262_143_328_850 }, // Intel: 65.5 s per read at 1 kW
      { dir: 'intel-rapl:0:0', name: 'core', rangeUj: 999_999 }, // 1 J: would force the 1 ms floor
    ]);
    cleanup.push(() => t.remove());
    expect(open({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root }).pollerStats().periodS).toBe(0.001);
    const m = open({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root, domains: ['package'], minPeriodS: 0.001 });
    expect(m.pollerStats().periodS).toBeCloseTo(262_143.328_851 / 1000 / 4, 9);
    const small = tree(); // 1 J ranges: the poller runs every 1 ms
    const fast = open({ cpu: 'powercap', gpu: 'none', powercapRoot: small.root, domains: ['package'] });
    for (const z of small.zones) if (!z.name.startsWith('package')) small.write(z.dir, 'broken\n'); // a poller read would fail now
    await new Promise((r) => setTimeout(r, 30));
    expect(fast.pollerStats().samples).toBeGreaterThan(0);
    expect(fast.lastError()).toBe('');
  });

  it('powercap, package + dram and core alone', () => {
    const t = tree();
    const pd = open({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root, domains: ['dram', 'package'], poll: false });
    expect(pd.domains.map((d) => d.key)).toEqual(['package-0', 'dram-0', 'package-1']);
    const w = pd.begin();
    t.add('intel-rapl:0:2', 5_000);
    t.add('intel-rapl:0:0', 7_000); // core: not selected, not counted anywhere
    expect(pd.end(w).joules).toEqual({ 'package-0': 0, 'dram-0': 5_000 * 1e-6, 'package-1': 0 });
    const core = open({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root, domains: ['core'], poll: false });
    expect(core.domains.map((d) => [d.key, d.includedIn])).toEqual([['core-0', 'package-0'], ['core-1', 'package-1']]);
  });

  it('msr, dram only: one register per package; package and core registers are not read', () => {
    const f = new FakeMsr(2, 2);
    cleanup.push(() => f.remove());
    for (const cpu of [0, 2]) {
      f.set(cpu, 0x606, 0xa1003n); // 2^-16 J
      f.set(cpu, 0x611, 0xfffff000n);
      f.set(cpu, 0x639, 3n);
      f.set(cpu, 0x619, 0xfffffff0n);
    }
    const m = open({
      cpu: 'msr', gpu: 'none', msrPath: f.pattern, cpuSysfsRoot: f.cpuRoot, domains: ['dram'], poll: false,
      cpuid: { vendor: 'GenuineIntel', family: 6, model: 0x9a },
    });
    expect(m.domains.map((d) => d.key)).toEqual(['dram-0', 'dram-1']);
    const w = m.begin();
    f.add(2, 0x619, 0x100n); // wraps
    f.add(0, 0x611, 1_000n);
    const e = m.end(w);
    expect(e.joules).toEqual({ 'dram-0': 0, 'dram-1': 0x100 * 2 ** -16 });
  });

  it('perf_event, package only: an event the kernel refuses is never opened', () => {
    // energy-ram points at a software event that does not exist: opening it fails.
    const pmu = fakePmu(1, { 'energy-pkg': { config: 0, scale: '1e-9' }, 'energy-ram': { config: 0x7f, scale: '1e-9' } });
    cleanup.push(() => pmu.remove());
    expect(() => openMeters({ cpu: 'perf_event', gpu: 'none', perfRoot: pmu.root })).toThrow(/perf_event_open\(energy-ram/);
    const m = open({ cpu: 'perf_event', gpu: 'none', perfRoot: pmu.root, domains: ['package'], poll: false });
    expect(m.domains.map((d) => d.key)).toEqual(['package-0']);
    const w = m.begin();
    const until = Date.now() + 10;
    while (Date.now() < until) {
      /* CPU 0's clock runs */
    }
    expect(m.end(w).joules['package-0']).toBeGreaterThan(0);
  });
});

describe('--domains on the CLI', () => {
  function program(): Command {
    const p = new Command().exitOverride().enablePositionalOptions();
    registerInfo(p);
    registerMeasure(p);
    return p;
  }

  it('info --domains shows what openMeters would read', async () => {
    const t = tree();
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    await program().parseAsync(['info', '--json', '--powercap-root', t.root, '--nvml-library', '/nonexistent/libnvidia-ml.so.1', '--domains', 'package,dram'], { from: 'user' });
    const report = JSON.parse(out.join(''));
    expect(report.selected).toMatchObject({ sources: ['powercap'], domains: ['package-0', 'dram-0', 'package-1'] });
    expect(report.sources[0]).toMatchObject({ source: 'powercap', domains: ['package-0', 'dram-0', 'package-1'] });
  });

  it('info says why an available source is not used', async () => {
    const t = new FakePowercap([{ dir: 'intel-rapl:0', name: 'psys', rangeUj: 999_999 }]);
    cleanup.push(() => t.remove());
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    await program().parseAsync(['info', '--powercap-root', t.root, '--nvml-library', '/nonexistent/libnvidia-ml.so.1'], { from: 'user' });
    expect(out.join('')).toMatch(/powercap +yes +.*\[psys\]\n +not used: offers only psys, .*choose cpu "powercap" \(--cpu powercap\)\n/);
  });

  it('measure --domains rejects an unknown plane before running anything', async () => {
    await expect(program().parseAsync(['measure', '--idle', '0', '--domains', 'package,gpu', '--', 'true'], { from: 'user' })).rejects.toThrow(
      /Expected one of "package", "core", "uncore", "dram", "psys" for --domains but received "gpu"/,
    );
  });

  it('measure names its own flags: --cpu and --gpu choices, --watts-per-core text', async () => {
    const quiet = { writeErr: () => {}, writeOut: () => {} };
    const run = (args: string[]) => program().configureOutput(quiet).parseAsync(['measure', '--idle', '0', ...args, '--', 'true'], { from: 'user' });
    await expect(run(['--cpu', 'rapl'])).rejects.toThrow(/option '--cpu <source>' argument 'rapl' is invalid\. Allowed choices are auto, powercap, perf_event, msr, estimate, none/);
    await expect(run(['--gpu', 'cuda'])).rejects.toThrow(/option '--gpu <source>' argument 'cuda' is invalid/);
    await expect(run(['--cpu', 'estimate', '--watts-per-core', 'ten'])).rejects.toThrow('Expected a number for --watts-per-core but received "ten"');
  });

  it('measure --json creates its folder, and names a path it cannot write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlpe-measure-json-'));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const run = (json: string) => program().parseAsync(['measure', '--idle', '0', '--cpu', 'estimate', '--gpu', 'none', '--json', json, '--', 'true'], { from: 'user' });
    try {
      await run(join(dir, 'new', 'report.json'));
      expect(JSON.parse(readFileSync(join(dir, 'new', 'report.json'), 'utf8'))).toMatchObject({ command: ['true'], exitCode: 0 });
      await expect(run(dir)).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/\(--json\): EISDIR.*Choose another path for --json/) });
      // A DuckDB file (magic 'DUCK' at byte 8) is someone's results: refused before the command runs.
      const store = join(dir, 'results.duckdb');
      writeFileSync(store, Buffer.concat([Buffer.alloc(8), Buffer.from('DUCK'), Buffer.alloc(20)]));
      await expect(run(store)).rejects.toThrow(/results\.duckdb is a DuckDB database .*--json would overwrite it/);
      expect(readFileSync(store).subarray(8, 12).toString()).toBe('DUCK');
    } finally {
      vi.restoreAllMocks();
      process.exitCode = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("cpu 'auto' and a RAPL source whose planes enter no total", () => {
  // A KVM guest on an H200 host offered perf_event RAPL with psys alone, which read zero: a CPU sweep there found no
  // counted CPU domain at all. Such a source is passed over; the next one, or the labelled estimate, measures the CPU.
  const nowhere = () => join(mkdtempSync(join(tmpdir(), 'mlpe-none-')), 'absent');
  const noMsr = () => join(nowhere(), 'cpu%d-msr');

  it('passes over a psys-only powercap tree for the estimate, and says why in the source list', () => {
    const t = new FakePowercap([{ dir: 'intel-rapl:0', name: 'psys', rangeUj: 999_999 }]);
    try {
      const m = openMeters({ gpu: 'none', powercapRoot: t.root, perfRoot: nowhere(), msrPath: noMsr() });
      try {
        expect(m.domains.map((d) => d.source)).toEqual(['estimate']);
        const powercap = m.sources.find((s) => s.source === 'powercap')!;
        expect(powercap).toMatchObject({ available: true, selected: false, domains: ['psys'] });
        expect(powercap.reason).toMatch(/offers only psys, which never enter a total .* cpu "auto" measures the CPU with the next source; to read them anyway, choose cpu "powercap" \(--cpu powercap\)/);
      } finally {
        m.close();
      }
      // Asked for by name, or its plane selected, it is read as before.
      for (const options of [{ cpu: 'powercap' as const }, { domains: ['psys' as const] }]) {
        const named = openMeters({ gpu: 'none', powercapRoot: t.root, perfRoot: nowhere(), msrPath: noMsr(), ...options });
        try {
          expect(named.domains.map((d) => [d.source, d.key])).toEqual([['powercap', 'psys']]);
        } finally {
          named.close();
        }
      }
    } finally {
      t.remove();
    }
  });
});
