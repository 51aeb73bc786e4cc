/**
 * Power traces recorded by the sweep (`mlp-energy sweep --trace-hz N`, store table `power_traces`), grouped per run
 * for the report. Samples whose counter could not be read (NULL watts) are left out rather than drawn as 0 W.
 */
import type { Queryable } from '../model/from-store.js';
import type { RunPowerTrace } from './charts.js';

/** Most runs drawn in the trace chart; more lines would be unreadable. */
export const MAX_TRACED_RUNS = 12;

export async function tracesFromStore(store: Queryable, maxRuns = MAX_TRACED_RUNS): Promise<RunPowerTrace[]> {
  const rows = await store.query(
    `SELECT run_id, t, domain, watts, coalesce(estimated, false) AS estimated FROM power_traces
     WHERE watts IS NOT NULL
       AND run_id IN (SELECT DISTINCT run_id FROM power_traces WHERE watts IS NOT NULL ORDER BY run_id LIMIT ${Math.max(1, Math.floor(maxRuns))})
     ORDER BY run_id, domain, t`,
  );
  const byRun = new Map<string, Array<{ t_s: number; power_w: number; domain: string; estimated: boolean }>>();
  for (const row of rows) {
    const id = String(row.run_id);
    const list = byRun.get(id) ?? [];
    list.push({ t_s: Number(row.t), power_w: Number(row.watts), domain: String(row.domain), estimated: Boolean(row.estimated) });
    byRun.set(id, list);
  }
  return [...byRun].map(([run_id, samples]) => ({ run_id, samples }));
}
