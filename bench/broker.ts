import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';

/**
 * A queue name of its own for every RabbitMQ run (MASSPAYOUT_QUEUE_NAME), so that no other process
 * on the same broker (a test suite, another deployment) consumes the run's messages, and the run's
 * queue, dead-letter queue and exchange are deleted after it.
 */
export interface RunQueue {
  name: string;
  drop(): Promise<void>;
}

export function runQueue(url: string): RunQueue {
  const name = `masspayout.bench.${randomBytes(5).toString('hex')}`;
  return {
    name,
    async drop() {
      const connection = await amqp.connect(url);
      try {
        const channel = await connection.createChannel();
        await channel.deleteQueue(name);
        await channel.deleteQueue(`${name}.dead`);
        await channel.deleteExchange(`${name}.dead`);
        await channel.close();
      } finally {
        await connection.close();
      }
    },
  };
}
