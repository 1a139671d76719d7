import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { promisify } from 'node:util';
import amqplib from 'amqplib';
import { topologyOf } from '../../src/queue/rabbitmq/topology.ts';
import { limits } from '../../src/limits.ts';

/** The broker of the RabbitMQ tests (CI sets it); the tests that need one are skipped without it. */
export const queueUrl = process.env.QUEUE_URL;

/** A queue name of this test's own: every test file shares one broker, and CI runs two files at once. */
export function uniqueQueueName(label: string): string {
  return `masspayout.test.${label}.${process.pid}.${randomBytes(3).toString('hex')}`;
}

/** A plain connection to look at (and clean up) a deployment's broker objects, as an operator would. */
export interface BrokerView {
  /** Ready messages in the chunk queue and in its dead-letter queue. */
  counts(name: string): Promise<{ ready: number; dead: number }>;
  /** Takes every message out of the dead-letter queue (acked), bodies as text. */
  drainDead(name: string): Promise<{ body: string; deathReason?: string }[]>;
  /** Publishes a raw body to the chunk queue, as a duplicate or foreign producer would. */
  publishRaw(name: string, body: string): Promise<void>;
  deleteTopology(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openBrokerView(url: string): Promise<BrokerView> {
  const connection = await amqplib.connect(url);
  connection.on('error', () => undefined);
  const channel = await connection.createConfirmChannel();
  channel.on('error', () => undefined);
  return {
    async counts(name) {
      const topology = topologyOf(name, limits.queueDeliveriesMax);
      const [ready, dead] = await Promise.all([channel.checkQueue(topology.queue), channel.checkQueue(topology.deadQueue)]);
      return { ready: ready.messageCount, dead: dead.messageCount };
    },
    async drainDead(name) {
      const bodies: { body: string; deathReason?: string }[] = [];
      for (let i = 0; i < 1000; i++) {
        const message = await channel.get(topologyOf(name, limits.queueDeliveriesMax).deadQueue, { noAck: true });
        if (!message) break;
        const reason = message.properties.headers?.['x-first-death-reason'];
        bodies.push({ body: message.content.toString('utf8'), deathReason: typeof reason === 'string' ? reason : undefined });
      }
      return bodies;
    },
    async publishRaw(name, body) {
      await new Promise<void>((resolve, reject) =>
        channel.sendToQueue(name, Buffer.from(body, 'utf8'), { persistent: true }, (error: unknown) => (error ? reject(error) : resolve())),
      );
    },
    async deleteTopology(name) {
      const topology = topologyOf(name, limits.queueDeliveriesMax);
      await channel.deleteQueue(topology.queue);
      await channel.deleteQueue(topology.deadQueue);
      await channel.deleteExchange(topology.deadExchange);
    },
    async close() {
      await connection.close();
    },
  };
}

/**
 * A TCP relay between the engine and the broker, so a test can cut the connection from outside the
 * process the way a network or a broker restart does: `cut()` destroys every open connection,
 * `refuse(true)` turns new ones away until `refuse(false)`.
 */
export interface TcpCutter {
  url: string;
  cut(): number;
  refuse(on: boolean): void;
  connections(): number;
  close(): Promise<void>;
}

export async function startTcpCutter(targetUrl: string): Promise<TcpCutter> {
  const target = new URL(targetUrl);
  const open = new Set<Socket>();
  let refusing = false;
  let accepted = 0;
  const server: Server = createServer((client) => {
    if (refusing) return void client.destroy();
    accepted += 1;
    const upstream = connect(Number(target.port || 5672), target.hostname);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(address.port);
  return {
    url: url.toString(),
    cut() {
      const n = open.size;
      for (const socket of open) socket.destroy();
      return n;
    },
    refuse(on) {
      refusing = on;
    },
    connections: () => accepted,
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const run = promisify(execFile);

/** True when this machine's rabbitmqctl can talk to the broker (CI runs it as root beside the broker). */
export async function rabbitmqctlAvailable(): Promise<boolean> {
  try {
    await run('rabbitmqctl', ['-q', 'list_connections', 'pid'], { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/** The broker's ids of the connections whose client named itself `connectionName`. */
export async function connectionsNamed(connectionName: string): Promise<string[]> {
  const listed = await run('rabbitmqctl', ['-q', 'list_connections', 'pid', 'client_properties'], { timeout: 30_000 });
  return listed.stdout
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${connectionName}"}`))
    .map((line) => line.split('\t')[0]);
}

/**
 * Closes connections from the broker's side (connection.close with CONNECTION_FORCED, as an
 * operator or a broker shutting down would). Each rabbitmqctl call takes ~2 s to start.
 */
export async function closeConnections(pids: readonly string[]): Promise<void> {
  for (const pid of pids) await run('rabbitmqctl', ['close_connection', pid, 'test: closed by the broker'], { timeout: 30_000 });
}
