import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MessageHeaders } from '../../../src/messaging/message.js';
import { withHeaders } from '../../../src/messaging/message.js';
import { attachSessionAttributes } from '../../../src/messaging/session-attributes.js';
import { createHeaders } from '../../../src/stomp/frame.js';

/** A session that makes its attributes map on first use, as WebSocketSession does. */
class LazySession {
  #attributes: Map<string, unknown> | undefined;
  made = 0;
  get attributes(): Map<string, unknown> {
    if (this.#attributes === undefined) this.made++;
    return (this.#attributes ??= new Map());
  }
  get attributesIfAny(): Map<string, unknown> | undefined {
    return this.#attributes;
  }
}

const headers = (): MessageHeaders => ({ type: 'MESSAGE', sessionId: 's1', nativeHeaders: createHeaders() });

test('a session without attributes: its messages make the map when read, and it is the session’s own', () => {
  const session = new LazySession();
  const first = headers();
  attachSessionAttributes(first, session);
  assert.equal(session.made, 0, 'attaching makes no map');
  assert.ok(Object.keys(first).includes('sessionAttributes'), 'enumerable, like a data header');
  first.sessionAttributes!.set('k', 'v');
  assert.equal(session.made, 1);
  assert.equal(session.attributes.get('k'), 'v');

  // Once the map exists, later messages carry it as a plain value.
  const second = headers();
  attachSessionAttributes(second, session);
  assert.equal(Object.getOwnPropertyDescriptor(second, 'sessionAttributes')?.value, session.attributes);
  assert.equal(session.made, 1);
});

test('copies of lazy headers (spread, withHeaders) carry the session’s map', () => {
  const session = new LazySession();
  const h = headers();
  attachSessionAttributes(h, session);
  const spread = { ...h, destination: '/x' };
  spread.sessionAttributes!.set('a', 1);
  const copied = withHeaders({ headers: h, payload: Buffer.alloc(0) }, { destination: '/y' });
  assert.equal(copied.headers.sessionAttributes, session.attributes);
  assert.equal(session.attributes.get('a'), 1);
  assert.equal(session.made, 1);
});

test('a session that always has a map (no attributesIfAny) gets it as a value', () => {
  const attributes = new Map<string, unknown>([['x', 1]]);
  const h = headers();
  attachSessionAttributes(h, { attributes });
  assert.equal(Object.getOwnPropertyDescriptor(h, 'sessionAttributes')?.value, attributes);
});
