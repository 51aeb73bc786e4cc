import { afterEach, describe, expect, it } from 'vitest';
import { openMeters } from '../lib/index.js';
import type { Meters, MeterOptions } from '../lib/index.js';
import { FakeMsr, FakeNvml, fakePmu } from './meters-fixtures.js';

const cleanup: Array<() => void> = [];
function open(options: MeterOptions): Meters {
  const m = openMeters(options);
  cleanup.push(() => m.close());
  return m;
}
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

describe('NVML through dlopen of a fake libnvidia-ml', () => {
  function gpus(): FakeNvml {
    const f = new FakeNvml({ count: 2, name0: 'Fake H100', arch0: 9, energy0: 5_000_000, name1: 'Fake P100', arch1: 4, power1: 50_000 });
    cleanup.push(() => f.remove());
    return f;
  }

  it('reads the energy counter on Volta+ and integrates power before Volta', () => {
    const f = gpus();
    const m = open({ cpu: 'none', gpu: 'nvml', nvmlLibrary: f.library, poll: false });
    expect(m.domains.map((d) => [d.key, d.kind, d.device, d.inTotal])).toEqual([
      ['gpu-0', 'gpu', 0, true],
      ['gpu-1', 'gpu', 1, true],
    ]);
    expect(m.domains[0].method).toMatch(/gpu-0 Fake H100 energy counter \(mJ\); gpu-1 Fake P100 power \(mW\) integrated/);
    const w = m.begin('train');
    f.set('energy0', 5_004_321);
    m.sample();
    f.set('energy0', 5_250_000);
    const e = m.end(w);
    expect(e.joules['gpu-0']).toBe(250_000 * 1e-3);
    expect(e.joules['gpu-1']).toBeCloseTo(50 * e.seconds, 9); // constant 50 W, trapezoid-integrated
    expect(e.gpuJ).toBe(e.joules['gpu-0']! + e.joules['gpu-1']!);
    expect(e.cpuJ).toBeNull(); // no CPU measured: unknown, not 0
    expect(e.totalJ).toBe(e.gpuJ);
    expect(e.sources).toEqual(['nvml']);
    expect(m.pollerStats().periodS).toBeNull(); // poll: false
  });

  it('selects GPUs; a missing index says how many exist', () => {
    const f = gpus();
    expect(open({ cpu: 'none', gpu: 'nvml', nvmlLibrary: f.library, gpus: [1], poll: false }).domains.map((d) => d.key)).toEqual(['gpu-1']);
    expect(() => openMeters({ cpu: 'none', gpu: 'nvml', nvmlLibrary: f.library, gpus: [3] })).toThrow(/GPU 3 does not exist: NVML sees 2 GPU\(s\)/);
    // Twice would sum one counter twice into gpuJ.
    expect(() => openMeters({ cpu: 'none', gpu: 'nvml', nvmlLibrary: f.library, gpus: [1, 0, 1] })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(/GPU 1 is selected twice .*list each index once/) }),
    );
  });

  it('a power-only GPU sets the poller period to the power sampling period', () => {
    const f = gpus();
    const m = open({ cpu: 'none', gpu: 'nvml', nvmlLibrary: f.library, powerPeriodS: 0.02 });
    expect(m.pollerStats().periodS).toBe(0.02);
  });

  it('maps NVML errors to codes with the fix', () => {
    const f = gpus();
    f.set('init', 4);
    expect(() => openMeters({ cpu: 'none', gpu: 'nvml', nvmlLibrary: f.library })).toThrow(
      expect.objectContaining({ code: 'METER_PERMISSION_DENIED', message: expect.stringMatching(/NVML_ERROR_NO_PERMISSION .*Fix: /) }),
    );
    f.set('init', 9);
    expect(() => openMeters({ cpu: 'none', gpu: 'nvml', nvmlLibrary: f.library })).toThrow(/DRIVER_NOT_LOADED.*modprobe nvidia/);
    f.set('init', 0);
    const m = open({ cpu: 'none', gpu: 'nvml', nvmlLibrary: f.library, poll: false });
    const w = m.begin();
    f.set('error0', 15);
    m.sample();
    f.unset('error0');
    const e = m.end(w);
    expect(e.joules['gpu-0']).toBeNull();
    expect(e.joules['gpu-1']).not.toBeNull();
    expect(m.lastError()).toMatch(/GPU_IS_LOST/);
  });

  it('gpu auto without a driver reports why next to the CPU source in use', () => {
    const m = open({ cpu: 'estimate', nvmlLibrary: '/nonexistent/libnvidia-ml.so.1', poll: false });
    const nvml = m.sources.find((s) => s.source === 'nvml')!;
    expect(nvml).toMatchObject({ available: false, selected: false, code: 'METER_UNAVAILABLE' });
    expect(nvml.reason).toMatch(/cannot load \/nonexistent\/libnvidia-ml.so.1/);
    expect(nvml.fix).toMatch(/install the NVIDIA driver/);
  });
});

describe('RAPL through MSR files', () => {
  it('decodes the unit register and extends 32-bit counters across wraps', () => {
    const f = new FakeMsr(2, 2);
    cleanup.push(() => f.remove());
    for (const cpu of [0, 2]) {
      f.set(cpu, 0x606, 0xa1003n); // ESU 16: 2^-16 J
      f.set(cpu, 0x611, 0xfffff000n);
      f.set(cpu, 0x619, 1n);
    }
    const m = open({ cpu: 'msr', gpu: 'none', msrPath: f.pattern, cpuSysfsRoot: f.cpuRoot, cpuid: { vendor: 'GenuineIntel', family: 6, model: 0x9a }, poll: false });
    expect(m.domains.map((d) => d.key)).toEqual(['package-0', 'dram-0', 'package-1', 'dram-1']);
    const w = m.begin();
    let counts = 0n;
    for (let step = 0; step < 8; step++) {
      f.add(0, 0x611, 1_700_000_000n); // ~0.4 of 2^32 per poll: 3 wraps over 8 polls
      counts += 1_700_000_000n;
      m.sample();
    }
    const e = m.end(w);
    expect(e.joules['package-0']).toBe(Number(counts) * 2 ** -16);
    expect(e.joules['package-1']).toBe(0);
    expect(m.pollerStats().periodS).toBeNull();
  });

  it('explains a missing msr device', () => {
    expect(() => openMeters({ cpu: 'msr', gpu: 'none', msrPath: '/nonexistent/%d/msr', cpuid: { vendor: 'GenuineIntel', family: 6, model: 0x55 } })).toThrow(
      /modprobe msr/,
    );
    expect(() => openMeters({ cpu: 'msr', cpuid: { vendor: 'VIA', family: 6, model: 1 } as never })).toThrow(/cpuid.vendor/);
  });
});

describe('perf_event', () => {
  it('opens a real system-wide counter described by a fake PMU tree (software cpu-clock, 1e-9 "J" per ns)', () => {
    const pmu = fakePmu(1, { 'energy-pkg': { config: 0, scale: '1e-9' } });
    cleanup.push(() => pmu.remove());
    const m = open({ cpu: 'perf_event', gpu: 'none', perfRoot: pmu.root, poll: false });
    expect(m.domains.map((d) => d.key)).toEqual(['package-0']);
    const w = m.begin();
    const until = Date.now() + 30;
    while (Date.now() < until) {
      /* CPU 0's clock runs */
    }
    const e = m.end(w);
    expect(e.joules['package-0']).toBeGreaterThan(0);
    expect(e.joules['package-0']!).toBeLessThanOrEqual(e.seconds * 1.05 + 1e-3);
  });

  it('explains a refused perf_event_open (a PMU type this kernel lacks)', () => {
    const pmu = fakePmu(4242, { 'energy-pkg': { config: 2, scale: '2.3283064365386962890625e-10' } });
    cleanup.push(() => pmu.remove());
    expect(() => openMeters({ cpu: 'perf_event', gpu: 'none', perfRoot: pmu.root })).toThrow(
      /perf_event_open\(energy-pkg, PMU type 4242\) failed: No such file or directory.*Fix: /,
    );
  });
});
