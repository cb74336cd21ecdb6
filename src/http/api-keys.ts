import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { requestKey } from '../client/http-management';
import { HttpApiError, HttpErrorCode } from './http-errors';

/**
 * Checks the key of each request against the server's keys. Keys are compared as SHA-256
 * digests with a constant-time comparison, so timing tells nothing about a key's prefix.
 */
export class ApiKeys {
  private readonly digests: readonly Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  /** True when no keys are set: every request is let in. */
  get open(): boolean {
    return this.digests.length === 0;
  }

  /** The key `request` carries (`?code=`, `x-functions-key`, `Authorization: Bearer`), if any. */
  keyOf(request: FastifyRequest): string | undefined {
    return requestKey(request.raw);
  }

  /** Throws a `401` refusal unless the request carries one of the keys. */
  check(request: FastifyRequest): void {
    if (this.open) return;
    const key = this.keyOf(request);
    if (key === undefined) {
      throw new HttpApiError(
        HttpErrorCode.Unauthorized,
        `This API needs a key: add ?code=<key> to the URL, or send it as an x-functions-key header or Authorization: Bearer <key>.`,
      );
    }
    const given = digest(key);
    let match = false;
    for (const known of this.digests) match = timingSafeEqual(known, given) || match;
    if (!match) throw new HttpApiError(HttpErrorCode.Unauthorized, `The key is not valid for this API. Use one of the keys the server was started with.`);
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}
