// Builds web/dist: our own files from src/ as they are (plain ES modules, no bundler), and
// MapLibre GL JS and Terra Draw from node_modules. The server serves web/dist at `/`.
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, 'src');
const dist = join(here, 'dist');
const maplibreRoot = join(here, 'node_modules', 'maplibre-gl');
const maplibreDist = join(maplibreRoot, 'dist');

if (!existsSync(maplibreDist)) {
  console.error('build: node_modules/maplibre-gl is missing; run `npm ci` in web/ first');
  process.exit(1);
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
cpSync(src, dist, { recursive: true });

// MapLibre 6 ships ES modules; the main module starts its worker from the file beside it
// (new URL('./maplibre-gl-worker.mjs', import.meta.url)), so both go into one folder.
const vendor = join(dist, 'vendor');
mkdirSync(vendor, { recursive: true });
for (const file of ['maplibre-gl.mjs', 'maplibre-gl-worker.mjs', 'maplibre-gl.css']) {
  cpSync(join(maplibreDist, file), join(vendor, file));
}
cpSync(join(maplibreRoot, 'LICENSE.txt'), join(vendor, 'maplibre-gl.LICENSE.txt'));

const require = createRequire(import.meta.url);
const { version } = require(join(maplibreRoot, 'package.json'));
const versions = [`maplibre-gl ${version} (BSD-3-Clause), from npm`];

// Terra Draw and its MapLibre adapter (outline editing for planners): their ES module builds,
// under the names the page's import map gives them. They import nothing but "terra-draw".
for (const [pkg, file, target] of [
  ['terra-draw', 'terra-draw.modern.js', 'terra-draw.js'],
  ['terra-draw-maplibre-gl-adapter', 'terra-draw-maplibre-gl-adapter.modern.js', 'terra-draw-maplibre-gl-adapter.js'],
]) {
  const root = join(here, 'node_modules', pkg);
  if (!existsSync(join(root, 'dist', file))) {
    console.error(`build: node_modules/${pkg} is missing; run \`npm ci\` in web/ first`);
    process.exit(1);
  }
  cpSync(join(root, 'dist', file), join(vendor, target));
  const meta = require(join(root, 'package.json'));
  versions.push(`${pkg} ${meta.version} (${meta.license}, ${meta.author || 'see its package'}), from npm`);
}
writeFileSync(join(vendor, 'VERSIONS.txt'), `${versions.join('\n')}\n`);
console.log(`build: web/dist ready (${versions.map((v) => v.split(' (')[0]).join(', ')})`);
