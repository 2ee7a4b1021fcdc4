import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StompBrokerRelay } from '../../../src/broker/relay/broker-relay.js';
import { SimpleBroker } from '../../../src/broker/simple-broker.js';
import { ErrorCodes } from '../../../src/errors.js';
import { DEFAULT_LIMITS } from '../../../src/limits.js';
import { silentLogger } from '../../../src/logger.js';
import { DirectChannel } from '../../../src/messaging/channel.js';
import type { ChannelInterceptor } from '../../../src/messaging/channel.js';
import { defaultConverter } from '../../../src/messaging/converters.js';
import { createMessage } from '../../../src/messaging/message.js';
import { createBroker } from '../../../src/server/create-broker.js';
import { interceptorChains } from '../../../src/server/interceptor-chains.js';
import { resolveOptions } from '../../../src/server/resolve-options.js';
import type { HandshakeInterceptor } from '../../../src/websocket/handshake.js';

test('resolveOptions: the defaults of createStompServer', () => {
  const resolved = resolveOptions({});
  assert.deepEqual(resolved.limits, DEFAULT_LIMITS);
  assert.equal(resolved.separator, '/');
  assert.deepEqual(resolved.appPrefixes, ['/app/']);
  assert.equal(resolved.userDestinationPrefix, '/user/');
  assert.equal(resolved.converter, defaultConverter);
  assert.equal(resolved.paths, '/stomp');
  assert.equal(resolved.urlPath, '/stomp');
  assert.equal(resolved.statsLoggingPeriod, 30 * 60_000);
  assert.deepEqual(resolved.simpleBroker, {});
  assert.equal(resolved.relay, undefined);
});

test('resolveOptions: given values win; the URL names the first path; the relay is split from the simple broker options', () => {
  const relay = { host: 'broker', port: 61613 };
  const resolved = resolveOptions({
    path: ['/ws', '/stomp2'],
    pathSeparator: '.',
    applicationPrefixes: ['/app', '/app2/', 'chat.'],
    limits: { maxFrameSize: 1024 },
    statsLoggingPeriod: 0,
    broker: { prefixes: ['/exchange'], relay },
  });
  assert.deepEqual(resolved.paths, ['/ws', '/stomp2']);
  assert.equal(resolved.urlPath, '/ws');
  assert.equal(resolved.separator, '.');
  assert.deepEqual(resolved.appPrefixes, ['/app/', '/app2/', 'chat.']);
  assert.equal(resolved.limits.maxFrameSize, 1024);
  assert.equal(resolved.limits.maxHeaders, DEFAULT_LIMITS.maxHeaders);
  assert.equal(resolved.statsLoggingPeriod, 0);
  assert.deepEqual(resolved.simpleBroker, { prefixes: ['/exchange'] });
  assert.equal(resolved.relay, relay);
  // An empty path list still gives listen() a URL.
  assert.equal(resolveOptions({ path: [] }).urlPath, '/stomp');
});

test('createBroker: the simple broker without a relay, the relay with one (neither started)', () => {
  const outbound = new DirectChannel('clientOutbound');
  assert.ok(createBroker(resolveOptions({}), outbound, silentLogger) instanceof SimpleBroker);
  const relay = createBroker(
    resolveOptions({ broker: { relay: { host: '127.0.0.1', port: 1 } } }),
    outbound,
    silentLogger,
  );
  assert.ok(relay instanceof StompBrokerRelay);
});

test('interceptorChains: CSRF, then authentication, then authorization, then the application’s own', async () => {
  const own: ChannelInterceptor = {};
  const ownHandshake: HandshakeInterceptor = { beforeHandshake: () => true };
  const none = interceptorChains(
    { inboundInterceptors: [own], handshakeInterceptors: [ownHandshake] },
    '/',
    silentLogger,
  );
  assert.deepEqual(none.clientInbound, [own]);
  assert.deepEqual(none.handshake, [ownHandshake]);

  let authenticated = 0;
  const all = interceptorChains(
    {
      csrf: true,
      authenticate: () => {
        authenticated++;
        return undefined;
      },
      authorization: [{ type: 'CONNECT', allow: true }],
      inboundInterceptors: [own],
      authenticateHandshake: () => undefined,
      handshakeInterceptors: [ownHandshake],
    },
    '/',
    silentLogger,
  );
  assert.equal(all.clientInbound.length, 4);
  assert.equal(all.clientInbound[3], own);
  assert.equal(all.handshake.length, 3);
  assert.equal(all.handshake[2], ownHandshake);
  // A CONNECT without the CSRF token is refused before anyone looks at its credentials.
  const channel = new DirectChannel('clientInbound', all.clientInbound);
  const connect = createMessage({ type: 'CONNECT', sessionId: 's1', sessionAttributes: new Map() });
  await assert.rejects(async () => channel.send(connect), { code: ErrorCodes.ERR_CSRF });
  assert.equal(authenticated, 0);
});
