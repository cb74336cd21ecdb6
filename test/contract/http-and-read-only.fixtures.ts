import 'reflect-metadata';
import {
  Entity,
  HttpCallFailedError,
  InvalidOptionsError,
  Operation,
  Orchestrator,
  Windowed,
  entityContext,
  type CallHttpOptions,
  type DurableHttpRequest,
  type DurableHttpResponse,
  type OrchestrationContext,
} from '../../src/index';

/** How often each read-only operation ran in this process, by `<key>.<operation>`. */
export const readOnlyRuns = new Map<string, number>();

function countRun(operation: string): void {
  const key = `${entityContext().entityId.key}.${operation}`;
  readOnlyRuns.set(key, (readOnlyRuns.get(key) ?? 0) + 1);
}

/** A ledger with read-only operations, and read-only ones that break the rule. */
@Entity()
export class Ledger {
  total = 0;
  entries: number[] = [];

  @Operation() add(amount: number): void {
    this.total += amount;
    this.entries.push(amount);
  }

  @Operation({ readOnly: true }) balance(): number {
    countRun('balance');
    return this.total;
  }

  /** Declared read-only, but changes the state. */
  @Operation({ readOnly: true }) sneakyAdd(amount: number): number {
    this.total += amount;
    return this.total;
  }

  /** Declared read-only, but sends a signal. */
  @Operation({ readOnly: true }) chatty(): number {
    entityContext().signalEntity({ name: 'Ledger', key: 'elsewhere' }, 'add', 1);
    return this.total;
  }

  /** Declared read-only, but deletes the entity. */
  @Operation({ readOnly: true }) vanish(): void {
    entityContext().deleteState();
  }
}

/** Sales per minute; a closed window still answers its read-only query. */
@Entity()
@Windowed({ sizeMs: 60_000, allowedLatenessMs: 0, retentionMs: 3_600_000 })
export class SalesPerMinute {
  sales = 0;

  @Operation() add(n: number): void {
    this.sales += n;
  }

  @Operation({ readOnly: true }) count(): number {
    return this.sales;
  }
}

/** Reads a ledger's balance from an orchestration (an entity call answered by message). */
@Orchestrator()
export class ReadsLedger {
  async run(ctx: OrchestrationContext, key: string): Promise<number> {
    return ctx.entity(Ledger, key).call.balance();
  }
}

/** The input of {@link CallsHttp}. */
export interface HttpCallInput {
  readonly request: DurableHttpRequest;
  readonly options?: CallHttpOptions;
}

/** What {@link CallsHttp} reports: the response, or the error's name, code and message. */
export type HttpCallOutcome =
  | { readonly response: DurableHttpResponse }
  | { readonly error: { readonly name: string; readonly code?: string; readonly message: string; readonly isHttpCallFailed: boolean } };

/** Makes one durable HTTP call and reports how it ended. */
@Orchestrator()
export class CallsHttp {
  async run(ctx: OrchestrationContext, input: HttpCallInput): Promise<HttpCallOutcome> {
    try {
      return { response: await ctx.callHttp(input.request, input.options) };
    } catch (error) {
      const e = error as Error & { code?: string };
      return {
        error: { name: e.name, ...(e.code === undefined ? {} : { code: e.code }), message: e.message, isHttpCallFailed: error instanceof HttpCallFailedError },
      };
    }
  }
}

/** Bad requests, each refused at the call with an `InvalidOptionsError`; reports the messages. */
@Orchestrator()
export class CallsHttpBadly {
  async run(ctx: OrchestrationContext): Promise<string[]> {
    const bad: unknown[] = [
      undefined,
      { method: 'GET' },
      { method: 'GET', url: '/relative/path' },
      { method: 'GET', url: 'ftp://example.com/file' },
      { method: 'GE T', url: 'http://example.com/' },
      { method: 'POST', url: 'http://example.com/', body: { not: 'a string' } },
      { method: 'GET', url: 'http://example.com/', body: 'text' },
      { method: 'GET', url: 'http://example.com/', headers: { 'x-count': 3 } },
    ];
    const refusals: string[] = [];
    for (const request of bad) {
      try {
        ctx.callHttp(request as DurableHttpRequest);
        refusals.push('accepted');
      } catch (error) {
        refusals.push(error instanceof InvalidOptionsError ? `InvalidOptionsError: ${error.message}` : `other: ${String(error)}`);
      }
    }
    try {
      ctx.callHttp({ method: 'GET', url: 'http://example.com/' }, { pollingInterval: -1 });
      refusals.push('accepted');
    } catch (error) {
      refusals.push(error instanceof InvalidOptionsError ? `InvalidOptionsError: ${error.message}` : `other: ${String(error)}`);
    }
    return refusals;
  }
}

export const HTTP_AND_READ_ONLY_ENTITIES = [Ledger, SalesPerMinute];
export const HTTP_AND_READ_ONLY_ORCHESTRATORS = [ReadsLedger, CallsHttp, CallsHttpBadly];
