/**
 * Guards the topics instances use among themselves (user messages, user registries) from
 * clients: on a broker such as RabbitMQ, a client that subscribes to `/topic/#` (ActiveMQ:
 * `/topic/>`) or names the topic would read every user's messages, and one that sends to it
 * could forge them.
 */

/** The routing key a topic destination publishes to or a subscription binds with, if any. */
function routingKey(destination: string): string | undefined {
  if (destination.startsWith('/topic/')) return destination.slice('/topic/'.length);
  // RabbitMQ's /topic/ is its amq.topic exchange, reachable as /exchange/amq.topic/ too.
  if (destination.startsWith('/exchange/amq.topic/')) return destination.slice('/exchange/amq.topic/'.length);
  return undefined;
}

/**
 * Topic wildcard matching: words split on '.', `*` is one word, `#` (RabbitMQ) and `>`
 * (ActiveMQ) zero or more, so a guard holds on either broker.
 */
export function topicPatternMatches(pattern: string, key: string): boolean {
  const p = pattern.split('.');
  const k = key.split('.');
  const match = (i: number, j: number): boolean => {
    if (i === p.length) return j === k.length;
    if (p[i] === '#' || p[i] === '>') return match(i + 1, j) || (j < k.length && match(i, j + 1));
    if (j === k.length) return false;
    return (p[i] === '*' || p[i] === k[j]) && match(i + 1, j + 1);
  };
  return match(0, 0);
}

/**
 * A predicate telling whether a client destination reaches one of `topics` (destinations such
 * as '/topic/switchboard.user-destination'), directly or through a wildcard subscription.
 */
export function reachesInternalTopics(topics: readonly string[]): (destination: string) => boolean {
  const keys = topics.map(routingKey).filter((k): k is string => k !== undefined);
  const exact = new Set(topics);
  return (destination) => {
    if (exact.has(destination)) return true;
    const pattern = routingKey(destination);
    return pattern !== undefined && keys.some((key) => topicPatternMatches(pattern, key));
  };
}
