import { limits } from '../../limits.ts';

/** What a chunk message says: the items of this batch with seq in [seqFrom, seqTo] are ready. */
export interface ChunkMessage {
  batchId: string;
  seqFrom: number;
  seqTo: number;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeChunkMessage(message: ChunkMessage): Buffer {
  return Buffer.from(JSON.stringify({ batchId: message.batchId, seqFrom: message.seqFrom, seqTo: message.seqTo }), 'utf8');
}

/**
 * Reads a message body back, or undefined when it is not one of ours (another producer on the
 * queue, a truncated body): such a message is dead-lettered at once, never retried.
 */
export function decodeChunkMessage(content: Buffer): ChunkMessage | undefined {
  if (content.length > limits.queueMessageBytesMax) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(content.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { batchId, seqFrom, seqTo } = parsed as Record<string, unknown>;
  if (typeof batchId !== 'string' || !uuidPattern.test(batchId)) return undefined;
  if (!isSeq(seqFrom) || !isSeq(seqTo) || seqFrom > seqTo) return undefined;
  // A range wider than a batch can be is not a chunk of ours.
  if (seqTo - seqFrom >= limits.itemsPerBatchMax) return undefined;
  return { batchId, seqFrom, seqTo };
}

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= 2_147_483_647;
}
