/** Builds the dashboard's page into `outDir` (default src/dashboard/assets); resolves with that directory. */
export function buildDashboard(outDir?: string): Promise<string>;
