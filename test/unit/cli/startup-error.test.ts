import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExitCodes, fileFailure, listenFailure } from '../../../src/cli/startup-error.js';

const target = { port: 80, host: '0.0.0.0', portFlag: '--port', hostFlag: '--host', what: 'port' };
const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`listen ${code}`), { code });

test('listen errors become one line naming the port, the host and the flag to change', () => {
  const cases: [string, RegExp][] = [
    [
      'EADDRINUSE',
      /^port 80 on 0\.0\.0\.0 is already in use; choose another with --port or stop the process using it$/,
    ],
    [
      'EACCES',
      /^no permission to listen on port 80 on 0\.0\.0\.0 .*choose a port from 1024 up with --port, or grant the capability: sudo setcap cap_net_bind_service/,
    ],
    ['EPERM', /^no permission to listen on port 80/],
    ['EADDRNOTAVAIL', /^0\.0\.0\.0 is not an address of this machine.*--host/],
    ['ENOTFOUND', /^cannot resolve the host name '0\.0\.0\.0'.*--host/],
    ['EWHATEVER', /^cannot listen on port 80 on 0\.0\.0\.0: listen EWHATEVER; check --port and --host$/],
  ];
  for (const [code, message] of cases) {
    const failure = listenFailure(errno(code), target);
    assert.equal(failure.exitCode, ExitCodes.listen);
    assert.match(failure.message, message);
    assert.ok(!failure.message.includes('\n'));
  }
});

test('file errors name the file, its flag and the fix', () => {
  const failure = fileFailure(errno('EACCES'), '/etc/key.pem', '--tls-key', 'the TLS private key');
  assert.equal(failure.exitCode, ExitCodes.file);
  assert.equal(
    failure.message,
    "cannot read the TLS private key '/etc/key.pem' (--tls-key): permission denied; make it readable by the user running switchboard",
  );
  assert.match(
    fileFailure(errno('ENOENT'), 'r.json', '--rules', 'the rules file').message,
    /no such file; check the path$/,
  );
  assert.match(
    fileFailure(errno('EISDIR'), '/tmp', '--rules', 'the rules file').message,
    /it is a directory/,
  );
});

test('exit codes are distinct and non-zero', () => {
  const codes = Object.values(ExitCodes);
  assert.equal(new Set(codes).size, codes.length);
  assert.ok(codes.every((c) => c > 0));
});
