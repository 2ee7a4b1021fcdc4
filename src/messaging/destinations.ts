import { ErrorCodes, SwitchboardError } from '../errors.js';

/** A compiled Ant-style destination pattern. */
export interface CompiledPattern {
  readonly pattern: string;
  /** False for a plain destination (no wildcard, no variable). */
  readonly isPattern: boolean;
  /** The captured variables when `destination` matches, else null. */
  match(destination: string): Record<string, string> | null;
}

const WILDCARD = /[*?{]/;

/** True when `destination` uses pattern syntax (`*`, `**`, `?`, `{var}`). */
export function isPattern(destination: string): boolean {
  return WILDCARD.test(destination);
}

const cache = new Map<string, CompiledPattern>();
const CACHE_LIMIT = 4096;

/**
 * Compiles an Ant-style pattern (Spring's `AntPathMatcher`): `?` one character, `*` zero or
 * more characters within a segment, `**` zero or more segments, `{name}` a captured segment
 * part, `{name:regex}` captured with a regex. Segments are separated by `/` or `.`.
 * Throws `ERR_INVALID_PATTERN` for unbalanced braces or a bad regex.
 */
export function compilePattern(pattern: string, separator: '/' | '.' = '/'): CompiledPattern {
  const key = `${separator}${pattern}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const compiled = build(pattern, separator);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(key, compiled);
  return compiled;
}

function build(pattern: string, separator: '/' | '.'): CompiledPattern {
  if (!isPattern(pattern)) {
    return { pattern, isPattern: false, match: (d) => (d === pattern ? {} : null) };
  }
  const sep = escapeRegex(separator);
  const names: string[] = [];
  const tokens = pattern.split(separator);
  let source = '';
  let afterLeadingDoubleStar = false;
  tokens.forEach((token, i) => {
    const first = i === 0;
    if (token === '**') {
      if (tokens.length === 1) source += '[^]*';
      else if (first) {
        source += `(?:[^]*${sep})?`;
        afterLeadingDoubleStar = true;
      } else source += `(?:${sep}[^]*)?`;
      return;
    }
    const lead = first || afterLeadingDoubleStar ? '' : sep;
    afterLeadingDoubleStar = false;
    source += lead + segment(token, separator, names, pattern);
  });
  let regex: RegExp;
  try {
    regex = new RegExp(`^${source}$`);
  } catch (error) {
    throw new SwitchboardError(
      ErrorCodes.ERR_INVALID_PATTERN,
      `Invalid destination pattern '${pattern}': ${(error as Error).message}`,
    );
  }
  return {
    pattern,
    isPattern: true,
    match(destination) {
      const m = regex.exec(destination);
      if (m === null) return null;
      const params: Record<string, string> = {};
      for (let i = 0; i < names.length; i++) params[names[i]!] = m[i + 1] ?? '';
      return params;
    },
  };
}

/** Regex source of one segment: literals, `*`, `?` and `{var}` / `{var:regex}`. */
function segment(token: string, separator: string, names: string[], pattern: string): string {
  const notSep = `[^${escapeRegex(separator)}]`;
  let out = '';
  let i = 0;
  while (i < token.length) {
    const ch = token[i]!;
    if (ch === '{') {
      const close = findClose(token, i);
      if (close < 0) throw invalid(pattern, 'unbalanced {');
      const body = token.slice(i + 1, close);
      const colon = body.indexOf(':');
      const name = colon < 0 ? body : body.slice(0, colon);
      if (!/^[A-Za-z_][\w-]*$/.test(name)) throw invalid(pattern, `bad variable name '${name}'`);
      if (names.includes(name)) throw invalid(pattern, `variable '${name}' used twice`);
      names.push(name);
      out += colon < 0 ? `(${notSep}*)` : `(${nonCapturing(body.slice(colon + 1))})`;
      i = close + 1;
    } else if (ch === '}') {
      throw invalid(pattern, 'unbalanced }');
    } else if (ch === '*') {
      out += `${notSep}*`;
      i++;
    } else if (ch === '?') {
      out += notSep;
      i++;
    } else {
      out += escapeRegex(ch);
      i++;
    }
  }
  return out;
}

function findClose(token: string, open: number): number {
  let depth = 0;
  for (let i = open; i < token.length; i++) {
    if (token[i] === '{') depth++;
    else if (token[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** User regexes must not shift our capture group numbering. */
function nonCapturing(regex: string): string {
  return regex.replace(/\\.|\((?!\?)/g, (m) => (m === '(' ? '(?:' : m));
}

function invalid(pattern: string, why: string): SwitchboardError {
  return new SwitchboardError(
    ErrorCodes.ERR_INVALID_PATTERN,
    `Invalid destination pattern '${pattern}': ${why}`,
  );
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

interface Specificity {
  doubles: number;
  singles: number;
  vars: number;
  length: number;
}

function specificity(pattern: string): Specificity {
  const withoutVars = pattern.replace(/\{[^}]*\}/g, '#');
  const doubles = (pattern.match(/\*\*/g) ?? []).length;
  const singles = (withoutVars.replace(/\*\*/g, '').match(/[*?]/g) ?? []).length;
  const vars = (pattern.match(/\{/g) ?? []).length;
  return { doubles, singles, vars, length: withoutVars.length };
}

/**
 * Orders patterns most specific first (Spring's `AntPatternComparator`): a plain destination
 * beats any pattern; fewer wildcards and variables (`**` counting double) is more specific;
 * then the longer pattern; then fewer single wildcards; then fewer variables. 0 means a tie.
 */
export function comparePatterns(a: string, b: string): number {
  const pa = isPattern(a);
  const pb = isPattern(b);
  if (!pa || !pb) return pa === pb ? 0 : pa ? 1 : -1;
  const sa = specificity(a);
  const sb = specificity(b);
  const totalA = sa.vars + sa.singles + 2 * sa.doubles;
  const totalB = sb.vars + sb.singles + 2 * sb.doubles;
  if (totalA !== totalB) return totalA - totalB;
  if (sa.length !== sb.length) return sb.length - sa.length;
  if (sa.singles !== sb.singles) return sa.singles - sb.singles;
  return sa.vars - sb.vars;
}

/** '/app' → '/app/': a prefix always ends with a separator (Spring's normalisation). */
export function normalizePrefix(prefix: string): string {
  return prefix.endsWith('/') || prefix.endsWith('.') ? prefix : `${prefix}/`;
}

/** True when `destination` starts with one of the (normalised) `prefixes`. */
export function hasPrefix(destination: string, prefixes: readonly string[]): boolean {
  for (const prefix of prefixes) if (destination.startsWith(prefix)) return true;
  return false;
}
