// Builds the dashboard's page (dashboard/) into static files: index.html, app.js (Preact and
// the views in one minified bundle), app.css and the icon. No CDN: everything the page needs
// is in these files. Run alone, it writes to src/dashboard/assets/, where serveHttp finds them
// when jetstate runs from its sources (the tests); scripts/build.mjs writes them into dist/.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'dashboard');

/** Builds the page into `outDir` (replacing what was there). */
export async function buildDashboard(outDir = join(root, 'src/dashboard/assets')) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: { app: join(source, 'src/main.tsx'), styles: join(source, 'styles.css') },
    outdir: outDir,
    entryNames: '[name]',
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(source, 'tsconfig.json'),
    legalComments: 'none',
    logLevel: 'warning',
  });
  // esbuild names a CSS entry after its file; the page links app.css.
  copyFileSync(join(outDir, 'styles.css'), join(outDir, 'app.css'));
  rmSync(join(outDir, 'styles.css'));
  copyFileSync(join(source, 'index.html'), join(outDir, 'index.html'));
  copyFileSync(join(source, 'favicon.svg'), join(outDir, 'favicon.svg'));
  return outDir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outDir = await buildDashboard(process.argv[2] ? join(process.cwd(), process.argv[2]) : undefined);
  console.log(`built the dashboard into ${outDir}`);
}
