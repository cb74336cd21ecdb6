/** What the server tells the page in index.html: where the API is and whether it needs a key. */
export interface DashboardConfig {
  readonly apiBasePath: string;
  readonly keysRequired: boolean;
}

export function readConfig(): DashboardConfig {
  const content = document.querySelector('meta[name="jetstate-config"]')?.getAttribute('content') ?? '{}';
  try {
    const parsed = JSON.parse(content) as Partial<DashboardConfig>;
    return { apiBasePath: parsed.apiBasePath ?? '/runtime/webhooks/durabletask', keysRequired: parsed.keysRequired === true };
  } catch {
    return { apiBasePath: '/runtime/webhooks/durabletask', keysRequired: false };
  }
}

export const config = readConfig();
