// Every start-up failure of the standalone server is one line on stderr (what is wrong, what to
// do), a distinct non-zero exit code, and no stack trace. Each case spawns the real CLI.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { failingCli, startCli, tempFile } from '../helpers/cli.js';
import { removeCertificate, selfSignedCertificate } from '../helpers/tls.js';

/** Exactly one line, `switchboard: …`, matching `pattern`; no stack trace. */
function assertOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${stderr}`);
  assert.match(lines[0]!, /^switchboard: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
}

/** A port something else already listens on (127.0.0.1). */
async function takenPort(t: TestContext): Promise<number> {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => blocker.close());
  return (blocker.address() as net.AddressInfo).port;
}

/** A port nothing listens on (connections to it are refused). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('port already in use: exit 4, names the port and --port', async (t) => {
  const port = await takenPort(t);
  const { code, stderr } = await failingCli(t, ['--port', String(port), '--host', '127.0.0.1']);
  assert.equal(code, 4);
  assertOneLine(
    stderr,
    new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use; choose another with --port or stop`),
  );
});

test('internal port already in use: exit 4, names --internal-port', async (t) => {
  const port = await takenPort(t);
  const { code, stderr } = await failingCli(t, ['--port', '0', '--internal-port', String(port)]);
  assert.equal(code, 4);
  assertOneLine(
    stderr,
    new RegExp(`internal port ${port} on 127\\.0\\.0\\.1 is already in use.*--internal-port`),
  );
});

test('port out of range or not a number: exit 2, names the flag', async (t) => {
  for (const [args, shown] of [
    [['--port', '80808'], "--port must be a port number from 0 to 65535, got '80808'"],
    [['--port', 'http'], "--port must be a port number from 0 to 65535, got 'http'"],
    [['--internal-port', '99999'], "--internal-port must be a port number from 0 to 65535, got '99999'"],
  ] as const) {
    const { code, stderr } = await failingCli(t, [...args]);
    assert.equal(code, 2);
    assertOneLine(stderr, new RegExp(`${shown.replace(/[-.]/g, '\\$&')}; see switchboard --help`));
  }
});

test('no permission for the port (below the unprivileged range, as a non-root user): exit 4, says what to do', async (t) => {
  // Ports below this need CAP_NET_BIND_SERVICE. As root, the CLI runs without that capability
  // (setpriv drops it from the bounding set): still root, so it can read the checkout wherever it is.
  const unprivilegedStart = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
  assert.ok(unprivilegedStart > 1, 'this machine has privileged ports (ip_unprivileged_port_start > 1)');
  const port = unprivilegedStart - 1;
  const wrapper =
    process.getuid?.() === 0
      ? ['setpriv', '--bounding-set', '-net_bind_service', '--inh-caps', '-net_bind_service']
      : [];
  const { code, stderr } = await failingCli(t, ['--port', String(port), '--host', '127.0.0.1'], { wrapper });
  assert.equal(code, 4, stderr);
  assertOneLine(
    stderr,
    new RegExp(
      `no permission to listen on port ${port} on 127\\.0\\.0\\.1.*choose a port from 1024 up with --port`,
    ),
  );
});

test('address not on this machine: exit 4, names --host', async (t) => {
  const { code, stderr } = await failingCli(t, ['--port', '0', '--host', '192.0.2.1']);
  assert.equal(code, 4);
  assertOneLine(stderr, /192\.0\.2\.1 is not an address of this machine.*--host/);
});

test('TLS files missing or unusable: exit 3, names the file and the flag', async (t) => {
  const tls = selfSignedCertificate();
  t.after(() => removeCertificate(tls.dir));
  const missing = await failingCli(t, ['--tls-cert', `${tls.dir}/nope.pem`, '--tls-key', tls.keyFile]);
  assert.equal(missing.code, 3);
  assertOneLine(missing.stderr, /cannot read the TLS certificate '.*nope\.pem' \(--tls-cert\): no such file/);

  const notPem = tempFile(t, 'cert.pem', 'not a certificate');
  const garbage = await failingCli(t, ['--tls-cert', notPem, '--tls-key', tls.keyFile]);
  assert.equal(garbage.code, 3);
  assertOneLine(garbage.stderr, /TLS certificate and key cannot be used .*--tls-cert.*--tls-key/);

  const other = selfSignedCertificate();
  t.after(() => removeCertificate(other.dir));
  const mismatch = await failingCli(t, ['--tls-cert', tls.certFile, '--tls-key', other.keyFile]);
  assert.equal(mismatch.code, 3);
  assertOneLine(mismatch.stderr, /TLS certificate and key cannot be used/);
});

test('rules file missing or invalid: exit 3 or 2, names the file, the rule and the field', async (t) => {
  const missing = await failingCli(t, ['--rules', '/nonexistent/rules.json']);
  assert.equal(missing.code, 3);
  assertOneLine(
    missing.stderr,
    /cannot read the rules file '\/nonexistent\/rules\.json' \(--rules\): no such file/,
  );

  for (const [content, problem] of [
    ['{"rules": [', /not valid JSON/],
    [
      { rules: [{ type: 'SEND', destination: '/app/**', allow: 'yes' }] },
      /rule 1: "allow" must be true, false or "authenticated", got "yes"/,
    ],
    [
      {
        rules: [
          { type: 'SUBSCRIBE', allow: true },
          { type: 'PUBLISH', allow: true },
        ],
      },
      /rule 2: "type" must be one of CONNECT, SEND/,
    ],
    [
      { rules: [{ type: 'SEND', destination: '/app/{x', allow: true }] },
      /rule 1: Invalid destination pattern/,
    ],
    [{ rules: [{ type: 'SEND', destinaton: '/app/x', allow: true }] }, /rule 1: unknown key 'destinaton'/],
  ] as const) {
    const file = tempFile(t, 'rules.json', content);
    const { code, stderr } = await failingCli(t, ['--rules', file]);
    assert.equal(code, 2);
    assertOneLine(stderr, new RegExp(`rules file '.*rules\\.json': ${problem.source}.*docs/security\\.md`));
  }
});

test('broker unreachable at start with --relay: exit 5 after --relay-start-timeout, naming the broker and the way out', async (t) => {
  const deadPort = await closedPort();
  const started = Date.now();
  const { code, stderr } = await failingCli(t, [
    '--relay',
    `stomp://guest:secret-pw@127.0.0.1:${deadPort}`,
    '--relay-start-timeout',
    '1500',
  ]);
  assert.equal(code, 5);
  assert.ok(Date.now() - started >= 1500, 'waited for the broker first');
  assertOneLine(
    stderr,
    new RegExp(
      `message broker at 127\\.0\\.0\\.1:${deadPort} is unreachable after 1\\.5 s \\(.*ECONNREFUSED.*\\); start it or fix --relay, or start anyway with --relay-start-timeout 0`,
    ),
  );
  assert.ok(!stderr.includes('secret-pw'), 'the broker password is not printed');
});

test('--relay-start-timeout 0: starts at once without the broker, with one warning', async (t) => {
  const deadPort = await closedPort();
  const { logs } = await startCli(t, [
    '--log-level',
    'warn',
    '--relay',
    `stomp://guest:guest@127.0.0.1:${deadPort}`,
    '--relay-start-timeout',
    '0',
  ]);
  assert.match(logs(), /WARN Starting without the message broker; clients are refused until it is up/);
});

test('--admin-token with the internal listener off and no --admin-public: exit 2, says what to do', async (t) => {
  const { code, stderr } = await failingCli(t, ['--internal-port', 'off'], {
    env: { SWITCHBOARD_ADMIN_TOKEN: 'a-long-enough-admin-token' },
  });
  assert.equal(code, 2);
  assertOneLine(stderr, /--admin-token .*internal listener, which is off.*--admin-public true/);
  assert.ok(!stderr.includes('a-long-enough-admin-token'), 'the token is not printed');
});
