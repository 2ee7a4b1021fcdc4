import { ErrorCodes, StompProtocolError } from '../errors.js';
import type { Logger } from '../logger.js';
import { logIncident } from '../logging/log-incident.js';
import type { ChannelInterceptor } from '../messaging/channel.js';
import { compilePattern } from '../messaging/destinations.js';
import type { CompiledPattern } from '../messaging/destinations.js';
import type { Message, MessageType, Principal } from '../messaging/message.js';
import type { StompHeaders } from '../stomp/frame.js';

/** The client frames rules apply to (SEND is the client's word for a MESSAGE it publishes). */
export type AuthorizedFrame = 'CONNECT' | 'SEND' | 'SUBSCRIBE' | 'UNSUBSCRIBE' | 'ACK' | 'NACK';

/** What a rule's predicate sees. */
export interface AuthorizationContext {
  readonly type: AuthorizedFrame;
  /** The destination as the client wrote it (`/user/queue/x`, not its translation). */
  readonly destination: string | undefined;
  /** Variables captured by the rule's pattern: `/topic/room.{id}` → `{ id }`. */
  readonly params: Readonly<Record<string, string>>;
  readonly user: Principal | undefined;
  readonly sessionId: string;
  readonly headers: StompHeaders;
  readonly sessionAttributes: ReadonlyMap<string, unknown>;
}

/** `true`/`false`, `'authenticated'` (any user), or a predicate (may be async). */
export type AuthorizationDecision =
  boolean | 'authenticated' | ((context: AuthorizationContext) => boolean | Promise<boolean>);

/**
 * One rule: the frame types it covers, an optional destination pattern (Ant style, with
 * `{var}` captures), and the decision. Rules are tried in order; the first that matches decides.
 */
export interface AuthorizationRule {
  type: AuthorizedFrame | readonly AuthorizedFrame[];
  /** Destination pattern; omitted: any destination (and frames without one). */
  destination?: string;
  allow: AuthorizationDecision;
}

const TYPE_OF: Partial<Record<MessageType, AuthorizedFrame>> = {
  CONNECT: 'CONNECT',
  MESSAGE: 'SEND',
  SUBSCRIBE: 'SUBSCRIBE',
  UNSUBSCRIBE: 'UNSUBSCRIBE',
  ACK: 'ACK',
  NACK: 'NACK',
};

interface CompiledRule {
  readonly types: ReadonlySet<AuthorizedFrame>;
  readonly pattern: CompiledPattern | undefined;
  readonly allow: AuthorizationDecision;
}

/**
 * Per-destination authorization on the client inbound channel (Spring Security's
 * `MessageMatcherDelegatingAuthorizationManager`). Once any rule is configured, a SEND or
 * SUBSCRIBE no rule matches is denied. A denial is an ERROR naming the frame and destination
 * (never the rule), then the session closes, as STOMP requires.
 *
 * CONNECT, UNSUBSCRIBE, ACK and NACK are governed only when some rule names their type: without
 * one they are allowed (who may connect is the authenticators' call; the others only act on
 * what the session was already allowed to receive).
 */
export function authorizationInterceptor(
  rules: readonly AuthorizationRule[],
  options: { separator?: '/' | '.'; logger?: Logger } = {},
): ChannelInterceptor {
  const compiled: CompiledRule[] = rules.map((rule) => ({
    types: new Set(typeof rule.type === 'string' ? [rule.type] : rule.type),
    pattern: rule.destination === undefined ? undefined : compilePattern(rule.destination, options.separator),
    allow: rule.allow,
  }));
  const governed = new Set<AuthorizedFrame>([
    'SEND',
    'SUBSCRIBE',
    ...compiled.flatMap((rule) => [...rule.types]),
  ]);
  return {
    preSend(message: Message) {
      const type = TYPE_OF[message.headers.type];
      if (type === undefined || !governed.has(type)) return message;
      const h = message.headers;
      const destination = h.destination;
      for (const rule of compiled) {
        if (!rule.types.has(type)) continue;
        let params: Record<string, string> | null = {};
        if (rule.pattern !== undefined) {
          params = destination === undefined ? null : rule.pattern.match(destination);
          if (params === null) continue;
        }
        const context: AuthorizationContext = {
          type,
          destination,
          params,
          user: h.user,
          sessionId: h.sessionId!,
          headers: h.nativeHeaders,
          sessionAttributes: h.sessionAttributes ?? new Map(),
        };
        const verdict = decide(rule.allow, context);
        if (typeof verdict === 'boolean') return verdict ? message : deny(context, options.logger);
        return verdict.then((ok) => (ok ? message : deny(context, options.logger)));
      }
      return deny(
        { type, destination, params: {}, user: h.user, sessionId: h.sessionId! } as AuthorizationContext,
        options.logger,
      );
    },
  };
}

function decide(allow: AuthorizationDecision, context: AuthorizationContext): boolean | Promise<boolean> {
  if (typeof allow === 'boolean') return allow;
  if (allow === 'authenticated') return context.user !== undefined;
  return allow(context);
}

function deny(context: AuthorizationContext, logger: Logger | undefined): never {
  const where = context.destination === undefined ? '' : ` to '${context.destination}'`;
  if (logger !== undefined)
    logIncident(logger, 'info', 'accessDenied', context.sessionId, 'Access denied', {
      sessionId: context.sessionId,
      user: context.user?.name,
      type: context.type,
      destination: context.destination,
    });
  throw new StompProtocolError(ErrorCodes.ERR_ACCESS_DENIED, `Access denied: ${context.type}${where}`);
}
