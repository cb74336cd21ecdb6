import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { InvalidOptionsError } from '../errors';

/** Where the built page is: `assets/` next to this module (`npm run build` puts it there). */
export const DASHBOARD_ASSETS_DIR = join(__dirname, 'assets');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

/** One file of the page, held in memory. */
export interface DashboardAsset {
  readonly body: Buffer;
  readonly contentType: string;
}

/** The built page: `index.html` and the files it loads, by file name. */
export interface DashboardAssets {
  readonly indexHtml: string;
  readonly files: ReadonlyMap<string, DashboardAsset>;
}

/**
 * Reads the built page into memory once. Throws an `InvalidOptionsError` that says how to
 * build it when it is missing (a checkout that was not built yet).
 */
export function loadDashboardAssets(directory: string = DASHBOARD_ASSETS_DIR): DashboardAssets {
  const index = join(directory, 'index.html');
  if (!existsSync(index)) {
    throw new InvalidOptionsError(
      `The dashboard's built page is missing (${index}). In a checkout of jetstate, run npm run build (or node scripts/build-dashboard.mjs) first.`,
    );
  }
  const files = new Map<string, DashboardAsset>();
  for (const name of readdirSync(directory)) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (name === 'index.html' || contentType === undefined) continue;
    files.set(name, { body: readFileSync(join(directory, name)), contentType });
  }
  return { indexHtml: readFileSync(index, 'utf8'), files };
}
