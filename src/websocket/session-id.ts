import { randomFillSync } from 'node:crypto';

/** Random bytes for 256 ids, refilled from the CSPRNG when used up. */
const pool = Buffer.allocUnsafe(16 * 256);
let used = pool.length;
const text = Buffer.allocUnsafe(36);
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/**
 * A random session id in the form of `crypto.randomUUID()` (RFC 9562 version 4, 122 random
 * bits from the CSPRNG), written as one string: `randomUUID` builds its text from 20 short
 * strings, which costs a connect about 0.5 KB of garbage.
 */
export function newSessionId(): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const from = used;
  used += 16;
  let at = 0;
  for (let i = 0; i < 16; i++) {
    let byte = pool[from + i]!;
    if (i === 6) byte = (byte & 0x0f) | 0x40;
    else if (i === 8) byte = (byte & 0x3f) | 0x80;
    text[at++] = HEX[byte >> 4]!;
    text[at++] = HEX[byte & 0x0f]!;
    if (i === 3 || i === 5 || i === 7 || i === 9) text[at++] = 0x2d;
  }
  return text.toString('latin1', 0, 36);
}
