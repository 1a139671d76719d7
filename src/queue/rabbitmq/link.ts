import amqplib, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { limits } from '../../limits.ts';
import { assertTopology, type Topology } from './topology.ts';

/** A message as it arrived, with the connection it arrived on (an ack only means something there). */
export interface Delivery {
  message: ConsumeMessage;
  generation: number;
}

export interface RabbitLinkOptions {
  url: string;
  topology: Topology;
  /** Shown by the broker's tools as the connection's name (rabbitmqctl list_connections client_properties). */
  connectionName: string;
  log: (line: string) => void;
  /** When set, this process consumes the chunk queue: deliveries go to `onDelivery`, at most `prefetch` unacked. */
  consumer?: { prefetch: number; onDelivery(delivery: Delivery): void };
}

export interface PublishRequest {
  content: Buffer;
  /** The outbox row id: it comes back in a returned message and names the message in the broker's tools. */
  messageId: string;
}

/** One process's connection to the broker, re-established with a bounded backoff whenever it drops. */
export interface RabbitLink {
  /** The current connection's number (each reconnect adds one), or undefined while disconnected. */
  generation(): number | undefined;
  /**
   * Publishes to the chunk queue (persistent, mandatory) and waits for the broker's confirms, at
   * most `timeoutMs`. Per message: true once the broker confirmed it (a quorum queue confirms when a
   * majority of its replicas hold it), false when it was nacked, returned unroutable, lost with the
   * connection, or not confirmed in time. Throws only when there is no connection at all.
   */
  publishConfirmed(messages: readonly PublishRequest[], timeoutMs: number): Promise<boolean[]>;
  /** Acknowledges a delivery; false when its connection is gone (the broker will deliver it again). */
  ack(delivery: Delivery): boolean;
  /** Rejects a delivery: requeued (it counts against the delivery limit) or dead-lettered at once. */
  nack(delivery: Delivery, requeue: boolean): boolean;
  close(): Promise<void>;
}

interface Live {
  generation: number;
  raw: ChannelModel;
  confirm: ConfirmChannel;
  consume?: Channel;
  /** messageIds the broker returned as unroutable; their confirm is not a success. */
  returned: Set<string>;
}

/**
 * Connects with amqplib's recovery: on every (re)connect, `setup` declares the topology, opens the
 * publish channel (confirm mode) and, for consumers, the consume channel with its prefetch. A lost
 * connection is retried 200 ms, 400 ms, … at most 5 s apart, for ever; at start-up the process gives
 * up after limits.queueConnectRetriesInitial attempts so a wrong QUEUE_URL fails fast. A channel that
 * closes on its own (a broker-side channel error) takes its connection down with it, so that the
 * whole set is rebuilt the same way.
 */
export async function openRabbitLink(options: RabbitLinkOptions): Promise<RabbitLink> {
  const { topology, log, consumer } = options;
  let live: Live | undefined;
  let generations = 0;
  let closing = false;

  const setup = async (raw: ChannelModel) => {
    const generation = ++generations;
    const lose = (why: string) => {
      if (live?.generation !== generation) return;
      live = undefined;
      if (closing) return;
      log(`queue: ${why}; reconnecting`);
      raw.close().catch(() => undefined);
    };
    const confirm = await raw.createConfirmChannel();
    const state: Live = { generation, raw, confirm, returned: new Set() };
    confirm.on('error', (error: Error) => log(`queue: publish channel error: ${error.message}`));
    confirm.on('return', (message: ConsumeMessage) => {
      if (typeof message.properties.messageId === 'string') state.returned.add(message.properties.messageId);
    });
    await assertTopology(confirm, topology);
    if (consumer) {
      const consume = await raw.createChannel();
      consume.on('error', (error: Error) => log(`queue: consume channel error: ${error.message}`));
      await consume.prefetch(consumer.prefetch);
      state.consume = consume;
      consume.on('close', () => lose('the consume channel closed'));
      // Live before the first delivery can arrive: its ack must find this connection current.
      live = state;
      await consume.consume(
        topology.queue,
        (message) => {
          if (message === null) return lose('the broker cancelled the consumer (queue deleted?)');
          consumer.onDelivery({ message, generation });
        },
        { noAck: false },
      );
    }
    confirm.on('close', () => lose('the publish channel closed'));
    live = state;
  };

  const connectOptions = {
    clientProperties: { connection_name: options.connectionName },
    timeout: limits.queueConnectTimeoutMs,
    recovery: {
      initialDelay: limits.queueReconnectInitialMs,
      maxDelay: limits.queueReconnectMaxMs,
      factor: 2,
      jitter: 0.2,
      maxRetries: Infinity,
      initialMaxRetries: limits.queueConnectRetriesInitial,
      setup,
    },
  };
  const connection = await amqplib.connect(options.url, connectOptions).catch((error: unknown) => {
    // The URL is not repeated: it may hold a password.
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot reach the queue broker (QUEUE_URL) after ${limits.queueConnectRetriesInitial + 1} attempts: ${reason}`);
  });
  connection.on('error', (error: Error) => log(`queue: connection error: ${error.message}`));
  connection.on('disconnect', (error: Error) => {
    live = undefined;
    if (!closing) log(`queue: connection lost (${error.message}); reconnecting`);
  });
  connection.on('connect', () => {
    if (generations > 1) log(`queue: reconnected (connection ${generations})`);
  });
  connection.on('connect-failed', (error: Error) => log(`queue: connecting failed: ${error.message}`));

  return {
    generation: () => live?.generation,
    async publishConfirmed(messages, timeoutMs) {
      const current = live;
      if (!current) throw new Error('not connected to the queue broker');
      const outcomes: (boolean | undefined)[] = messages.map(() => undefined);
      const confirmed = messages.map(
        (message, i) =>
          new Promise<void>((resolve) => {
            const settle = (ok: boolean) => {
              outcomes[i] = ok && !current.returned.delete(message.messageId);
              resolve();
            };
            try {
              current.confirm.publish(
                '',
                topology.queue,
                message.content,
                { persistent: true, mandatory: true, contentType: 'application/json', messageId: message.messageId },
                (error: unknown) => settle(error === null || error === undefined),
              );
            } catch {
              settle(false);
            }
          }),
      );
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(confirmed), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
      return outcomes.map((ok) => ok === true);
    },
    ack(delivery) {
      const current = live;
      if (!current?.consume || current.generation !== delivery.generation) return false;
      try {
        current.consume.ack(delivery.message);
        return true;
      } catch {
        return false;
      }
    },
    nack(delivery, requeue) {
      const current = live;
      if (!current?.consume || current.generation !== delivery.generation) return false;
      try {
        current.consume.nack(delivery.message, false, requeue);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      closing = true;
      live = undefined;
      await connection.close();
    },
  };
}
