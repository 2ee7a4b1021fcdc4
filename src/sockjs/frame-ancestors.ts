import type { OriginOptions } from '../websocket/handshake.js';

/**
 * Who may frame the SockJS iframe page. The iframe's own requests are same-origin, so they pass
 * the origin check whoever framed it: the framing rule is what keeps the iframe transports to
 * the origins the endpoint allows. It is a CSP `frame-ancestors` list built from the origin
 * policy, exact or narrower, never wider.
 */
export interface IframeFraming {
  /** Headers for the iframe page (none when any origin is allowed). */
  headers: Readonly<Record<string, string>>;
  /** Patterns CSP cannot express exactly: pages on their origins cannot frame the iframe. */
  inexpressible: string[];
}

// CSP host-source pieces: a scheme, then `*`, or a host with an optional leading `*.` label.
const SCHEME = '[a-z][a-z0-9+.-]*';
const HOST = '(?:\\*|(?:\\*\\.)?[a-z0-9-]+(?:\\.[a-z0-9-]+)*)';
const PATTERN = new RegExp(`^(${SCHEME})://(${HOST})(?::\\[([^\\]]*)\\])?$`);
const ORIGIN = new RegExp(`^${SCHEME}://[a-z0-9-]+(?:\\.[a-z0-9-]+)*(?::\\d+)?$`);
const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443', ws: '80', wss: '443' };

/**
 * The framing rule for an origin policy: `'*'` allows any page; the same-origin default gives
 * `frame-ancestors 'self'` (and `X-Frame-Options: SAMEORIGIN` for browsers without CSP); a list
 * gives `'self'` and those origins; patterns are translated where CSP can say the same thing.
 */
export function iframeFraming(options: OriginOptions): IframeFraming {
  const origins = options.allowedOrigins ?? [];
  if (origins.includes('*')) return { headers: {}, inexpressible: [] };
  const sources = new Set<string>(["'self'"]);
  for (const origin of origins) {
    const source = originSource(origin);
    if (source !== undefined) sources.add(source);
  }
  const inexpressible: string[] = [];
  for (const pattern of options.allowedOriginPatterns ?? []) {
    const translated = patternSources(pattern);
    if (translated === undefined) inexpressible.push(pattern);
    else for (const source of translated) sources.add(source);
  }
  const csp = { 'content-security-policy': `frame-ancestors ${[...sources].join(' ')}` };
  // X-Frame-Options cannot name other origins, and browsers with CSP ignore it beside frame-ancestors.
  const headers = sources.size === 1 ? { ...csp, 'x-frame-options': 'SAMEORIGIN' } : csp;
  return { headers, inexpressible };
}

/** `https://App.example.com:443/` → `https://app.example.com`; undefined when CSP cannot name it. */
function originSource(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    const source = `${url.protocol}//${url.host}`.toLowerCase();
    return ORIGIN.test(source) ? source : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An origin pattern (see `compileOriginPattern`) as CSP sources matching the same origins:
 * `https://*.example.com`, `http://localhost:[*]` → `http://localhost:*`, `:[8080,8081]` → one
 * source per port, `https://*` → `https:`. Undefined for a wildcard CSP cannot place (inside a
 * label, in the scheme, a bare `:*` that would also admit the default port).
 */
function patternSources(pattern: string): string[] | undefined {
  const match = PATTERN.exec(pattern.toLowerCase());
  if (match === null) return undefined;
  const [, scheme, host, portList] = match as unknown as [string, string, string, string | undefined];
  if (portList === undefined) return [host === '*' ? `${scheme}:` : `${scheme}://${host}`];
  const ports = portList.split(',').map((p) => p.trim());
  if (ports.includes('*')) return [host === '*' ? `${scheme}:` : `${scheme}://${host}:*`];
  // As compileOriginPattern reads them; a default port never appears in a browser's Origin.
  return ports
    .map((p) => p.replace(/\D/g, ''))
    .filter((p) => p !== '' && p !== DEFAULT_PORTS[scheme])
    .map((p) => `${scheme}://${host}:${p}`);
}
