import type { Channel } from 'amqplib';

/**
 * The broker objects of one deployment, all durable:
 *   <name>        a quorum queue of chunk messages (replicated, confirmed to the publisher only once
 *                 a majority holds the message), with a delivery limit and a dead-letter route;
 *   <name>.dead   a direct exchange and a quorum queue bound to it: where poison chunks end up.
 */
export interface Topology {
  queue: string;
  deadExchange: string;
  deadQueue: string;
  /** Deliveries of a message before it is dead-lettered (x-delivery-limit). */
  deliveryLimit: number;
}

export function topologyOf(name: string, deliveryLimit: number): Topology {
  if (!Number.isSafeInteger(deliveryLimit) || deliveryLimit < 1 || deliveryLimit > 1000) throw new Error(`delivery limit must be 1..1000, got ${deliveryLimit}`);
  return { queue: name, deadExchange: `${name}.dead`, deadQueue: `${name}.dead`, deliveryLimit };
}

/**
 * The chunk queue's arguments. A queue's arguments are fixed when it is first declared: declaring it
 * again with other values fails (PRECONDITION_FAILED), so they must not change for a given name.
 * At-least-once dead-lettering keeps a poison message until the dead-letter queue confirmed it (it
 * requires the reject-publish overflow; the queue has no length limit, so that never rejects).
 */
export function chunkQueueArguments(topology: Topology): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-delivery-limit': topology.deliveryLimit,
    'x-dead-letter-exchange': topology.deadExchange,
    'x-dead-letter-routing-key': topology.deadQueue,
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
  };
}

/** Declares everything (idempotent: run on every connect, by every process). */
export async function assertTopology(channel: Channel, topology: Topology): Promise<void> {
  await channel.assertExchange(topology.deadExchange, 'direct', { durable: true });
  await channel.assertQueue(topology.deadQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(topology.deadQueue, topology.deadExchange, topology.deadQueue);
  await channel.assertQueue(topology.queue, { durable: true, arguments: chunkQueueArguments(topology) });
}
