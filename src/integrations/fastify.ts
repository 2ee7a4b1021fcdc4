import type http from 'node:http';
import type { StompServer } from '../server/stomp-server.js';
import type { StompServerOptions } from '../server/stomp-server-options.js';
import { createStompServer } from '../server/create-stomp-server.js';

/** The part of a Fastify instance the plugin uses (no dependency on fastify itself). */
export interface FastifyInstanceLike {
  readonly server: http.Server;
  /** Fastify's `decorate(name, value)`. */
  decorate(name: string, value: unknown): unknown;
  /** Fastify's `addHook('preClose', hook)`. */
  addHook(name: 'preClose', hook: () => Promise<void>): unknown;
}

/**
 * A Fastify plugin: the STOMP endpoint on Fastify's own HTTP server (one port for your routes,
 * WebSocket and SockJS), `fastify.stomp` for handlers and the template, and the STOMP server
 * closed with Fastify (`preClose`). Registered at the root (it is not encapsulated), like plugins
 * wrapped in fastify-plugin.
 *
 * ```ts
 * const app = Fastify();
 * await app.register(switchboardFastify, { path: '/stomp', sockjs: true });
 * app.stomp.handlers.map('/chat', (ctx) => ctx.payload, { sendTo: '/topic/chat' });
 * await app.listen({ port: 8080 });
 * ```
 * For types, add `declare module 'fastify' { interface FastifyInstance { stomp: StompServer } }`.
 */
export const switchboardFastify = Object.assign(
  (fastify: FastifyInstanceLike, options: Omit<StompServerOptions, 'server' | 'tls'> = {}): Promise<void> => {
    const stomp: StompServer = createStompServer({ ...options, server: fastify.server });
    fastify.decorate('stomp', stomp);
    // preClose: before Fastify closes its server, which waits for every socket (WebSockets too).
    fastify.addHook('preClose', () => stomp.close());
    return Promise.resolve();
  },
  // What fastify-plugin sets: decorate the instance the plugin is registered on, not a child.
  { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'switchboard' },
);
