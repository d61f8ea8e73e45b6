/**
 * `npm run bench:reports:render` — rendering alone, without a database: a synthetic monthly report of N river
 * sections (the renderer tests' sample report, scaled up) rendered to PDF and XLSX, R runs each. It isolates the
 * issue's "PDF ≤ 10 s" target from the data's time, which `bench:reports` measures against influxd.
 *
 *   npm run bench:reports:render -- [--stations 2000] [--runs 3]
 *
 * Prints one JSON line per run and a summary line with the medians.
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { renderPdf } from '../src/reports/render/pdf.js';
import { renderXlsx } from '../src/reports/render/xlsx.js';
import { sampleReport } from '../test/reports/sample-report.js';

const { values } = parseArgs({
  options: { stations: { type: 'string', default: '2000' }, runs: { type: 'string', default: '3' } },
});
const stations = Number(values.stations);
const runs = Number(values.runs);

const report = sampleReport(stations);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
// CPU time beside wall time: rendering is one thread, so on a machine shared with other work its CPU time is
// what the wall time would be on an idle one.
const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};
const pdfCpuMs: number[] = [];
const pdfMs: number[] = [];
const xlsxMs: number[] = [];
for (let run = 1; run <= runs; run++) {
  let t = performance.now();
  const cpu = process.cpuUsage();
  const pdf = await renderPdf(report, 'zh-CN');
  pdfMs.push(performance.now() - t);
  pdfCpuMs.push(cpuMs(cpu));
  t = performance.now();
  const xlsx = await renderXlsx(report, 'zh-CN');
  xlsxMs.push(performance.now() - t);
  console.log(
    JSON.stringify({
      bench: 'report-render',
      run,
      stations,
      pdf_ms: Math.round(pdfMs.at(-1)!),
      pdf_cpu_ms: Math.round(pdfCpuMs.at(-1)!),
      pdf_bytes: pdf.length,
      xlsx_ms: Math.round(xlsxMs.at(-1)!),
      xlsx_bytes: xlsx.length,
    }),
  );
}
console.log(
  JSON.stringify({
    bench: 'report-render',
    summary: true,
    stations,
    runs,
    pdf_ms_median: Math.round(median(pdfMs)),
    pdf_cpu_ms_median: Math.round(median(pdfCpuMs)),
    xlsx_ms_median: Math.round(median(xlsxMs)),
    pdf_target_ms: 10_000,
    met_wall: median(pdfMs) <= 10_000,
    met_cpu: median(pdfCpuMs) <= 10_000,
  }),
);
