/** Longest client-chosen string a log line carries, in characters, unless told otherwise. */
export const DEFAULT_CLIP_LENGTH = 100;

// C0 and C1 controls, DEL, line and paragraph separators, and bidi overrides: anything that can
// break a line or make it read differently from what it holds.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  switch (c) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default: {
      const code = c.charCodeAt(0);
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
    }
  }
}

/**
 * A client-chosen string made safe for a log line: control characters (and line separators,
 * bidi overrides) escaped so it stays one line, and cut to `max` characters, with the original
 * length said after the cut (`https://aaaa… (2000 chars)`).
 */
export function clip(value: string, max: number = DEFAULT_CLIP_LENGTH): string {
  let out = (value.length > max ? value.slice(0, max) : value).replace(UNSAFE, escapeChar);
  const cut = value.length > max || out.length > max;
  if (out.length > max) out = out.slice(0, max);
  return cut ? `${out}… (${value.length} chars)` : out;
}

/**
 * `meta` with every string value clipped ({@link clip}), errors reduced to name and clipped
 * message, and other objects to clipped JSON: whatever a client put in them, a log line stays
 * short and single-line.
 */
export function clipMeta(
  meta: Record<string, unknown>,
  max: number = DEFAULT_CLIP_LENGTH,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta)) out[key] = clipValue(value, max);
  return out;
}

function clipValue(value: unknown, max: number): unknown {
  if (typeof value === 'string') return clip(value, max);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: clip(value.name, max), message: clip(value.message, max * 2) };
  try {
    return clip(JSON.stringify(value) ?? '', max * 2);
  } catch {
    return '[unserializable]';
  }
}
