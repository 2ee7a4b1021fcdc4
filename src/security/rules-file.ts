import { ErrorCodes, SwitchboardError } from '../errors.js';
import { compilePattern } from '../messaging/destinations.js';
import type { AuthorizationDecision, AuthorizationRule, AuthorizedFrame } from './authorization.js';

const FRAMES: readonly AuthorizedFrame[] = ['CONNECT', 'SEND', 'SUBSCRIBE', 'UNSUBSCRIBE', 'ACK', 'NACK'];
const RULE_KEYS = new Set(['type', 'destination', 'allow', 'comment']);

/**
 * Authorization rules from a JSON document (the standalone server's `--rules` file), so rules
 * can be declared without code. The document is `{ "rules": [ ... ] }`, each rule
 * `{ "type", "destination"?, "allow", "comment"? }` as in {@link AuthorizationRule}, with
 * `allow` one of `true`, `false` or `"authenticated"`. A `{user}` variable in a destination
 * stands for the session's own user name: the rule allows only an authenticated session whose
 * name is the captured value (`/topic/inbox.{user}`), and denies any other.
 *
 * Throws a {@link SwitchboardError} `ERR_RULES_INVALID` whose message names the rule and field
 * at fault, on one line. `source` names the document in that message (e.g. the file name).
 */
export function parseAuthorizationRules(json: string, source = 'rules'): AuthorizationRule[] {
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch (error) {
    throw invalid(source, `not valid JSON (${(error as Error).message.split('\n', 1)[0]})`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw invalid(source, 'must be a JSON object {"rules": [...]}');
  const extra = Object.keys(document).filter((key) => key !== 'rules' && key !== 'comment');
  if (extra.length > 0) throw invalid(source, `unknown key '${extra[0]}' (expected "rules")`);
  const list = (document as { rules?: unknown }).rules;
  if (!Array.isArray(list)) throw invalid(source, '"rules" must be an array of rules');
  if (list.length === 0)
    throw invalid(source, '"rules" is empty, which would deny every SEND and SUBSCRIBE; add rules');
  return list.map((rule, i) => parseRule(rule, `${source}: rule ${i + 1}`));
}

function parseRule(rule: unknown, where: string): AuthorizationRule {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule))
    throw invalid(where, 'must be an object {"type", "destination", "allow"}');
  const r = rule as Record<string, unknown>;
  const extra = Object.keys(r).find((key) => !RULE_KEYS.has(key));
  if (extra !== undefined)
    throw invalid(where, `unknown key '${extra}' (expected type, destination, allow, comment)`);
  const types = typeof r.type === 'string' ? [r.type] : r.type;
  if (
    !Array.isArray(types) ||
    types.length === 0 ||
    types.some((t) => !FRAMES.includes(t as AuthorizedFrame))
  ) {
    throw invalid(
      where,
      `"type" must be one of ${FRAMES.join(', ')} or a list of them, got ${shown(r.type)}`,
    );
  }
  let destination: string | undefined;
  let ownUser = false;
  if (r.destination !== undefined) {
    if (typeof r.destination !== 'string' || !r.destination.startsWith('/'))
      throw invalid(where, `"destination" must be a pattern starting with '/', got ${shown(r.destination)}`);
    destination = r.destination;
    try {
      compilePattern(destination);
    } catch (error) {
      throw invalid(where, (error as Error).message);
    }
    ownUser = /\{user[:}]/.test(destination);
  }
  if (r.allow !== true && r.allow !== false && r.allow !== 'authenticated')
    throw invalid(where, `"allow" must be true, false or "authenticated", got ${shown(r.allow)}`);
  const allow: AuthorizationDecision =
    ownUser && r.allow !== false
      ? ({ user, params }) => user !== undefined && params.user === user.name
      : r.allow;
  return {
    type: types as AuthorizedFrame[],
    ...(destination === undefined ? {} : { destination }),
    allow,
  };
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function invalid(where: string, problem: string): SwitchboardError {
  return new SwitchboardError(ErrorCodes.ERR_RULES_INVALID, `${where}: ${problem}`);
}
