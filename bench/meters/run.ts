/**
 * Meters benchmark, one command (`npm run bench:meters`): ns per raw native read for each source on
 * fixtures (plus this machine's real counters where present), JS begin+end window cost, and the poller's
 * CPU use. Peer in the same run: what a pure-JS tool does (readFileSync + parse of the same sysfs files).
 * Targets (issue 4): <= 2 us per native read, <= 5 us per JS window, poller <= 0.5% of a core.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openMeters, type Meters, type MeterOptions } from '../../lib/index.js';
import { FakeMsr, FakeNvml, fakePmu, twoSocketTree } from '../../test/meters-fixtures.js';

const quick = process.argv.includes('--quick');
const N = quick ? 20_000 : 200_000;
const rows: string[][] = [];
const row = (...cells: (string | number)[]) => rows.push(cells.map(String));
const ns = (x: number) => x.toFixed(0);

function timeNs(iterations: number, fn: () => void): number {
  for (let i = 0; i < Math.min(1000, iterations); i++) fn(); // warm-up (JIT, page cache)
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - t0) / iterations;
}

const cleanup: Array<() => void> = [];
function open(options: MeterOptions): Meters {
  const m = openMeters({ poll: false, ...options });
  cleanup.push(() => m.close());
  return m;
}

// --- fixtures ---------------------------------------------------------------------------------
const tree = twoSocketTree();
cleanup.push(() => tree.remove());
const msr = new FakeMsr(1, 2);
cleanup.push(() => msr.remove());
msr.set(0, 0x606, 0xa0e03n);
msr.set(0, 0x611, 12345n);
const pmu = fakePmu(1, { 'energy-pkg': { config: 0, scale: '1e-9' } }); // software cpu-clock: a real perf fd
cleanup.push(() => pmu.remove());
const nvml = new FakeNvml({ count: 1, name0: 'fake', arch0: 9, energy0: 1000 });
cleanup.push(() => nvml.remove());

const sources: Array<[string, MeterOptions]> = [
  ['powercap (fixture: pread of energy_uj on tmpfs)', { cpu: 'powercap', gpu: 'none', powercapRoot: tree.root }],
  ['msr (fixture: pread of a sparse file)', { cpu: 'msr', gpu: 'none', msrPath: msr.pattern, cpuSysfsRoot: msr.cpuRoot, cpuid: { vendor: 'GenuineIntel', family: 6, model: 0x9a } }],
  ['perf_event (real fd: software cpu-clock)', { cpu: 'perf_event', gpu: 'none', perfRoot: pmu.root }],
  ['nvml (fake libnvidia-ml via dlopen)', { cpu: 'none', gpu: 'nvml', nvmlLibrary: nvml.library }],
  ['estimate (clock_gettime + getrusage)', { cpu: 'estimate', gpu: 'none' }],
];

console.log(`# meters bench (${quick ? 'quick' : 'full'}; N=${N}; node ${process.version})\n`);
console.log('## native raw read, ns per read (one counter, loop inside C++)');
for (const [label, options] of sources) {
  const m = open(options);
  row(label, ns(m.rawReadNs(0, N)));
}
for (const source of ['powercap', 'perf_event', 'msr'] as const) {
  try {
    const m = open({ cpu: source, gpu: 'none' });
    row(`${source} (this machine's real counters)`, ns(m.rawReadNs(0, Math.min(N, 20_000))));
  } catch (e) {
    row(`${source} (this machine's real counters)`, `n/a: ${(e as { code?: string }).code}`);
  }
}
const energyFile = join(tree.root, 'intel-rapl:0', 'energy_uj');
const jsRead = timeNs(Math.min(N, 50_000), () => void Number.parseInt(readFileSync(energyFile, 'utf8'), 10));
const nativeRead = open(sources[0][1]).rawReadNs(0, N);
row('peer: JS readFileSync + parseInt of energy_uj', ns(jsRead));
console.table(rows.splice(0).map(([what, value]) => ({ what, 'ns/read': value })));
console.log(`native powercap read is ${(jsRead / nativeRead).toFixed(1)}x faster than the JS peer (target <= 2000 ns)\n`);

console.log('## JS window: meters.begin() + meters.end(), us per window');
const zoneFiles = tree.zones.map((z) => join(tree.root, z.dir, 'energy_uj'));
const jsEdge = () => zoneFiles.map((f) => Number.parseInt(readFileSync(f, 'utf8'), 10));
for (const [label, options] of [sources[0], sources[4], sources[3]]) {
  const m = open(options);
  const per = timeNs(quick ? 5_000 : 50_000, () => void m.end(m.begin()));
  rows.push([`${label.split(' ')[0]} (${m.domains.length} domains)`, (per / 1000).toFixed(2)]);
}
const peerWindow = timeNs(quick ? 2_000 : 20_000, () => {
  const a = jsEdge();
  const b = jsEdge();
  void b.map((v, i) => v - a[i]);
});
rows.push([`peer: JS readFileSync of the same ${zoneFiles.length} files at both edges`, (peerWindow / 1000).toFixed(2)]);
console.table(rows.splice(0).map(([what, value]) => ({ what, 'us/window': value })));

console.log('\n## poller CPU use, % of one core');
const seconds = quick ? 1 : 3;
// Worst case: a counter whose wrap forces the 1 ms floor (the fixture's 1 J range at 1 kW).
const fast = openMeters({ cpu: 'powercap', gpu: 'none', powercapRoot: tree.root });
cleanup.push(() => fast.close());
// Real ranges: Intel package 262143 J, AMD 65535 J (max_energy_range_uj), default 1000 W ceiling.
const intel = twoSocketTree(262_143_328_850);
cleanup.push(() => intel.remove());
const amd = twoSocketTree(65_535_999_969);
cleanup.push(() => amd.remove());
const intelM = openMeters({ cpu: 'powercap', gpu: 'none', powercapRoot: intel.root });
const amdM = openMeters({ cpu: 'powercap', gpu: 'none', powercapRoot: amd.root });
cleanup.push(() => intelM.close(), () => amdM.close());
await new Promise((r) => setTimeout(r, seconds * 1000));
for (const [label, m] of [['fixture, 1 J range (period at the 1 ms floor)', fast], ['Intel range 262 kJ, 1000 W ceiling', intelM], ['AMD range 65.5 kJ, 1000 W ceiling', amdM]] as const) {
  const s = m.pollerStats();
  rows.push([label, s.periodS === null ? 'none' : s.periodS.toPrecision(4), String(s.samples), s.wallS > 0 ? ((100 * s.cpuS) / s.wallS).toFixed(3) : '0']);
}
console.table(rows.splice(0).map(([what, period, samples, cpu]) => ({ what, 'period s': period, samples, '% core': cpu })));
console.log('targets: <= 2 us per native read, <= 5 us per JS window, poller <= 0.5% of a core');
for (const f of cleanup.reverse()) f();
