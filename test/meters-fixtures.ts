/**
 * Fixtures for the meters tests, built in temp dirs: a fake powercap tree whose counters follow a
 * scripted sequence of energy increments, wrapping at max_energy_range_uj like the kernel's.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
