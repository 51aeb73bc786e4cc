import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatInfo, info } from '../lib/cli/commands/info.js';
import { formatMeasure, measureCommand } from '../lib/cli/commands/measure.js';
import { FakePowercap, twoSocketTree } from './meters-fixtures.js';

const fixtures: FakePowercap[] = [];
afterEach(() => {
  for (const f of fixtures.splice(0)) f.remove();
});

describe('mlp-energy measure', () => {
  it('rejects an empty command and one that cannot start', async () => {
    await expect(measureCommand([])).rejects.toThrow(/a command and its arguments, after --/);
    await expect(measureCommand(['/nonexistent/program'], { idleSeconds: 0, meters: { cpu: 'estimate', gpu: 'none' }, stdio: 'ignore' })).rejects.toThrow(
      /a program that can be started/,
    );
  });

  it('measures the energy a command adds to the counters, and passes its exit code through', async () => {
    const t = twoSocketTree(999_999);
    fixtures.push(t);
    // The command itself moves package-0 on by 700000 uJ: 123456 -> 823456.
    const file = join(t.root, 'intel-rapl:0', 'energy_uj');
    const report = await measureCommand(['sh', '-c', `echo 823456 > '${file}'; exit 3`], {
      idleSeconds: 0,
      meters: { cpu: 'powercap', gpu: 'none', powercapRoot: t.root, poll: false },
      stdio: 'ignore',
    });
    expect(report.exitCode).toBe(3);
    expect(report.raw.joules['package-0']).toBe(700_000 * 1e-6);
    expect(report.raw.joules['package-1']).toBe(0);
    expect(report.corrected).toBeNull();
    const text = formatMeasure(report);
    expect(text).toMatch(/exit 3, source powercap/);
    expect(text).toMatch(/package-0\s+0\.700\s+n\/a\s+n\/a/);
    expect(text).toMatch(/total\s+0\.700 .*\(package-0 \+ dram-0 \+ package-1\)/);
  });

  it('idle-corrects with a calibrated baseline and labels an estimate', async () => {
    const report = await measureCommand(['node', '-e', 'let x = 0; const t = Date.now() + 100; while (Date.now() < t) x++;'], {
      idleSeconds: 0.2,
      meters: { cpu: 'estimate', gpu: 'none', wattsPerCore: 10 },
      stdio: 'ignore',
    });
    expect(report.exitCode).toBe(0);
    expect(report.raw.estimated).toBe(true);
    expect(report.raw.joules.cpu).toBeGreaterThan(0.5); // >= 0.1 s of child CPU x 10 W
    expect(report.idle!.powerW.cpu).not.toBeNull();
    expect(report.corrected!.joules.cpu).toBeCloseTo(report.raw.joules.cpu! - report.idle!.powerW.cpu! * report.raw.seconds, 9);
    expect(formatMeasure(report)).toMatch(/ESTIMATED, not measured: .*10 W per busy core/);
    // The command's CPU time only: this process starting and waiting for it is not the command's work.
    expect(report.raw.estimate).toMatch(/waited-for child processes only, not this one/);
  });
});

describe('mlp-energy info', () => {
  it('lists every source with yes/no, the reason and the fix', () => {
    const r = info({ powercapRoot: '/nonexistent/powercap', nvmlLibrary: '/nonexistent/libnvidia-ml.so.1' });
    expect(r.sources.map((s) => s.source)).toEqual(['powercap', 'perf_event', 'msr', 'nvml', 'estimate']);
    expect(r.sources.find((s) => s.source === 'powercap')).toMatchObject({ available: false, code: 'METER_UNAVAILABLE' });
    expect(r.sources.find((s) => s.source === 'estimate')).toMatchObject({ available: true, estimated: true });
    expect(r.cpu.logicalCores).toBeGreaterThan(0);
    expect(r.caches.length).toBeGreaterThan(0);
    const text = formatInfo(r);
    expect(text).toMatch(/powercap\s+no\s+\/nonexistent\/powercap does not exist: .*likely a VM or a container/);
    expect(text).toMatch(/fix: on bare metal load the driver with `sudo modprobe intel_rapl_msr`/);
    expect(text).toMatch(/nvml\s+no\s+cannot load \/nonexistent\/libnvidia-ml.so.1/);
    expect(text).toMatch(/estimate\s+yes/);
    expect(text).toMatch(/openMeters\(\) here uses estimate: cpu\n {2}ESTIMATED, not measured/);
  });

  it('says which counters openMeters would use when RAPL is present', () => {
    const t = twoSocketTree();
    fixtures.push(t);
    const r = info({ powercapRoot: t.root, nvmlLibrary: '/nonexistent/libnvidia-ml.so.1' });
    expect(r.sources[0]).toMatchObject({ source: 'powercap', available: true, domains: ['package-0', 'core-0', 'uncore-0', 'dram-0', 'package-1', 'core-1', 'psys'] });
    expect(r.selected).toMatchObject({ sources: ['powercap'], estimated: false });
    expect(formatInfo(r)).toMatch(/openMeters\(\) here uses powercap: package-0, core-0/);
    expect(r.sources[0]).toMatchObject({ rootOnly: null, fix: null }); // 0644 fixture files: anyone may read them
  });

  it('says when a counter works only because this process runs as root, with the fix for other users', () => {
    const t = twoSocketTree();
    fixtures.push(t);
    chmodSync(join(t.root, 'intel-rapl:0', 'energy_uj'), 0o400); // energy_uj as Linux >= 5.10 ships it
    const r = info({ powercapRoot: t.root, nvmlLibrary: '/nonexistent/libnvidia-ml.so.1' });
    const powercap = r.sources[0];
    expect(powercap).toMatchObject({ source: 'powercap', available: true });
    if (process.geteuid?.() !== 0) {
      expect(powercap.rootOnly).toBeNull(); // the owner reads its own 0400 file: nothing root-only about it
      return;
    }
    expect(powercap.rootOnly).toMatch(/only because this process runs as root: .*intel-rapl:0\/energy_uj is mode 0400/);
    expect(powercap.fix).toContain(`sudo chmod a+r ${t.root}/intel-rapl:*/energy_uj`);
    expect(powercap.fix).toContain('udev');
    const text = formatInfo(r);
    expect(text).toMatch(/powercap\s+yes\s+RAPL .*\n\s+root only: readable here only because this process runs as root/);
    expect(text).toMatch(/\n\s+fix: for other users, grant read access until reboot with `sudo chmod a\+r/);
  });
});
