import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openMeters, measure, calibrateIdle, subtractIdle, Meters } from '../lib/index.js';
import type { MeterOptions } from '../lib/index.js';
import { joulesRecord } from '../lib/meters.js';
import { packageRoot } from '../lib/native.js';
import { FakePowercap, lcg, twoSocketTree } from './meters-fixtures.js';

const fixtures: FakePowercap[] = [];
const opened: Meters[] = [];
function tree(rangeUj?: number): FakePowercap {
  const t = twoSocketTree(rangeUj);
  fixtures.push(t);
  return t;
}
function open(options: MeterOptions): Meters {
  const m = openMeters(options);
  opened.push(m);
  return m;
}
afterEach(() => {
  for (const m of opened.splice(0)) m.close();
  for (const f of fixtures.splice(0)) f.remove();
});

describe('openMeters rejects bad input', () => {
  it('names the option, what was expected and what was received', () => {
    expect(() => openMeters({ cpu: 'rapl' as never })).toThrow(/Expected one of "auto", "powercap".* for cpu but received "rapl"/);
    expect(() => openMeters({ colour: 1 } as never)).toThrow(/Unknown option "colour" for openMeters/);
    expect(() => openMeters({ powercapRoot: 3 } as never)).toThrow(TypeError);
    expect(() => openMeters({ msrPath: '/dev/cpu/0/msr' })).toThrow(/%d standing for the CPU number/);
    expect(() => openMeters({ wattsPerCore: 0 })).toThrow(/between 0.01 and 1000 for wattsPerCore but received 0/);
    expect(() => openMeters({ gpus: [-1] })).toThrow(/gpus\[0\]/);
    expect(() => openMeters({ trace: { hz: 10, every: 1 } } as never)).toThrow(/Unknown option "every" for trace/);
    expect(() => openMeters({ estimateChildren: 'yes' } as never)).toThrow(/estimateChildren/);
    expect(() => openMeters('fast' as never)).toThrow(/an object for options/);
  });

  it('a named source that cannot work throws with the reason and the fix', () => {
    let error: unknown;
    try {
      openMeters({ cpu: 'powercap', gpu: 'none', powercapRoot: '/nonexistent/powercap' });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'METER_UNAVAILABLE' });
    expect(String((error as Error).message)).toMatch(/likely a VM or a container.*Fix: .*modprobe intel_rapl_msr/);
  });

  it('malformed sysfs content is refused at open, naming the file', () => {
    const t = tree();
    t.write('intel-rapl:1', 'not-a-number\n');
    expect(() => openMeters({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root, poll: false })).toThrow(
      /intel-rapl:1\/energy_uj holds "not-a-number/,
    );
  });

  it('a file given as powercapRoot is named as not a directory, not as a machine without RAPL', () => {
    const t = tree();
    expect(() => openMeters({ cpu: 'powercap', gpu: 'none', powercapRoot: join(t.root, 'intel-rapl:0', 'name') })).toThrow(
      expect.objectContaining({ code: 'METER_UNAVAILABLE', message: expect.stringMatching(/intel-rapl:0\/name is not a directory\. Fix: pass powercapRoot \(--powercap-root\) the powercap tree/) }),
    );
  });

  it('an empty powercap directory says there is no RAPL here', () => {
    const t = new FakePowercap([]);
    fixtures.push(t);
    expect(() => openMeters({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root })).toThrow(/no intel-rapl zones/);
  });
});

describe('windows on a fake powercap tree', () => {
  it('discovers packages, nested domains and psys, and sums only package + dram', () => {
    const t = tree();
    const m = open({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root, poll: false });
    expect(m.domains.map((d) => d.key)).toEqual(['package-0', 'core-0', 'uncore-0', 'dram-0', 'package-1', 'core-1', 'psys']);
    const byKey = Object.fromEntries(m.domains.map((d) => [d.key, d]));
    expect(byKey['core-0']).toMatchObject({ kind: 'core', device: 0, includedIn: 'package-0', inTotal: false });
    expect(byKey['core-1']).toMatchObject({ kind: 'core', device: 1, includedIn: 'package-1', inTotal: false });
    expect(byKey['dram-0']).toMatchObject({ kind: 'dram', includedIn: null, inTotal: true });
    expect(byKey['psys']).toMatchObject({ kind: 'psys', inTotal: false });
    expect(byKey['package-1']).toMatchObject({ source: 'powercap', estimated: false, updateIntervalS: 0.001 });
    expect(m.sources.find((s) => s.source === 'powercap')).toMatchObject({ available: true, selected: true });
  });

  it('counts across at least 3 wraps per zone match the scripted truth exactly', () => {
    const t = tree(999_999);
    const m = open({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root, poll: false });
    const w = m.begin('run');
    const rand = lcg(7);
    const wraps = new Map<string, number>();
    for (let step = 0; step < 16; step++) {
      for (const z of t.zones) {
        const before = t.raw.get(z.dir)!;
        t.add(z.dir, Math.floor(250_000 + rand() * 700_000)); // < one range per poll, as the poller guarantees
        if (t.raw.get(z.dir)! < before) wraps.set(z.dir, (wraps.get(z.dir) ?? 0) + 1);
      }
      m.sample();
    }
    const e = m.end(w);
    for (const z of t.zones) expect(wraps.get(z.dir)).toBeGreaterThanOrEqual(3);
    const key = (dir: string) => m.domains[t.zones.findIndex((z) => z.dir === dir)].key;
    for (const z of t.zones) expect(e.joules[key(z.dir)]).toBe(t.truthUj.get(z.dir)! * 1e-6);
    const truthJ = (dir: string) => t.truthUj.get(dir)! * 1e-6;
    expect(e.cpuJ).toBe(truthJ('intel-rapl:0') + truthJ('intel-rapl:0:2') + truthJ('intel-rapl:1'));
    expect(e.totalJ).toBe(e.cpuJ);
    expect(e.gpuJ).toBeNull();
    expect(e.totalDomains).toEqual({ cpu: ['package-0', 'dram-0', 'package-1'], gpu: [] });
    expect(e).toMatchObject({ name: 'run', sources: ['powercap'], estimated: false, belowResolution: false });
    expect(e.estimate).toBeUndefined();
    expect(e.seconds).toBeGreaterThan(0);
  });

  it('nested and overlapping windows each get their own edges', () => {
    const t = tree(999_999);
    const m = open({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root, poll: false });
    const pkg = 'intel-rapl:0';
    const steps = [400_000, 900_000, 10, 650_000, 777_777, 1, 999_999, 300_000];
    const windows: Record<string, ReturnType<Meters['begin']>> = {};
    const start: Record<string, number> = {};
    const results: Record<string, number | null> = {};
    const plan: Record<number, { begin?: string[]; end?: string[] }> = {
      0: { begin: ['outer'] },
      2: { begin: ['inner', 'overlap'] },
      5: { end: ['inner'] },
      7: { end: ['outer'] },
      8: { end: ['overlap'] },
    };
    for (let i = 0; i <= steps.length; i++) {
      for (const name of plan[i]?.begin ?? []) {
        windows[name] = m.begin(name);
        start[name] = t.truthUj.get(pkg)!;
      }
      for (const name of plan[i]?.end ?? []) {
        results[name] = m.end(windows[name]).joules['package-0'];
        start[name] = t.truthUj.get(pkg)! - start[name];
      }
      if (i < steps.length) {
        t.add(pkg, steps[i]);
        m.sample();
      }
    }
    for (const name of ['outer', 'inner', 'overlap']) expect(results[name]).toBe(start[name] * 1e-6);
  });

  it('window names: duplicates among open windows and unknown windows are errors', () => {
    const t = tree();
    const m = open({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root, poll: false });
    const a = m.begin('epoch');
    expect(() => m.begin('epoch')).toThrow(expect.objectContaining({ code: 'METER_WINDOW_EXISTS' }));
    const anon1 = m.begin();
    const anon2 = m.begin();
    m.end(anon2);
    m.end(anon1);
    m.end(a);
    expect(() => m.end(a)).toThrow(expect.objectContaining({ code: 'METER_WINDOW_UNKNOWN' }));
    expect(() => m.end({ id: 999, name: null })).toThrow(/not open/);
    expect(() => m.end(undefined as never)).toThrow(TypeError);
    expect(() => m.begin('')).toThrow(TypeError);
    m.begin('epoch'); // the name is free again once ended
  });

  it('an id that is not an open window never ends another one, and close() ends them all', () => {
    const t = tree();
    const m = openMeters({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root, poll: false });
    const w = m.begin('kept');
    // Neither truncates onto w's id.
    for (const id of [w.id + 0.5, w.id + 2 ** 32, -w.id, Number.NaN, Infinity]) {
      expect(() => m.end({ id, name: null })).toThrow(expect.objectContaining({ code: 'METER_WINDOW_UNKNOWN', message: expect.stringMatching(/not open/) }));
    }
    expect(m.end(w).name).toBe('kept');
    const open1 = m.begin();
    m.close();
    expect(() => m.end(open1)).toThrow(expect.objectContaining({ code: 'METER_WINDOW_UNKNOWN', message: expect.stringMatching(/these meters were closed, which ended it/) }));
    expect(() => m.begin('late')).toThrow(expect.objectContaining({ code: 'METER_CLOSED' }));
  });

  it("a window of other meters is refused, never ending this meters' window with the same id", () => {
    const t = tree();
    const m = open({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root, poll: false });
    const other = open({ cpu: 'estimate', gpu: 'none', poll: false });
    const mine = m.begin('mine');
    const theirs = other.begin();
    expect(theirs.id).toBe(mine.id);
    expect(() => m.end(theirs)).toThrow(expect.objectContaining({ code: 'METER_WINDOW_UNKNOWN', message: expect.stringMatching(/begun on other meters/) }));
    expect(m.end(mine).name).toBe('mine'); // still open: nothing ended it
    expect(other.end(theirs).name).toBeNull();
    expect(JSON.parse(JSON.stringify(m.begin('plain')))).toEqual({ id: mine.id + 1, name: 'plain' });
  });

  it('meters dropped without close() are collected safely, in whichever order the GC finalizes their parts', () => {
    // The addon's window functions share the meters with the native object; each holds them alive, so a
    // function that outlives its object still works and nothing is freed twice.
    const addon = process.env.MLP_ENERGY_ADDON ?? join(packageRoot(), 'build', 'Release', 'mlp_energy.node');
    const script = `
      const { Meters } = require(${JSON.stringify(addon)});
      const opts = { cpu: 'estimate', gpu: 'none', poll: false };
      const orphan = new Meters(opts).window(); // its native object is garbage at once
      const kept = [];
      for (let i = 0; i < 500; i++) {
        const m = new Meters(opts);
        const w = m.window();
        if (i % 3 === 0) kept.push(w);
        if (i % 5 === 0) m.close();
      }
      for (let i = 0; i < 3; i++) gc();
      orphan.end(orphan.begin());
      let ok = 0, closed = 0;
      for (const w of kept) {
        try { w.end(w.begin()); ok++; } catch (e) { if (e.code !== 'METER_CLOSED') throw e; closed++; }
      }
      kept.length = 0;
      gc();
      setTimeout(() => { gc(); console.log(JSON.stringify({ seconds: orphan.out[0], ok, closed })); }, 20);`;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.seconds).toBeGreaterThanOrEqual(0);
    expect(out).toMatchObject({ ok: 167 - 34, closed: 34 }); // every 3rd kept, every 15th of those closed
  });

  it('results have one shape: joules keyed in domain order, estimate present only for an estimate', () => {
    const t = tree();
    const m = open({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root, poll: false });
    const first = m.end(m.begin());
    t.write('intel-rapl:1', 'garbage\n');
    const second = m.end(m.begin()); // package-1 unreadable at the end edge: null, not 0
    expect(Object.keys(first.joules)).toEqual(m.domains.map((d) => d.key));
    expect(Object.keys(second.joules)).toEqual(m.domains.map((d) => d.key));
    expect(second.joules['package-1']).toBeNull();
    expect(Object.keys(second)).toEqual(Object.keys(first));
    expect('estimate' in first).toBe(false);
    const e = open({ cpu: 'estimate', gpu: 'none', poll: false });
    const r = e.end(e.begin());
    expect(r).toMatchObject({ estimated: true, estimate: e.domains[0].method });
    expect(Object.keys(r)).toEqual([...Object.keys(first), 'estimate']);
  });

  it('a window that read zero is flagged belowResolution, not failed', () => {
    const t = tree();
    const m = open({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root, poll: false });
    const w = m.begin();
    t.add('intel-rapl:0', 1234);
    const e = m.end(w);
    expect(e.joules['package-0']).toBe(1234 * 1e-6);
    expect(e.joules['package-1']).toBe(0);
    expect(e.belowResolution).toBe(true);
    expect(e.belowResolutionDomains).toContain('package-1');
  });

  it('a counter that turns unreadable mid-window gives null for its domain only, with the reason', () => {
    const t = tree();
    const m = open({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root, poll: false });
    const w = m.begin();
    t.add('intel-rapl:0', 5000);
    t.write('intel-rapl:1', 'garbage\n');
    m.sample();
    t.write('intel-rapl:1');
    const e = m.end(w);
    expect(e.joules['package-1']).toBeNull();
    expect(e.joules['package-0']).toBe(5000 * 1e-6);
    expect(e.cpuJ).toBeNull(); // a counted domain is unknown, so the sum is unknown: never a silent 0
    expect(m.lastError()).toMatch(/intel-rapl:1\/energy_uj holds "garbage/);
    // A window opened after the failure reads again.
    const w2 = m.begin();
    t.add('intel-rapl:1', 77);
    expect(m.end(w2).joules['package-1']).toBe(77 * 1e-6);
  });

  it('a value beyond max_energy_range_uj is reported, not folded in', () => {
    const t = tree(999_999);
    const m = open({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root, poll: false });
    const w = m.begin();
    t.write('intel-rapl:0', '5000000\n');
    expect(m.end(w).joules['package-0']).toBeNull();
    expect(m.lastError()).toMatch(/beyond its range 999999/);
  });

  it('closed meters refuse further use', () => {
    const t = tree();
    const m = openMeters({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root });
    m.close();
    expect(() => m.begin()).toThrow(expect.objectContaining({ code: 'METER_CLOSED' }));
    m.close(); // idempotent
  });
});

describe('result record', () => {
  it('the compiled joules record equals the plain loop, for any key, NaN read as null', () => {
    const keys = ['package-0', 'powercap:package-0', 'a"b\\c', 'constructor', '__proto__'];
    const out = Float64Array.from([0.5, 1.25, Number.NaN, 0, 3, 4]);
    const loop = joulesRecord(keys, false)(out);
    expect(loop).toEqual({ 'package-0': 1.25, 'powercap:package-0': null, 'a"b\\c': 0, constructor: 3 });
    expect(Object.getOwnPropertyNames(loop)).toEqual(keys.slice(0, 4)); // '__proto__' is not an own key
    expect(joulesRecord(keys)(out)).toEqual(loop);
    const plain = keys.slice(0, 4);
    const compiled = joulesRecord(plain)(out);
    expect(compiled).toEqual(joulesRecord(plain, false)(out));
    expect(Object.keys(compiled)).toEqual(plain);
    expect(Object.getPrototypeOf(compiled)).toBe(Object.prototype);
  });
});

describe('poller', () => {
  it('takes its period from the wrap range and the power ceiling', async () => {
    const t = tree(999_999); // modulus 1 J
    const m = open({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root, powerCeilingW: 100 });
    // 1 J at 100 W wraps in 10 ms; four reads per wrap -> 2.5 ms.
    expect(m.pollerStats().periodS).toBeCloseTo(0.0025, 12);
    // Let the poller run: idle here (a busy loop would take the core it needs on a loaded 2-core machine),
    // up to 5 s for its first sample under load; one comes within a few ms otherwise.
    for (let waited = 0; m.pollerStats().samples === 0 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    const s = m.pollerStats();
    expect(s.samples).toBeGreaterThan(0);
    expect(s.wallS).toBeGreaterThan(0);
    expect(s.cpuS).toBeGreaterThanOrEqual(0);
  });

  it('never polls slower than the wrap requires and never faster than minPeriodS', () => {
    const t = tree(999_999);
    const m = open({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root, powerCeilingW: 100_000 });
    expect(m.pollerStats().periodS).toBe(0.001);
    const off = open({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root, poll: false });
    expect(off.pollerStats().periodS).toBeNull();
  });
});

describe('estimate', () => {
  it('is labelled estimated, says how, and scales with wattsPerCore', async () => {
    const m = open({ cpu: 'estimate', gpu: 'none', wattsPerCore: 20, poll: false });
    expect(m.domains).toEqual([expect.objectContaining({ key: 'cpu', kind: 'cpu', estimated: true, inTotal: true })]);
    const cpu0 = process.cpuUsage();
    const { result, energy } = await measure(m, () => {
      let x = 0;
      const until = Date.now() + 80;
      while (Date.now() < until) x += Math.sqrt(x + 1);
      return x;
    });
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    expect(result).toBeGreaterThan(0);
    expect(energy.estimated).toBe(true);
    expect(energy.estimate).toMatch(/process CPU time .* x 20 W per busy core/);
    // Native reads CLOCK_PROCESS_CPUTIME_ID, Node reads getrusage: same clock, edges a few µs apart.
    expect(energy.joules.cpu).toBeGreaterThan(0);
    expect(energy.joules.cpu! / 20).toBeCloseTo(cpuS, 2);
    expect(energy.cpuJ).toBe(energy.joules.cpu);
  });

  it('counts waited-for child processes unless estimateChildren is false', () => {
    // A child burning ~150 ms of CPU, spawned and reaped inside each window.
    const child = () => spawnSync(process.execPath, ['-e', 'const t = process.cpuUsage(); while (process.cpuUsage(t).user < 150e3);']);
    const withChildren = open({ cpu: 'estimate', gpu: 'none', poll: false });
    const thisOnly = open({ cpu: 'estimate', gpu: 'none', poll: false, estimateChildren: false });
    expect(thisOnly.domains[0].method).toMatch(/this process only, not its children/);
    const a = withChildren.begin();
    const b = thisOnly.begin();
    child();
    const only = thisOnly.end(b).joules.cpu!;
    const all = withChildren.end(a).joules.cpu!;
    // >= 0.15 s of child CPU x 10 W, seen only by the meters that count children.
    expect(all - only).toBeGreaterThan(1.4);
    expect(only).toBeLessThan(1);
  });

  it('counts the children only with estimateSelf false (a window around a command run as a child)', () => {
    const all = open({ cpu: 'estimate', gpu: 'none', poll: false });
    const thisOnly = open({ cpu: 'estimate', gpu: 'none', poll: false, estimateChildren: false });
    const childrenOnly = open({ cpu: 'estimate', gpu: 'none', poll: false, estimateSelf: false });
    expect(childrenOnly.domains[0].method).toMatch(/waited-for child processes only, not this one/);
    const windows = [all.begin(), thisOnly.begin(), childrenOnly.begin()];
    const t = process.cpuUsage();
    while (process.cpuUsage(t).user < 150e3); // ~0.15 s of this process's CPU
    spawnSync(process.execPath, ['-e', 'const t = process.cpuUsage(); while (process.cpuUsage(t).user < 150e3);']);
    const theirs = childrenOnly.end(windows[2]).joules.cpu!;
    const ours = thisOnly.end(windows[1]).joules.cpu!;
    const both = all.end(windows[0]).joules.cpu!;
    expect(ours).toBeGreaterThan(1.4); // >= 0.15 s x 10 W of this process
    expect(theirs).toBeGreaterThan(1.4); // >= 0.15 s x 10 W of the child
    // The children-only window holds what the full one holds minus this process's part (edges µs apart).
    expect(Math.abs(theirs - (both - ours))).toBeLessThan(0.05);
    expect(() => openMeters({ cpu: 'estimate', gpu: 'none', estimateSelf: false, estimateChildren: false })).toThrow(
      /counts nothing with estimateSelf and estimateChildren both false/,
    );
    expect(() => openMeters({ estimateSelf: 1 } as never)).toThrow(/estimateSelf/);
  });

  it('auto falls back to it with the reason each counter failed', () => {
    const m = open({ powercapRoot: '/nonexistent/powercap', poll: false, gpu: 'none' });
    const powercap = m.sources.find((s) => s.source === 'powercap')!;
    expect(powercap).toMatchObject({ available: false, selected: false, code: 'METER_UNAVAILABLE' });
    expect(powercap.reason).toMatch(/does not exist.*likely a VM or a container/);
    expect(powercap.fix).toMatch(/modprobe intel_rapl_msr/);
    expect(m.sources.find((s) => s.source === 'estimate')).toMatchObject({ available: true, selected: true, estimated: true });
  });

  it('measure ends the window when fn throws, and rethrows', async () => {
    const m = open({ cpu: 'estimate', gpu: 'none', poll: false });
    await expect(measure(m, () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(m.begin('again')).toMatchObject({ name: 'again' });
  });

  it("measure rethrows fn's own error even when fn closed the meters, and says when closing ended the window", async () => {
    const m = open({ cpu: 'estimate', gpu: 'none', poll: false });
    await expect(measure(m, () => { m.close(); throw new Error('mine'); })).rejects.toThrow('mine');
    const n = open({ cpu: 'estimate', gpu: 'none', poll: false });
    await expect(measure(n, async () => { n.close(); return 1; })).rejects.toThrow(/not open: these meters were closed/);
  });

  it('gpus must be a non-empty list ([] would have meant every GPU)', () => {
    expect(() => openMeters({ gpus: [] })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(/non-empty array .* for gpus/) }));
  });
});

describe('trace and idle', () => {
  it('records a power trace at the chosen rate into a ring buffer', () => {
    const m = open({ cpu: 'estimate', gpu: 'none', trace: { hz: 500, capacity: 8 } });
    // Busy until the ring buffer has wrapped (bounded, as a loaded machine may poll late).
    const limit = Date.now() + 5000;
    let x = 0;
    while (m.trace().dropped === 0 && Date.now() < limit) for (let i = 0; i < 1e5; i++) x += Math.sqrt(x + i);
    const tr = m.trace();
    expect(tr.tS.length).toBe(8);
    expect(tr.dropped).toBeGreaterThan(0);
    for (let i = 1; i < tr.tS.length; i++) expect(tr.tS[i]).toBeGreaterThan(tr.tS[i - 1]);
    for (const p of tr.powerW.cpu) expect(p).toBeGreaterThanOrEqual(0);
    // A busy thread under the estimate draws power: CPU time x wattsPerCore over the samples.
    expect(Math.max(...tr.powerW.cpu)).toBeGreaterThan(0);
    // The trace integrates back into the counter: sum of P x dt over the kept samples <= the total so far.
    let traced = 0;
    for (let i = 1; i < tr.tS.length; i++) traced += tr.powerW.cpu[i] * (tr.tS[i] - tr.tS[i - 1]);
    expect(traced).toBeLessThanOrEqual(m.totals().cpu!);
  });

  it('calibrateIdle takes the median of repeated windows; subtractIdle removes power × seconds', async () => {
    const m = open({ cpu: 'estimate', gpu: 'none', poll: false });
    const idle = await calibrateIdle(m, { seconds: 0.15, repeats: 3 });
    expect(idle.samplesW.cpu).toHaveLength(3);
    const sorted = [...(idle.samplesW.cpu as number[])].sort((a, b) => a - b);
    expect(idle.powerW.cpu).toBe(sorted[1]);
    expect(idle).toMatchObject({ seconds: 0.15, repeats: 3, estimated: true });
    await expect(calibrateIdle(m, { seconds: -1 })).rejects.toThrow(/seconds/);
    await expect(m.calibrateIdle({ sec: 1 } as never)).rejects.toThrow(/Unknown option "sec"/);

    const t = tree();
    const p = open({ cpu: 'powercap', gpu: 'none', powercapRoot: t.root, poll: false });
    const w = p.begin();
    t.add('intel-rapl:0', 3_000_000 % 999_999);
    t.add('intel-rapl:0:2', 500_000);
    const e = p.end(w);
    const baseline = { powerW: { 'package-0': 2, 'dram-0': 0.5, 'package-1': 1, 'core-0': 0.1 }, samplesW: {}, seconds: 1, repeats: 1, estimated: false };
    const c = subtractIdle(e, baseline);
    expect(c.joules['package-0']).toBeCloseTo(e.joules['package-0']! - 2 * e.seconds, 12);
    expect(c.joules['core-0']).toBeCloseTo(e.joules['core-0']! - 0.1 * e.seconds, 12);
    expect(c.joules['psys']).toBeNull(); // no baseline for it
    expect(c.cpuJ).toBeCloseTo(e.cpuJ! - 3.5 * e.seconds, 12); // core not subtracted twice
    // Swapped or missing arguments are named, not a TypeError from inside.
    expect(() => subtractIdle(baseline as never, e as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(/meters\.end\(\) or measure\(\) for measurement/) }));
    expect(() => subtractIdle(e, undefined as never)).toThrow(/a result of calibrateIdle\(\) for baseline but received undefined/);
    expect(() => p.rawReadNs(p.sources.length)).toThrow(/for index/);
  });
});
