import { describe, expect, it } from 'vitest';
import { cacheInfo, cpuInfo } from '../lib/index.js';

describe('hardware detection', () => {
  it('reports plausible, self-consistent cache levels with their source', () => {
    const { levels, rejected } = cacheInfo();
    const l1 = levels.find((c) => c.level === 1 && c.type !== 'instruction');
    const l2 = levels.find((c) => c.level === 2);
    expect(l1 && l2).toBeTruthy();
    for (const c of levels) {
      expect(c.sizeBytes).toBe(c.ways * c.sets * c.lineBytes);
      expect([32, 64, 128, 256]).toContain(c.lineBytes);
      expect(c.source).toMatch(/^(cpuid|sysfs|sysconf|assumed)/);
    }
    expect(l1!.sizeBytes).toBeGreaterThanOrEqual(4096);
    expect(l1!.sizeBytes).toBeLessThanOrEqual(512 << 10);
    const l3 = levels.find((c) => c.level === 3);
    if (l3) expect(l3.sizeBytes).toBeLessThanOrEqual(256 << 20);
    for (const r of rejected) expect(r).toMatch(/outside \[/);
  });

  it('lists only ISAs that cpuid and the OS both allow', () => {
    const cpu = cpuInfo();
    expect(cpu.logicalCores).toBeGreaterThanOrEqual(1);
    expect(cpu.isas).toContain('reference');
    expect(cpu.isas).toContain(cpu.bestIsa);
    expect(cpu.isas.includes('avx512')).toBe(cpu.flags.avx512f && cpu.flags.avx512bw && cpu.flags.avx512dq &&
      cpu.flags.avx512vl && cpu.flags.fma && cpu.flags.osAvx512);
    expect(cpu.isas.includes('avx2')).toBe(cpu.flags.avx2 && cpu.flags.fma && cpu.flags.osAvx);
    expect(cpu.microTiles.reference.length).toBeGreaterThan(0);
  });
});
