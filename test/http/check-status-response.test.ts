import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidOptionsError, serveHttp } from '../../src/index';
import { API, KEY, startEmbeddedServer, type EmbeddedServer } from './http-harness';

describe('createCheckStatusResponse and createHttpManagementPayload', () => {
  let server: EmbeddedServer;
  beforeEach(async () => {
    server = await startEmbeddedServer();
  });
  afterEach(() => server.dispose());

  it('builds the 202 reply from a URL string, carrying its ?code=', () => {
    const response = server.client.createCheckStatusResponse(`https://api.example.com/api/orchestrators/DoWork?code=${KEY}`, 'order 7');
    const instance = `https://api.example.com${API}/instances/order%207`;
    expect(response.status).toBe(202);
    expect(response.headers).toMatchObject({ location: `${instance}?code=${KEY}`, 'retry-after': '10' });
    expect(response.body.sendEventPostUri).toBe(`${instance}/raiseEvent/{eventName}?code=${KEY}`);
    expect(response.body.purgeHistoryDeleteUri).toBe(`${instance}?code=${KEY}`);
  });

  it('takes a fetch Request with a Bearer key, a Node-style request with a Host header, and options', () => {
    const fetchRequest = new Request('http://10.0.0.5:8080/start', { headers: { authorization: `Bearer ${KEY}` } });
    expect(server.client.createCheckStatusResponse(fetchRequest, 'a').body.statusQueryGetUri).toBe(`http://10.0.0.5:8080${API}/instances/a?code=${KEY}`);
    const nodeRequest = { url: '/start', headers: { host: 'example.org:7071', 'x-functions-key': KEY } };
    expect(server.client.createCheckStatusResponse(nodeRequest, 'b').body.statusQueryGetUri).toBe(`http://example.org:7071${API}/instances/b?code=${KEY}`);
    const options = { baseUrl: 'https://proxy.example.com/durable/', key: 'other', returnInternalServerErrorOnFailure: true };
    expect(server.client.createCheckStatusResponse(nodeRequest, 'c', options).body.statusQueryGetUri).toBe(
      'https://proxy.example.com/durable/instances/c?returnInternalServerErrorOnFailure=true&code=other',
    );
    expect(() => server.client.createCheckStatusResponse({ url: '/start', headers: {} }, 'd')).toThrow(InvalidOptionsError);
    expect(() => server.client.createCheckStatusResponse('http://h/x', '')).toThrow(InvalidOptionsError);
  });

  it('createHttpManagementPayload points at the first serveHttp server of the client, or at baseUrl', async () => {
    expect(server.client.createHttpManagementPayload('x').statusQueryGetUri).toBe(`${server.api}/instances/x`);
    const second = await serveHttp(server.client, { port: 0 });
    try {
      expect(server.client.createHttpManagementPayload('x', { key: KEY }).statusQueryGetUri).toBe(`${server.api}/instances/x?code=${KEY}`);
    } finally {
      await second.close();
    }
    expect(() => server.client.createHttpManagementPayload('x', { baseUrl: 'ftp://nope' })).toThrow(/http or https/);
  });
});
