/**
 * Hubs on nats-servers that require TLS with client certificates and a user name and
 * password, a token, or credentials files (operator mode): nats.js connection options pass
 * through `DurableApp.create({ nats })` and `DurableClient.connect({ nats })`, and a
 * connection the server refuses ends in a typed TransportError that says what failed. The
 * certificates are made by the test with openssl, the operator, account and user JWTs and
 * NKeys with @nats-io/jwt.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createAccount, createOperator, createUser, encodeAccount, encodeOperator, encodeUser, fmtCreds } from '@nats-io/jwt';
import { credsAuthenticator } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DurableApp, DurableClient, TransportError, type NatsServers } from '../../src/index';
import { Counter } from '../contract/fixtures';
import { tempDir } from '../helpers';
import { exited, freePort, launch } from '../../tools/nats-server';

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
    await expect(refused).rejects.toThrow(/Could not connect to NATS at .*127\.0\.0\.1.*The server refused the credentials/);
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

/** Starts nats-server with `config` in a temporary directory; `stop` ends it and removes the directory. */
async function serverWith(prefix: string, config: (dir: string) => Promise<string>): Promise<{ url: string; dir: string; stop: () => Promise<void> }> {
  const dir = await tempDir(prefix);
  try {
    const file = join(dir.path, 'server.conf');
    await writeFile(file, await config(dir.path));
    const port = await freePort();
    const child = await launch(port, join(dir.path, 'store'), ['-c', file]);
    return {
      url: `nats://127.0.0.1:${port}`,
      dir: dir.path,
      async stop() {
        child.kill('SIGTERM');
        await exited(child);
        await dir.remove();
      },
    };
  } catch (error) {
    await dir.remove();
    throw error;
  }
}

/** A worker and a client-only process on `hub`, each connected with its own `nats` options, exchange a signal, a call and a read. */
async function workerAndClientWork(hub: string, workerNats: NatsServers, clientNats: NatsServers): Promise<void> {
  const app = await DurableApp.create({ entities: [Counter], nats: workerNats, hub, logger: { level: 'silent' } });
  try {
    await app.start();
    const client = await DurableClient.connect({ nats: clientNats, hub, logger: { level: 'silent' } });
    try {
      await client.entity(Counter, 'auth').signal.add(2);
      expect(await client.entity(Counter, 'auth').call.increment()).toBe(3);
      expect((await client.entity(Counter, 'auth').read()).entityState?.value).toBe(3);
    } finally {
      await client.close();
    }
  } finally {
    await app.stop();
  }
}

describe('NATS with a token', () => {
  const TOKEN = 'hub-token-4f1c';
  let server: Awaited<ReturnType<typeof serverWith>>;

  beforeAll(async () => {
    server = await serverWith('jetstate-token-', () => Promise.resolve(`authorization { token: "${TOKEN}" }\n`));
  });

  afterAll(async () => {
    await server?.stop();
  });

  test('a worker and a client given the token through the nats option reach each other', async () => {
    await workerAndClientWork('tokened', { servers: server.url, token: TOKEN }, { servers: server.url, token: TOKEN });
  });

  test('a wrong token, or none, is refused with a TransportError', async () => {
    const wrong = DurableClient.connect({ nats: { servers: server.url, token: 'not-the-token' }, hub: 'tokened', logger: { level: 'silent' } });
    await expect(wrong).rejects.toBeInstanceOf(TransportError);
    await expect(wrong).rejects.toThrow(
      /Could not connect to NATS at .*127\.0\.0\.1.*Authorization Violation.*The server refused the credentials: check the user and password, token, NKey or credentials file/i,
    );
    await expect(DurableClient.connect({ nats: server.url, hub: 'tokened', logger: { level: 'silent' } })).rejects.toBeInstanceOf(TransportError);
  });
});

describe('NATS in operator mode with credentials files', () => {
  let server: Awaited<ReturnType<typeof serverWith>>;
  /** A .creds file (user JWT and seed) of a user of the server's account. */
  let goodCreds: string;
  /** A .creds file of a user of an account the server does not know. */
  let strangerCreds: string;

  /** A user of `account` (signed by its key), written as a .creds file. */
  async function credsFile(dir: string, name: string, account: ReturnType<typeof createAccount>): Promise<string> {
    const user = createUser();
    const path = join(dir, `${name}.creds`);
    await writeFile(path, fmtCreds(await encodeUser(name, user, account), user));
    return path;
  }

  beforeAll(async () => {
    server = await serverWith('jetstate-creds-', async (dir) => {
      const operator = createOperator();
      const system = createAccount();
      const account = createAccount();
      const unlimited = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
      const jetStream = { mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 };
      const operatorJwt = await encodeOperator('jetstate-test', operator, { system_account: system.getPublicKey() });
      const systemJwt = await encodeAccount('SYS', system, { limits: unlimited }, { signer: operator });
      const accountJwt = await encodeAccount('SHOP', account, { limits: { ...unlimited, ...jetStream } }, { signer: operator });
      goodCreds = await credsFile(dir, 'shop-user', account);
      // Signed by an account the server never heard of: its credentials are well-formed but refused.
      strangerCreds = await credsFile(dir, 'stranger', createAccount());
      return [
        `operator: ${operatorJwt}`,
        `system_account: ${system.getPublicKey()}`,
        'resolver: MEMORY',
        'resolver_preload: {',
        `  ${system.getPublicKey()}: ${systemJwt}`,
        `  ${account.getPublicKey()}: ${accountJwt}`,
        '}',
        '',
      ].join('\n');
    });
  });

  afterAll(async () => {
    await server?.stop();
  });

  test('a worker and a client connected with credsAuthenticator(creds file) reach each other', async () => {
    const nats = { servers: server.url, authenticator: credsAuthenticator(await readFile(goodCreds)) };
    await workerAndClientWork('credentialed', nats, { ...nats });
  });

  test('a creds file of a user the server does not know is refused with a TransportError', async () => {
    const refused = DurableClient.connect({
      nats: { servers: server.url, authenticator: credsAuthenticator(await readFile(strangerCreds)) },
      hub: 'credentialed',
      logger: { level: 'silent' },
    });
    await expect(refused).rejects.toBeInstanceOf(TransportError);
    await expect(refused).rejects.toThrow(
      /Could not connect to NATS at .*127\.0\.0\.1.*Authorization Violation.*The server refused the credentials: check the user and password, token, NKey or credentials file/i,
    );
  });
});
