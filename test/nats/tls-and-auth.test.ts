/**
 * A hub on a nats-server that requires TLS with client certificates and a user name and
 * password: nats.js connection options pass through `DurableApp.create({ nats })` and
 * `DurableClient.connect({ nats })`, and a connection the server refuses ends in a typed
 * TransportError that says what failed. The certificates are made by the test with openssl.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DurableApp, DurableClient, TransportError } from '../../src/index';
import { Counter } from '../contract/fixtures';
import { tempDir } from '../helpers';
import { exited, freePort, launch } from './nats-server';

const WORKER = { user: 'worker', pass: 'worker-secret' };
const CLIENT = { user: 'shop', pass: 'shop-secret' };

function openssl(dir: string, args: readonly string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, and a server and a client certificate it signed (the server's for 127.0.0.1). */
async function makeCertificates(dir: string): Promise<void> {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=jetstate test CA']);
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  for (const name of ['server', 'client']) {
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    const extensions = name === 'server' ? ['-extfile', 'server.ext'] : [];
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      ...extensions,
    ]);
  }
}

describe('NATS over TLS with client certificates and users', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: ChildProcess;
  let url: string;
  const tls = (): { caFile: string; certFile: string; keyFile: string } => ({
    caFile: join(dir.path, 'ca.pem'),
    certFile: join(dir.path, 'client.pem'),
    keyFile: join(dir.path, 'client-key.pem'),
  });

  beforeAll(async () => {
    dir = await tempDir('jetstate-tls-');
    await makeCertificates(dir.path);
    const config = join(dir.path, 'server.conf');
    await writeFile(
      config,
      [
        'tls {',
        `  cert_file: "${join(dir.path, 'server.pem')}"`,
        `  key_file: "${join(dir.path, 'server-key.pem')}"`,
        `  ca_file: "${join(dir.path, 'ca.pem')}"`,
        '  verify: true',
        '}',
        'authorization {',
        '  users: [',
        `    { user: "${WORKER.user}", password: "${WORKER.pass}" }`,
        `    { user: "${CLIENT.user}", password: "${CLIENT.pass}" }`,
        '  ]',
        '}',
      ].join('\n'),
    );
    const port = await freePort();
    url = `tls://127.0.0.1:${port}`;
    server = await launch(port, join(dir.path, 'store'), ['-c', config]);
  });

  afterAll(async () => {
    server?.kill('SIGTERM');
    if (server) await exited(server);
    await dir?.remove();
  });

  test('a worker and a client-only process with certificates and passwords reach each other', async () => {
    const app = await DurableApp.create({ entities: [Counter], nats: { servers: url, tls: tls(), ...WORKER }, hub: 'secure', logger: { level: 'silent' } });
    try {
      await app.start();
      const client = await DurableClient.connect({ nats: { servers: url, tls: tls(), ...CLIENT }, hub: 'secure', logger: { level: 'silent' } });
      try {
        await client.entity(Counter, 'tls').signal.add(4);
        expect(await client.entity(Counter, 'tls').call.increment()).toBe(5);
        expect((await client.entity(Counter, 'tls').read()).entityState?.value).toBe(5);
      } finally {
        await client.close();
      }
    } finally {
      await app.stop();
    }
  });

  test('a wrong password is refused with a TransportError naming the server', async () => {
    const refused = DurableClient.connect({ nats: { servers: url, tls: tls(), user: CLIENT.user, pass: 'wrong' }, hub: 'secure', logger: { level: 'silent' } });
    await expect(refused).rejects.toBeInstanceOf(TransportError);
    await expect(refused).rejects.toThrow(/Could not connect to NATS at .*127\.0\.0\.1/);
  });

  test('a connection without a client certificate is refused with a TransportError', async () => {
    const refused = DurableClient.connect({
      nats: { servers: url, tls: { caFile: tls().caFile }, ...CLIENT, timeout: 3000 },
      hub: 'secure',
      logger: { level: 'silent' },
    });
    await expect(refused).rejects.toBeInstanceOf(TransportError);
  });
});
