// Precompresses the build so the server can send .br / .gz as they are
// (no compression work per request). Run by `npm run build` after `vite build`.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const FRONTEND = dirname(dirname(fileURLToPath(import.meta.url)));
const OUT_DIR = process.argv[2] ?? join(FRONTEND, '../src/visio/static');
const EXTENSIONS = new Set(['.js', '.css', '.html', '.svg', '.json']);

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

async function* files(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile() && EXTENSIONS.has(extname(entry.name))) yield path;
  }
}

function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

async function main() {
  if (!(await stat(OUT_DIR).catch(() => null))?.isDirectory()) {
    console.error(`compress: ${OUT_DIR} does not exist; run vite build first`);
    return 1;
  }
  const totals = { raw: 0, gz: 0, br: 0 };
  const rows = [];
  for await (const path of files(OUT_DIR)) {
    const data = await readFile(path);
    const [gz, br] = await Promise.all([
      gzipAsync(data, { level: 9 }),
      brotliAsync(data, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
        },
      }),
    ]);
    await writeFile(`${path}.gz`, gz);
    await writeFile(`${path}.br`, br);
    totals.raw += data.length;
    totals.gz += gz.length;
    totals.br += br.length;
    rows.push(`  ${relative(OUT_DIR, path)}: ${kib(data.length)} → gzip ${kib(gz.length)}, br ${kib(br.length)}`);
  }
  rows.sort();
  console.log(`compressed ${rows.length} files in ${relative(process.cwd(), OUT_DIR) || '.'}:`);
  for (const row of rows) console.log(row);
  console.log(`total: ${kib(totals.raw)} → gzip ${kib(totals.gz)}, br ${kib(totals.br)}`);
  return 0;
}

process.exitCode = await main();
