import { describe, expect, test } from 'vitest';
import { InvalidOptionsError } from '../../src/index';
import { checkHttpRequest, retryAfterMs } from '../../src/runtime/orchestration/durable-http';

describe('durable HTTP calls: Retry-After and request checks', () => {
  const now = Date.parse('2026-06-01T10:00:00.000Z');

  test('Retry-After is delay-seconds or an HTTP date (a past date is no wait); anything else is ignored', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Mon, 01 Jun 2026 10:00:05 GMT', now)).toBe(5_000);
    expect(retryAfterMs('Mon, 01 Jun 2026 09:59:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('-5', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });

  test('a valid request is copied with the method upper-cased; the caller cannot change it afterwards', () => {
    const headers = { accept: 'text/plain' };
    const checked = checkHttpRequest({ method: 'put', url: 'https://example.com/a?b=1', headers, body: 'x' });
    expect(checked).toEqual({ method: 'PUT', url: 'https://example.com/a?b=1', headers: { accept: 'text/plain' }, body: 'x' });
    headers.accept = 'changed';
    expect(checked.headers).toEqual({ accept: 'text/plain' });
    expect(() => checkHttpRequest({ method: 'HEAD', url: 'http://example.com/', body: '' })).toThrow(InvalidOptionsError);
    expect(() => checkHttpRequest({ method: 'GET', url: 'http://example.com/', headers: { 'x-a': 'one\r\ntwo' } })).toThrow(/without line breaks/);
    expect(() => checkHttpRequest({ method: 'GET', url: 'http://example.com/', headers: ['a'] })).toThrow(/an array/);
  });
});
