/**
 * Ids come from one place. Job ids are UUID version 7: the first 48 bits are the creation time in
 * milliseconds, so ids sort by creation and index well; the rest is random.
 */
import { randomBytes } from 'node:crypto';

/** A new UUIDv7 string for `nowMs` (default: the current time). */
export function newId(nowMs: number = Date.now()): string {
  const bytes = randomBytes(16);
  let ts = BigInt(Math.max(0, Math.floor(nowMs)));
  for (let i = 5; i >= 0; i--) {
    bytes[i] = Number(ts & 0xffn);
    ts >>= 8n;
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A short random id for engines and workers. */
export function shortId(): string {
  return randomBytes(4).toString('hex');
}
