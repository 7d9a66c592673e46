import {
  type FrameHeader,
  HEADER_BYTES,
  type LogRecord,
  RecordCursor,
  SEALED_BODY_OFFSET,
  TAG_BYTES,
} from '@clogs/protocol';

const cursor = new RecordCursor();

/**
 * Copies the records of a LOG frame whose body is plaintext (never sealed, or unsealed)
 * onto `into`. `sealedLayout`: the frame has room for a seal (records after the seal
 * block, the tag room at the end), as every frame of a client with a key has.
 */
export function plainRecords(frame: Buffer, sealedLayout: boolean, into: LogRecord[]): void {
  const view = {
    count: frame.readUInt16BE(6),
    bodyStart: sealedLayout ? SEALED_BODY_OFFSET : HEADER_BYTES,
    bodyEnd: frame.length - (sealedLayout ? TAG_BYTES : 0),
  } as FrameHeader;
  const c = cursor.reset(frame, view);
  // A loop, not push(...): a spread of a big frame's records overflows the stack.
  while (c.next()) into.push(c.toRecord(true));
}
