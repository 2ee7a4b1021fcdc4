import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { SwitchboardError } from '../../../src/errors.js';
import { createMessage } from '../../../src/messaging/message.js';
import type { Principal } from '../../../src/messaging/message.js';
import { authorizationInterceptor } from '../../../src/security/authorization.js';
import type { AuthorizedFrame } from '../../../src/security/authorization.js';
import { parseAuthorizationRules } from '../../../src/security/rules-file.js';

/** What the rules decide for one frame: true (passed on) or false (ERR_ACCESS_DENIED). */
async function allowed(
  json: string,
  frame: Extract<AuthorizedFrame, 'CONNECT' | 'SEND' | 'SUBSCRIBE'>,
  destination: string | undefined,
  user?: Principal,
): Promise<boolean> {
  const interceptor = authorizationInterceptor(parseAuthorizationRules(json));
  const type = frame === 'SEND' ? 'MESSAGE' : frame;
  const message = createMessage({ type, destination, user, sessionId: 's1' });
  try {
    await interceptor.preSend!(message, undefined as never);
    return true;
  } catch (error) {
    assert.equal((error as SwitchboardError).code, 'ERR_ACCESS_DENIED');
    return false;
  }
}

const ann = { name: 'ann' };

test("the demo's rules: logged-in sessions only; prices, positions and own queues; SEND only to /app/trade", async () => {
  const demo = readFileSync(new URL('../../../examples/portfolio/rules.json', import.meta.url), 'utf8');
  assert.equal(await allowed(demo, 'CONNECT', undefined), false, 'anonymous CONNECT');
  assert.equal(await allowed(demo, 'CONNECT', undefined, ann), true);
  assert.equal(await allowed(demo, 'SUBSCRIBE', '/topic/price.stock.*', ann), true);
  assert.equal(await allowed(demo, 'SUBSCRIBE', '/topic/price.stock.GOOG', ann), true);
  assert.equal(await allowed(demo, 'SUBSCRIBE', '/app/positions', ann), true);
  assert.equal(await allowed(demo, 'SUBSCRIBE', '/user/queue/position-updates', ann), true);
  assert.equal(await allowed(demo, 'SUBSCRIBE', '/user/queue/errors', ann), true);
  assert.equal(await allowed(demo, 'SEND', '/app/trade', ann), true);
  assert.equal(await allowed(demo, 'SEND', '/topic/price.stock.GOOG', ann), false, 'forged price');
  assert.equal(await allowed(demo, 'SEND', '/user/fabrice/queue/position-updates', ann), false);
  assert.equal(await allowed(demo, 'SUBSCRIBE', '/topic/**', ann), false);
  assert.equal(await allowed(demo, 'SEND', '/app/trade', undefined), false, 'anonymous SEND');
});

test('{user} in a destination is the session user: own destinations only, never anonymous', async () => {
  const rules = JSON.stringify({
    rules: [{ type: ['SUBSCRIBE', 'SEND'], destination: '/topic/inbox.{user}', allow: 'authenticated' }],
  });
  assert.equal(await allowed(rules, 'SUBSCRIBE', '/topic/inbox.ann', ann), true);
  assert.equal(await allowed(rules, 'SUBSCRIBE', '/topic/inbox.fabrice', ann), false);
  assert.equal(await allowed(rules, 'SEND', '/topic/inbox.ann', undefined), false);
  // Even `allow: true` means only the user's own destination; `false` denies all of them.
  const always = rules.replace('"authenticated"', 'true');
  assert.equal(await allowed(always, 'SEND', '/topic/inbox.fabrice', ann), false);
  assert.equal(
    await allowed(rules.replace('"authenticated"', 'false'), 'SEND', '/topic/inbox.ann', ann),
    false,
  );
});

test('a rule without a destination covers every destination of its types; the first match decides', async () => {
  const rules = JSON.stringify({
    comment: 'deny one room, allow the rest',
    rules: [
      { type: 'SEND', destination: '/topic/room.secret', allow: false },
      { type: ['SEND', 'SUBSCRIBE'], allow: true, comment: 'everything else' },
    ],
  });
  assert.equal(await allowed(rules, 'SEND', '/topic/room.secret'), false);
  assert.equal(await allowed(rules, 'SEND', '/topic/room.open'), true);
  assert.equal(await allowed(rules, 'SUBSCRIBE', '/queue/anything'), true);
});

test('invalid documents are named: where, which field, what was given', () => {
  const cases: [string, RegExp][] = [
    ['[', /^f: not valid JSON/],
    ['[]', /^f: must be a JSON object/],
    ['{"rule": []}', /^f: unknown key 'rule'/],
    ['{"rules": {}}', /^f: "rules" must be an array/],
    ['{"rules": []}', /^f: "rules" is empty, which would deny every SEND and SUBSCRIBE/],
    ['{"rules": [1]}', /^f: rule 1: must be an object/],
    ['{"rules": [{"type": [], "allow": true}]}', /^f: rule 1: "type" must be one of/],
    [
      '{"rules": [{"type": "SEND", "destination": "app/x", "allow": true}]}',
      /rule 1: "destination" must be a pattern starting with '\/', got "app\/x"/,
    ],
    [
      '{"rules": [{"type": "SEND", "destination": "/a/{", "allow": true}]}',
      /rule 1: Invalid destination pattern '\/a\/\{'/,
    ],
    [
      '{"rules": [{"type": "SEND", "allow": "admin"}]}',
      /rule 1: "allow" must be true, false or "authenticated", got "admin"/,
    ],
    ['{"rules": [{"type": "SEND"}]}', /rule 1: "allow" must be .*, got nothing/],
  ];
  for (const [json, message] of cases) {
    assert.throws(
      () => parseAuthorizationRules(json, 'f'),
      (error: SwitchboardError) =>
        error.code === 'ERR_RULES_INVALID' && message.test(error.message) && !error.message.includes('\n'),
      json,
    );
  }
});

test("the security page's rules file example is valid", () => {
  const page = readFileSync(new URL('../../../docs/security.md', import.meta.url), 'utf8');
  const example = /\n### Rules file[^]*?```json\n([^]*?)```/.exec(page)?.[1];
  assert.ok(example !== undefined, 'docs/security.md has a rules file example');
  assert.equal(parseAuthorizationRules(example, 'docs/security.md').length, 6);
});
