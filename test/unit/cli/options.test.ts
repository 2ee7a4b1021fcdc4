import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCliOptions, parseRelayUrl } from '../../../src/cli/options.js';

test('defaults', () => {
  const o = parseCliOptions([], {});
  assert.ok(o !== 'help');
  assert.equal(o.port, 8080);
  assert.equal(o.path, '/stomp');
  assert.deepEqual(o.heartbeat, [10000, 10000]);
  assert.equal(o.allowedOrigins, undefined);
});

test('flags win over environment variables', () => {
  const o = parseCliOptions(['--port', '9000', '--allowed-origins', 'https://a.example, https://b.example'], {
    SWITCHBOARD_PORT: '7000',
    SWITCHBOARD_HEARTBEAT: '5000,0',
    SWITCHBOARD_MAX_FRAME_SIZE: '1024',
  });
  assert.ok(o !== 'help');
  assert.equal(o.port, 9000);
  assert.deepEqual(o.allowedOrigins, ['https://a.example', 'https://b.example']);
  assert.deepEqual(o.heartbeat, [5000, 0]);
  assert.equal(o.maxFrameSize, 1024);
});

test('bad values are named', () => {
  assert.throws(() => parseCliOptions(['--port', 'x'], {}), /--port/);
  assert.throws(() => parseCliOptions(['--heartbeat', '10'], {}), /--heartbeat/);
  assert.throws(() => parseCliOptions(['--overflow', 'explode'], {}), /--overflow/);
  assert.throws(() => parseCliOptions(['--nope'], {}), /nope/);
});

test('--relay: a stomp:// URL gives host, port, credentials and virtual host; no relay by default', () => {
  const none = parseCliOptions([], {});
  assert.ok(none !== 'help');
  assert.equal(none.relay, undefined);

  const o = parseCliOptions(['--relay', 'stomp://app:s%40cret@broker.internal:61614/prod'], {
    SWITCHBOARD_RELAY_CLIENT_LOGIN: 'web',
    SWITCHBOARD_RELAY_CLIENT_PASSCODE: 'webpw',
    SWITCHBOARD_RELAY_PREFIXES: '/topic, /queue, /exchange',
  });
  assert.ok(o !== 'help');
  assert.deepEqual(o.relay, {
    host: 'broker.internal',
    port: 61614,
    login: 'app',
    passcode: 's@cret',
    virtualHost: 'prod',
    tls: undefined,
    mode: undefined,
    poolSize: undefined,
    clientLogin: 'web',
    clientPasscode: 'webpw',
    prefixes: ['/topic', '/queue', '/exchange'],
  });

  const env = parseCliOptions([], { SWITCHBOARD_RELAY: 'stomp+ssl://mq.example' });
  assert.ok(env !== 'help');
  assert.equal(env.relay?.host, 'mq.example');
  assert.equal(env.relay?.port, 61613);
  assert.equal(env.relay?.tls, true);
  assert.equal(env.relay?.virtualHost, undefined, "RabbitMQ's default '/' when the URL has no path");
  assert.equal(parseRelayUrl('stomp://h/%2F').virtualHost, '/');
});

test('--relay: several comma-separated addresses become hosts, tried in turn; --relay-mode and --relay-pool-size', () => {
  const o = parseCliOptions(
    [
      '--relay',
      'stomp://app:pw@h1:61613,h2:61614/prod',
      '--relay-mode',
      'per-session',
      '--relay-pool-size',
      '3',
    ],
    {},
  );
  assert.ok(o !== 'help');
  assert.equal(o.relay?.host, 'h1');
  assert.equal(o.relay?.login, 'app');
  assert.equal(o.relay?.virtualHost, 'prod');
  assert.deepEqual(o.relay?.hosts, [
    { host: 'h1', port: 61613 },
    { host: 'h2', port: 61614 },
  ]);
  assert.equal(o.relay?.mode, 'per-session');
  assert.equal(o.relay?.poolSize, 3);
  assert.equal(parseRelayUrl('stomp://h1').hosts, undefined, 'one address: no hosts list');
  assert.throws(
    () => parseCliOptions(['--relay', 'stomp://h', '--relay-mode', 'pooled'], {}),
    /--relay-mode/,
  );
  assert.throws(
    () => parseRelayUrl('stomp://u:topsecret@h1:61613,:x'),
    (error: Error) => /--relay/.test(error.message) && !error.message.includes('topsecret'),
  );
});

test('--relay: bad URLs are named, and the password is never echoed', () => {
  assert.throws(() => parseCliOptions(['--relay', 'amqp://guest:guest@h'], {}), /stomp:\/\/ or stomp\+ssl/);
  assert.throws(
    () => parseCliOptions(['--relay', 'not a url:topsecret@'], {}),
    (error: Error) => /--relay/.test(error.message) && !error.message.includes('topsecret'),
  );
});

test('ports: 0 to 65535, whole numbers only', () => {
  assert.throws(
    () => parseCliOptions(['--port', '80808'], {}),
    /--port must be a port number from 0 to 65535, got '80808'/,
  );
  assert.throws(() => parseCliOptions(['--port', '8080.5'], {}), /--port must be a port number/);
  assert.throws(
    () => parseCliOptions([], { SWITCHBOARD_INTERNAL_PORT: 'x' }),
    /--internal-port must be a port number/,
  );
  const o = parseCliOptions(['--port', '65535'], {});
  assert.ok(o !== 'help');
  assert.equal(o.port, 65535);
});

test('the internal listener: 127.0.0.1:9090 by default, any port, or off; metrics and admin off the public port unless asked', () => {
  const o = parseCliOptions([], {});
  assert.ok(o !== 'help');
  assert.equal(o.internalPort, 9090);
  assert.equal(o.internalHost, '127.0.0.1');
  assert.equal(o.metrics, true);
  assert.equal(o.metricsPublic, false);
  assert.equal(o.adminPublic, false);

  const off = parseCliOptions(['--internal-port', 'off', '--metrics-public', 'true'], {
    SWITCHBOARD_INTERNAL_HOST: '10.0.0.5',
  });
  assert.ok(off !== 'help');
  assert.equal(off.internalPort, undefined);
  assert.equal(off.internalHost, '10.0.0.5');
  assert.equal(off.metricsPublic, true);

  assert.throws(
    () => parseCliOptions(['--metrics-public', 'yes'], {}),
    /--metrics-public must be 'true' or 'false'/,
  );
  const token = { SWITCHBOARD_ADMIN_TOKEN: 'sixteen-chars-token' };
  assert.throws(() => parseCliOptions(['--internal-port', 'off'], token), /internal listener, which is off/);
  const publicAdmin = parseCliOptions(['--internal-port', 'off', '--admin-public', 'true'], token);
  assert.ok(publicAdmin !== 'help');
  assert.equal(publicAdmin.adminPublic, true);
});

test('--rules and --relay-start-timeout', () => {
  const o = parseCliOptions(['--rules', 'rules.json'], { SWITCHBOARD_RELAY_START_TIMEOUT: '0' });
  assert.ok(o !== 'help');
  assert.equal(o.rules, 'rules.json');
  assert.equal(o.relayStartTimeout, 0);
  const d = parseCliOptions([], {});
  assert.ok(d !== 'help');
  assert.equal(d.rules, undefined);
  assert.equal(d.relayStartTimeout, 10000);
});
