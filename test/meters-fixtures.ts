/**
 * Fixtures for the meters tests, built in temp dirs: a fake powercap tree whose counters follow a
 * scripted sequence of energy increments, wrapping at max_energy_range_uj like the kernel's.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, mkdirSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ZoneSpec {
  dir: string; // intel-rapl:0, intel-rapl:0:1, ...
  name: string; // package-0, core, dram, psys
  rangeUj: number; // max_energy_range_uj: the counter runs 0..rangeUj
  startUj?: number;
}

export class FakePowercap {
  readonly root: string;
  readonly zones: ZoneSpec[];
  /** Current raw value of each zone's energy_uj. */
  readonly raw = new Map<string, number>();
  /** Scripted truth: µJ added to each zone since creation. */
  readonly truthUj = new Map<string, number>();

  constructor(zones: ZoneSpec[]) {
    this.root = mkdtempSync(join(tmpdir(), 'mlpe-powercap-'));
    this.zones = zones;
    mkdirSync(join(this.root, 'intel-rapl')); // the control-type directory real trees have: not a zone
    for (const z of zones) {
      mkdirSync(join(this.root, z.dir));
      writeFileSync(join(this.root, z.dir, 'name'), z.name + '\n');
      writeFileSync(join(this.root, z.dir, 'max_energy_range_uj'), `${z.rangeUj}\n`);
      this.raw.set(z.dir, z.startUj ?? 0);
      this.truthUj.set(z.dir, 0);
      this.write(z.dir);
    }
  }

  write(dir: string, content?: string): void {
    writeFileSync(join(this.root, dir, 'energy_uj'), content ?? `${this.raw.get(dir)}\n`);
  }

  /** Add µJ to a zone; the file wraps modulo rangeUj + 1 exactly like energy_uj. */
  add(dir: string, uj: number): void {
    const zone = this.zones.find((z) => z.dir === dir)!;
    this.raw.set(dir, (this.raw.get(dir)! + uj) % (zone.rangeUj + 1));
    this.truthUj.set(dir, this.truthUj.get(dir)! + uj);
    this.write(dir);
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Two packages, nested core/uncore, dram under package 0 (as on servers) and a psys zone. */
export function twoSocketTree(rangeUj = 999_999): FakePowercap {
  return new FakePowercap([
    { dir: 'intel-rapl:0', name: 'package-0', rangeUj, startUj: 123_456 },
    { dir: 'intel-rapl:0:0', name: 'core', rangeUj, startUj: 5 },
    { dir: 'intel-rapl:0:1', name: 'uncore', rangeUj },
    { dir: 'intel-rapl:0:2', name: 'dram', rangeUj, startUj: 999_000 },
    { dir: 'intel-rapl:1', name: 'package-1', rangeUj, startUj: 42 },
    { dir: 'intel-rapl:1:0', name: 'core', rangeUj },
    { dir: 'intel-rapl:2', name: 'psys', rangeUj },
  ]);
}

/** A deterministic pseudo-random sequence (LCG) so scripted increments differ per step and zone. */
export function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** A fake libnvidia-ml.so compiled with cc from native/tests/fixtures/fake_nvml.c; GPUs scripted by files. */
export class FakeNvml {
  readonly dir = mkdtempSync(join(tmpdir(), 'mlpe-nvml-'));
  readonly library = join(this.dir, 'libnvidia-ml-fake.so');
  constructor(files: Record<string, string | number>) {
    const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'native', 'tests', 'fixtures', 'fake_nvml.c');
    execFileSync('cc', ['-shared', '-fPIC', '-O1', `-DFAKE_NVML_DIR="${this.dir}"`, src, '-o', this.library]);
    for (const [name, value] of Object.entries(files)) this.set(name, value);
  }
  set(name: string, value: string | number): void {
    writeFileSync(join(this.dir, name), `${value}\n`);
  }
  unset(name: string): void {
    rmSync(join(this.dir, name), { force: true });
  }
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** CPU topology (cpuN/topology) and one sparse file per CPU standing for /dev/cpu/N/msr. */
export class FakeMsr {
  readonly root = mkdtempSync(join(tmpdir(), 'mlpe-msr-'));
  constructor(packages: number, coresPerPackage: number) {
    mkdirSync(join(this.root, 'dev'));
    for (let cpu = 0; cpu < packages * coresPerPackage; cpu++) {
      const topo = join(this.root, 'cpu', `cpu${cpu}`, 'topology');
      mkdirSync(topo, { recursive: true });
      writeFileSync(join(topo, 'physical_package_id'), `${Math.floor(cpu / coresPerPackage)}\n`);
      writeFileSync(join(topo, 'core_id'), `${cpu % coresPerPackage}\n`);
      writeFileSync(this.device(cpu), '');
    }
  }
  get pattern(): string {
    return join(this.root, 'dev', '%d-msr');
  }
  get cpuRoot(): string {
    return join(this.root, 'cpu');
  }
  device(cpu: number): string {
    return join(this.root, 'dev', `${cpu}-msr`);
  }
  get(cpu: number, register: number): bigint {
    const fd = openSync(this.device(cpu), 'r');
    const buf = Buffer.alloc(8);
    readSync(fd, buf, 0, 8, register);
    closeSync(fd);
    return buf.readBigUInt64LE();
  }
  set(cpu: number, register: number, value: bigint): void {
    const fd = openSync(this.device(cpu), 'r+');
    const buf = Buffer.alloc(8);
    buf.writeBigUInt64LE(value);
    writeSync(fd, buf, 0, 8, register);
    closeSync(fd);
  }
  /** Adds counts to a 32-bit energy status register (bits 31:0), wrapping like the hardware. */
  add(cpu: number, register: number, counts: bigint): void {
    this.set(cpu, register, (this.get(cpu, register) + counts) & 0xffffffffn);
  }
  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** A perf PMU sysfs tree: type, cpumask and energy-* events with scale and unit. */
export function fakePmu(type: number, events: Record<string, { config: number; scale: string }>): { root: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'mlpe-pmu-'));
  writeFileSync(join(root, 'type'), `${type}\n`);
  writeFileSync(join(root, 'cpumask'), '0\n');
  mkdirSync(join(root, 'events'));
  for (const [name, e] of Object.entries(events)) {
    writeFileSync(join(root, 'events', name), `event=0x${e.config.toString(16).padStart(2, '0')}\n`);
    writeFileSync(join(root, 'events', `${name}.scale`), `${e.scale}\n`);
    writeFileSync(join(root, 'events', `${name}.unit`), 'Joules\n');
  }
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
