/**
 * Which machine a tuning belongs to: a tiling tuned on one CPU says nothing about another, so tunings are keyed
 * by what decides the optimum — the CPU model, its cache sizes and the ISA of the micro-kernels.
 */
import { createHash } from 'node:crypto';

export interface Machine {
  cpu_model: string;
  l1d_bytes: number;
  l2_bytes: number;
  l3_bytes: number | null;
  isa: string;
  /** Logical cores the GEMM may use (threads are part of the tiling, so the core count is part of the key). */
  cores: number;
}

export function machineKey(m: Machine): string {
  const text = [m.cpu_model, m.l1d_bytes, m.l2_bytes, m.l3_bytes, m.isa, m.cores].join('|');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
