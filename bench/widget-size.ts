// npm run bench:widget-size: what a visitor's browser downloads for the chat widget, as served
// (the loader with the business's settings, then the frame's page, script and stylesheet), raw and
// gzipped (level 9, as a reverse proxy or CDN would compress it). Writes bench/results/widget-size-<time>.json.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { parseBusinessConfig } from '../src/config.js';
import { widgetScript } from '../src/widget/routes.js';
import { resultFile } from './results.js';

const settings = parseBusinessConfig('', 'defaults');
const asset = (name: string) => readFileSync(new URL(`../src/widget/assets/${name}`, import.meta.url), 'utf8');
const files: Record<string, string> = {
  '/widget.js (on the business’s page)': widgetScript({
    settings: settings.widget,
    businessName: settings.business.name,
  }),
  '/widget/frame': asset('frame.html'),
  '/widget/frame.js': asset('frame.js'),
  '/widget/frame.css': asset('frame.css'),
};

const rows = Object.entries(files).map(([file, text]) => ({
  file,
  bytes: Buffer.byteLength(text),
  gzipped: gzipSync(text, { level: 9 }).length,
}));
const total = { bytes: rows.reduce((s, r) => s + r.bytes, 0), gzipped: rows.reduce((s, r) => s + r.gzipped, 0) };
for (const r of rows)
  console.log(`${r.file.padEnd(40)} ${String(r.bytes).padStart(7)} B  ${String(r.gzipped).padStart(6)} B gzipped`);
console.log(
  `${'all, when the chat first opens'.padEnd(40)} ${String(total.bytes).padStart(7)} B  ${String(total.gzipped).padStart(6)} B gzipped`,
);
const out = resultFile('widget-size');
out.write({ ...out.header, files: rows, total });
console.log(`written to ${out.path}`);
