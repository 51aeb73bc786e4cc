import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from 'vega-lite';
import { EAGLE_CPU, EAGLE_GPU } from '../lib/model/profiles.js';
import type { RunRecord } from '../lib/model/records.js';
import { parameterBoundaries } from '../lib/report/boundaries.js';
import { writeReport, type ReportResult } from '../lib/report/index.js';
import { gridScan } from '../lib/tune/grid-scan.js';
import type { TilingGridScan } from '../lib/tune/grid-store.js';
import { TilingSpace } from '../lib/tune/space.js';
import { syntheticRuns } from './model-fixtures.js';
import { ScriptedMeter, bowl } from './helpers/scripted-meter.js';

const CHROMIUM = '/usr/bin/chromium';

/** Energies with a cache-like step so every model has something to fit; some runs flagged as estimated. */
function reportRuns(): RunRecord[] {
  const cpu = syntheticRuns().map((r, i) => ({
    ...r,
    shape: i % 2 ? 'rectangle' : 'trapezoid',
    energy_per_training_datum: 1e-4 * (1 + 0.05 * (i % 7)) * (1 + r.num_free_parameters / 2 ** 15),
    energy_per_epoch: 0.5 * (1 + r.num_free_parameters / 2 ** 15) * r.n_observations * 1e-4,
    estimated: i % 5 === 0,
  }));
  const gpu = cpu.map((r) => ({ ...r, run_id: `${r.run_id}-gpu`, is_gpu: true, device: 'cuda:0', threads: null, energy_per_training_datum: r.energy_per_training_datum * 2 }));
  return [...cpu, ...gpu];
}

/** A `tune --grid` scan of one shape (kc across, a line per mc) with the scripted meter: estimated energy. */
async function tilingGrid(): Promise<TilingGridScan> {
  const machine = { cpu_model: 'Scripted CPU', l1d_bytes: 48 << 10, l2_bytes: 1 << 20, l3_bytes: 32 << 20, isa: 'avx512', cores: 1 };
  const shape = { orientation: 'NN' as const, m: 256, n: 1024, k: 1024 };
  const space = new TilingSpace(shape, { microTiles: [{ isa: 'avx512', mr: 6, nr: 32 }], maxThreads: 1, caches: machine });
  const meter = new ScriptedMeter(bowl);
  meter.estimated = true;
  const base = { isa: 'avx512' as const, mr: 6, nr: 32, mc: 96, kc: 256, nc: 1024, threads: 1, sup: false };
  const points = await gridScan(meter, shape, space, base, { x: 'kc', series: 'mc', repetitions: 1, maxPoints: 24 });
  return { machine, network: null, shape, callsPerDatum: 1 / 256, x: 'kc', series: 'mc', estimated: true, source: meter.source, scannedAt: '2026-11-27T00:00:00.000Z', points };
}

let dir: string;
let result: ReportResult;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlpe-report-'));
  result = await writeReport({
    tilingGrids: [await tilingGrid()],
    runs: reportRuns(),
    out: join(dir, 'report.html'),
    svgDir: join(dir, 'svg'),
    profiles: { cpu: EAGLE_CPU, gpu: EAGLE_GPU },
    traces: [{ run_id: 'a_small-16-3', samples: [0, 1, 2, 3].map((t) => ({ t_s: t, power_w: 20 + t, domain: 'package-0' })) }],
    source: 'synthetic fixture',
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('report input checks', () => {
  it('refuses an empty run list with the command that fixes it', async () => {
    await expect(writeReport({ runs: [], out: join(tmpdir(), 'never.html') })).rejects.toThrow(/mlp-energy sweep/);
  });

  it('names an output path that cannot be written: a folder as out, a file as svgDir', async () => {
    const few = reportRuns().slice(0, 2);
    await expect(writeReport({ runs: few, out: dir, profiles: { cpu: EAGLE_CPU } })).rejects.toMatchObject({
      code: 'INVALID_OPTION', message: expect.stringMatching(/^Cannot write .* \(out\): EISDIR.*Choose another path for out/),
    });
    await expect(writeReport({ runs: few, out: join(dir, 'svg-file.html'), svgDir: join(dir, 'svg-file.html'), profiles: { cpu: EAGLE_CPU } })).rejects.toMatchObject({
      code: 'INVALID_OPTION', message: expect.stringMatching(/\(svgDir\): EEXIST/),
    });
  });

  it('still writes the measurement charts when the model is underdetermined, and says why', async () => {
    const few = reportRuns().slice(0, 2);
    const r = await writeReport({ runs: few, out: join(dir, 'few.html'), profiles: { cpu: EAGLE_CPU } });
    expect(r.fit).toBeNull();
    expect(r.fitError).toMatch(/cannot determine/);
    expect(r.charts.map((c) => c.id)).toEqual(['jdatum-shape-cpu-eagle-cpu', 'jdatum-depth-cpu-eagle-cpu', 'jepoch-vs-training-size']);
    expect(readFileSync(r.out, 'utf8')).toContain('The model was not fitted');
  });
});

describe('report content', () => {
  it('draws cache boundaries where the weights leave each level', () => {
    // Weights that do not fit L1 spill above it, so each level must hold 4·P on its own.
    expect(parameterBoundaries(EAGLE_CPU)).toEqual([
      { level: 'L1d', parameters: 8192 },
      { level: 'L2', parameters: 262144 },
      { level: 'L3', parameters: (24.75 * 2 ** 20) / 4 },
    ]);
  });

  it('has one valid Vega-Lite chart per view, per device, plus error histograms, the power trace and the tiling grid', () => {
    expect(result.charts.map((c) => c.id)).toEqual([
      'jdatum-shape-cpu-eagle-cpu',
      'jdatum-depth-cpu-eagle-cpu',
      'jdatum-shape-gpu-eagle-gpu',
      'jdatum-depth-gpu-eagle-gpu',
      'jepoch-vs-training-size',
      'model-error-cpu-eagle-cpu',
      'model-error-gpu-eagle-gpu',
      'power-traces',
      'tiling-grid-nn-256-1024-1024-' + result.charts.at(-1)!.id.slice(-8),
    ]);
    for (const chart of result.charts) {
      expect(() => compile(chart.spec as never)).not.toThrow();
      expect(chart.table.rows.length).toBeGreaterThan(0);
    }
    const error = result.charts.find((c) => c.id === 'model-error-cpu-eagle-cpu')!;
    expect(error.title).toMatch(/5-fold CV, datasets held out/);
    expect(error.table.rows.length).toBe(4 * 75);
    const grid = result.charts.at(-1)!;
    expect(grid.title).toBe('Tiling grid of NN 256×1024×1024 on Scripted CPU');
    // the L1 boundary of kc·nr·4 B (48 KiB at kc 384) is a dashed rule; the energy axis says it is an estimate
    const text = JSON.stringify(grid.spec);
    expect(text).toContain('"strokeDash"');
    expect(text).toContain('B micro-panel kc·nr·4 B = L1 48 KiB');
    expect(text).toContain('J / datum (estimated)');
  });

  it('is self-contained: vega inlined, no external scripts or styles, estimated runs counted', () => {
    const html = readFileSync(result.out, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).toContain('vegaLite');
    expect(html).toMatch(/Estimated numbers: 30 of 150 runs/);
    expect(html).toMatch(/Runs behind this chart: 150 rows/);
  });

  it('exports every chart as a standalone SVG with drawn marks', () => {
    const files = readdirSync(join(dir, 'svg')).sort();
    expect(files).toEqual(result.charts.map((c) => `${c.id}.svg`).sort());
    for (const file of files) {
      const svg = readFileSync(join(dir, 'svg', file), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toMatch(/class="mark-(symbol|rect|line)/);
      expect((svg.match(/<path/g) ?? []).length).toBeGreaterThan(5);
    }
  });
});

/** Runs chromium headless and resolves with its stdout once it exits. */
function chromium(args: string[], userDataDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      CHROMIUM,
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run',
        `--user-data-dir=${userDataDir}`, '--virtual-time-budget=5000', ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

/** Minimal PNG decoder (8-bit greyscale/RGB/RGBA, non-interlaced): enough to inspect a screenshot's pixels. */
function decodePng(buffer: Buffer): { width: number; height: number; channels: number; pixels: Uint8Array } {
  let offset = 8;
  let width = 0, height = 0, channels = 0;
  const idat: Buffer[] = [];
  while (offset < buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('ascii', offset + 4, offset + 8);
    const data = buffer.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8); // bit depth
      expect(data[12]).toBe(0); // no interlace
      channels = { 0: 1, 2: 3, 6: 4 }[data[9] as 0 | 2 | 6];
    } else if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= channels ? pixels[y * stride + x - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      pixels[y * stride + x] = (v + predictor) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

const chromiumMissing = existsSync(CHROMIUM) ? '' : ` — skipped: ${CHROMIUM} is absent (Debian: apt-get install chromium)`;

describe.skipIf(chromiumMissing !== '')(`report in headless Chromium${chromiumMissing}`, () => {
  it('renders every chart as SVG with no console errors, and the screenshot is not blank', async () => {
    const page = `file://${result.out}`;
    const shot = join(dir, 'shot.png');
    // Both browsers at once: each one mostly waits on its own start-up.
    const [dom] = await Promise.all([
      chromium(['--dump-dom', page], mkdtempSync(join(dir, 'profile-a-'))),
      chromium(['--window-size=1000,1400', `--screenshot=${shot}`, page], mkdtempSync(join(dir, 'profile-b-'))),
    ]);
    expect(dom).toMatch(/<body[^>]*data-rendered="9"/);
    expect(dom).not.toMatch(/data-errors=/);
    expect(dom).toMatch(/<pre id="report-errors"><\/pre>/);
    for (const chart of result.charts) {
      const start = dom.indexOf(`id="chart-${chart.id}"`);
      expect(start, chart.id).toBeGreaterThan(0);
      const block = dom.slice(start, dom.indexOf('</svg>', start));
      expect(block, chart.id).toMatch(/data-rendered="true"/);
      expect(block, chart.id).toMatch(/<svg[^>]*class="marks"/);
      expect((block.match(/<path/g) ?? []).length, chart.id).toBeGreaterThan(5);
    }
    const png = decodePng(readFileSync(shot));
    expect(png.width).toBe(1000);
    let ink = 0;
    const colours = new Set<number>();
    for (let i = 0; i < png.pixels.length; i += png.channels) {
      const [r, g, b] = png.channels >= 3 ? [png.pixels[i], png.pixels[i + 1], png.pixels[i + 2]] : [png.pixels[i], png.pixels[i], png.pixels[i]];
      if (r < 240 || g < 240 || b < 240) ink++;
      colours.add((r << 16) | (g << 8) | b);
    }
    expect(ink / (png.width * png.height)).toBeGreaterThan(0.01);
    expect(colours.size).toBeGreaterThan(50); // text alone is grey; the charts add colour
    writeFileSync(join(dir, 'checked'), 'ok');
  }, 120_000);
});
