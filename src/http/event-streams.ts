import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable, Subscription } from 'rxjs';

/** Seconds between comment lines on an idle stream, so proxies do not drop it. */
const HEARTBEAT_MS = 15_000;

/** One event of a server-sent event stream: its name and its JSON data. */
export interface StreamEvent {
  readonly event: string;
  readonly data: unknown;
  /** Ends the stream after this event (an instance that ended sends nothing more). */
  readonly last?: boolean;
}

/**
 * The server-sent event streams of one HTTP API: each is an observable written to the
 * response as `event:` / `data:` lines. A stream ends when its observable completes or
 * fails, when the client goes away, or when {@link closeAll} runs as the server closes.
 */
export class EventStreams {
  private readonly open = new Set<() => void>();
  private closing = false;

  /** How many streams are open. */
  get size(): number {
    return this.open.size;
  }

  /** Sends `events$` to the client as a server-sent event stream. */
  pipe(request: FastifyRequest, reply: FastifyReply, events$: Observable<StreamEvent>): void {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.write(': stream open\n\n');
    let subscription: Subscription | undefined;
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      this.open.delete(end);
      subscription?.unsubscribe();
      if (!raw.writableEnded) raw.end();
    };
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    this.open.add(end);
    request.raw.once('close', end);
    if (this.closing) return end();
    subscription = events$.subscribe({
      next: (event) => {
        raw.write(`event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`);
        if (event.last) end();
      },
      error: (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        raw.write(`event: error\ndata: ${JSON.stringify({ message })}\n\n`);
        end();
      },
      complete: end,
    });
    if (ended) subscription.unsubscribe();
  }

  /** Ends every open stream and refuses new ones (the server is closing). */
  closeAll(): void {
    this.closing = true;
    for (const end of [...this.open]) end();
  }
}
