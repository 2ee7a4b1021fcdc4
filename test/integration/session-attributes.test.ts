import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawStompClient } from '../helpers/raw-stomp.js';
import { startServer } from '../helpers/server.js';
import type { Session } from '../../src/index.js';

/** The server-side session of a client, found by the id its CONNECTED frame named. */
function sessionOf(sessions: Iterable<Session>, id: string | undefined): Session {
  const session = [...sessions].find((s) => s.id === id);
  assert.ok(session, `no server session ${id}`);
  return session;
}

/** The session's attributes map if it has made one (read through a function: no narrowing). */
const mapOf = (session: Session): Map<string, unknown> | undefined => session.attributesIfAny;

test('session attributes are made on first use: written at CONNECT, a handler reads them later; unused, a session holds none', async (t) => {
  const { server, url } = await startServer(t, {
    inboundInterceptors: [
      {
        preSend(message) {
          const tenant = message.headers.nativeHeaders.tenant;
          if (message.headers.type === 'CONNECT' && tenant !== undefined) {
            message.headers.sessionAttributes!.set('tenant', tenant);
          }
          return message;
        },
      },
    ],
  });
  server.handlers.map('/tenant', (ctx) => ({ tenant: ctx.sessionAttributes.get('tenant') ?? null }));
  server.handlers.map('/echo', (ctx) => ctx.payload, { sendTo: '/topic/news' });

  const connect = async (
    headers: Record<string, string>,
  ): Promise<{ client: RawStompClient; id: string }> => {
    const client = await RawStompClient.open(url);
    client.sendFrame('CONNECT', { 'accept-version': '1.2', host: 'localhost', ...headers });
    const connected = await client.next('CONNECTED');
    return { client, id: connected.headers.session! };
  };

  // A session that subscribes, publishes (to the broker and through a handler that does not read
  // the attributes) and receives, and never touches its attributes.
  const plain = await connect({});
  await plain.client.request('SUBSCRIBE', { id: 's', destination: '/topic/news' });
  plain.client.sendFrame('SEND', { destination: '/topic/news' }, 'hello');
  assert.equal((await plain.client.next('MESSAGE')).body.toString(), 'hello');
  plain.client.sendFrame('SEND', { destination: '/app/echo', 'content-type': 'text/plain' }, 'again');
  assert.equal((await plain.client.next('MESSAGE')).body.toString(), 'again');
  const plainSession = sessionOf(server.sessions, plain.id);
  assert.ok('attributesIfAny' in plainSession, 'a WebSocket session tells whether it has made its map');
  assert.equal(mapOf(plainSession), undefined, 'no attributes map was made');

  // A session whose CONNECT interceptor writes an attribute: the map is the session's own.
  const tenant = await connect({ tenant: 'acme' });
  await tenant.client.request('SUBSCRIBE', { id: 's', destination: '/topic/tenant' });
  tenant.client.sendFrame('SEND', { destination: '/app/tenant' });
  assert.deepEqual(JSON.parse((await tenant.client.next('MESSAGE')).body.toString()), { tenant: 'acme' });
  const tenantSession = sessionOf(server.sessions, tenant.id);
  assert.equal(tenantSession.attributesIfAny?.get('tenant'), 'acme');
  assert.equal(tenantSession.attributes, tenantSession.attributesIfAny);

  // Reading the attributes (here through a handler) makes the map, empty.
  plain.client.sendFrame('SUBSCRIBE', { id: 't', destination: '/topic/tenant' });
  plain.client.sendFrame('SEND', { destination: '/app/tenant' });
  assert.deepEqual(JSON.parse((await plain.client.next('MESSAGE')).body.toString()), { tenant: null });
  assert.equal(mapOf(plainSession)?.size, 0);
  plain.client.close();
  tenant.client.close();
});
