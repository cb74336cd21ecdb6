import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { exited, freePort, launch } from './nats-server';

/** One server of a {@link NatsCluster}. */
export interface ClusterMember {
  readonly name: string;
  readonly url: string;
  readonly storeDir: string;
  /** Its process id, or 0 while it is down. */
  readonly pid: number;
  /** SIGKILLs it (nothing flushed) and waits until it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and store; it rejoins the cluster. */
  start(): Promise<void>;
}

/** A JetStream cluster of nats-server processes on loopback, routed to each other, each with its own store. */
export interface NatsCluster {
  readonly members: readonly ClusterMember[];
  readonly urls: string[];
  /** Resolves once the cluster has a JetStream metadata leader (streams can be created). */
  ready(timeoutMs?: number): Promise<void>;
  dispose(): Promise<void>;
}

/** Starts `size` clustered nats-servers (Debian's 2.9.10 works) and waits for a JetStream leader. */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const name = `jc${process.pid}`;
  const ports = await Promise.all(Array.from({ length: size }, async () => ({ client: await freePort(), route: await freePort() })));
  const routes = ports.map((p) => `nats://127.0.0.1:${p.route}`).join(',');
  const members: (ClusterMember & { stop(): Promise<void>; remove(): Promise<void> })[] = [];
  for (let i = 0; i < size; i++) {
    const storeDir = await mkdtemp(join(tmpdir(), `jetstate-cluster-s${i + 1}-`));
    const { client, route } = ports[i]!;
    const args = ['--server_name', `s${i + 1}`, '--cluster_name', name, '--cluster', `nats://127.0.0.1:${route}`, '--routes', routes];
    let child: ChildProcess | undefined;
    const member = {
      name: `s${i + 1}`,
      url: `nats://127.0.0.1:${client}`,
      storeDir,
      get pid() {
        return child?.pid ?? 0;
      },
      async start() {
        if (!child) child = await launch(client, storeDir, args);
      },
      async kill() {
        if (!child) return;
        const running = child;
        child = undefined;
        running.kill('SIGKILL');
        await exited(running);
      },
      async stop() {
        if (!child) return;
        const running = child;
        child = undefined;
        running.kill('SIGTERM');
        await exited(running);
      },
      remove: () => rm(storeDir, { recursive: true, force: true }),
    };
    members.push(member);
  }
  const killAll = (): void => {
    for (const m of members) if (m.pid) process.kill(m.pid, 'SIGKILL');
  };
  process.once('exit', killAll);
  await Promise.all(members.map((m) => m.start()));
  const cluster: NatsCluster = {
    members,
    urls: members.map((m) => m.url),
    async ready(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      const nc = await connect({ servers: members.map((m) => m.url), maxReconnectAttempts: -1 });
      try {
        for (;;) {
          try {
            const jsm = await jetstreamManager(nc, { timeout: 2000 });
            await jsm.getAccountInfo();
            return;
          } catch (error) {
            if (Date.now() > deadline) throw new Error(`the JetStream cluster has no leader after ${timeoutMs} ms: ${String(error)}`);
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
        }
      } finally {
        await nc.close();
      }
    },
    async dispose() {
      process.off('exit', killAll);
      await Promise.all(members.map((m) => m.stop()));
      await Promise.all(members.map((m) => m.remove()));
    },
  };
  try {
    await cluster.ready();
  } catch (error) {
    await cluster.dispose();
    throw error;
  }
  return cluster;
}
