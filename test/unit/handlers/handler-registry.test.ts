import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  HandlerRegistry,
  MessageExceptionHandler,
  MessageMapping,
  SendTo,
  SendToUser,
  SubscribeMapping,
} from '../../../src/index.js';
import { combine } from '../../../src/handlers/handler-registry.js';

const noop = () => undefined;
const code = (expected: string) => (e: unknown) => (e as { code?: string }).code === expected;

test('exact destinations win over patterns; the most specific pattern wins', () => {
  const r = new HandlerRegistry();
  r.map('/chat/**', noop).map('/chat/{room}', noop).map('/chat/lobby', noop).map('/chat/*', noop, {});
  assert.equal(r.lookup('message', '/chat/lobby')?.route.pattern, '/chat/lobby');
  // Spring's rule: at equal length, a variable is more specific than a wildcard.
  assert.equal(r.lookup('message', '/chat/42')?.route.pattern, '/chat/{room}');
  assert.equal(r.lookup('message', '/chat/42/x')?.route.pattern, '/chat/**');
  assert.equal(r.lookup('message', '/other'), undefined);
});

test('variables are captured, with regex constraints', () => {
  const r = new HandlerRegistry();
  r.map('/order/{id:\\d+}', noop).map('/order/{name}/items', noop);
  assert.deepEqual(r.lookup('message', '/order/17')?.params, { id: '17' });
  assert.equal(r.lookup('message', '/order/abc'), undefined);
  assert.deepEqual(r.lookup('message', '/order/abc/items')?.params, { name: 'abc' });
});

test('the dot separator', () => {
  const r = new HandlerRegistry({ separator: '.' });
  r.map('chat.{room}', noop).map('chat.*.admin', noop);
  assert.deepEqual(r.lookup('message', 'chat.42')?.params, { room: '42' });
  assert.equal(r.lookup('message', 'chat.42.admin')?.route.pattern, 'chat.*.admin');
  assert.equal(combine('chat', 'room', '.'), 'chat.room');
  assert.equal(combine('/trade', '/buy', '/'), '/trade/buy');
  assert.equal(combine('/trade/', '/buy', '/'), '/trade/buy');
  assert.equal(combine('/trade', 'buy', '/'), '/trade/buy');
});

test('SEND and SUBSCRIBE mappings are separate', () => {
  const r = new HandlerRegistry();
  r.map('/positions', noop).subscribe('/positions', noop);
  assert.equal(r.lookup('message', '/positions')?.route.kind, 'message');
  assert.equal(r.lookup('subscribe', '/positions')?.route.kind, 'subscribe');
});

test('two equally specific patterns that can match the same destination are a startup error naming both', () => {
  const r = new HandlerRegistry();
  r.map('/chat/{room}', noop);
  assert.throws(
    () => r.map('/chat/{id}', noop),
    (e: unknown) =>
      code('ERR_AMBIGUOUS_HANDLER')(e) && /'\/chat\/\{room\}' and '\/chat\/\{id\}'/.test(String(e)),
  );
  assert.throws(() => r.map('/chat/{room}', noop), code('ERR_AMBIGUOUS_HANDLER'), 'a duplicate');
  r.map('/news/{id}', noop); // equally specific but disjoint: fine
});

class Base extends Error {}
class Specific extends Base {}

@MessageMapping('/trade')
@SendTo('/topic/class-default')
class Controller {
  @MessageMapping('/buy')
  buy() {
    return 'b';
  }

  @MessageMapping(['/sell', '/dump'])
  @SendTo('/topic/sold.{x}')
  sell() {
    return 's';
  }

  @MessageMapping('/me')
  @SendToUser('/queue/me', { broadcast: false })
  me() {
    return 'm';
  }

  @SubscribeMapping('/snapshot')
  snapshot() {
    return 'snap';
  }

  @MessageExceptionHandler(Base)
  onBase() {
    return 'base';
  }

  @MessageExceptionHandler(Specific)
  onSpecific() {
    return 'specific';
  }
}

test('decorators: class prefix + method patterns, @SendTo on class and method, @SendToUser options', () => {
  const r = new HandlerRegistry();
  r.register(new Controller());
  const buy = r.lookup('message', '/trade/buy')!.route;
  assert.deepEqual(buy.options.sendTo, ['/topic/class-default'], 'class-level @SendTo applies');
  const sell = r.lookup('message', '/trade/sell')!.route;
  assert.deepEqual(sell.options.sendTo, ['/topic/sold.{x}'], 'method-level @SendTo wins');
  assert.ok(r.lookup('message', '/trade/dump'), 'several patterns');
  const me = r.lookup('message', '/trade/me')!.route;
  assert.deepEqual(me.options.sendToUser, { destinations: ['/queue/me'], broadcast: false });
  assert.equal(r.lookup('subscribe', '/trade/snapshot')?.route.kind, 'subscribe');
  assert.equal(
    (r.lookup('message', '/trade/buy')!.route.handler as () => string)(),
    'b',
    'bound to the instance',
  );
});

test('exception handlers: the closest error class wins; controller-local before global advice', () => {
  const r = new HandlerRegistry();
  const controller = new Controller();
  r.register(controller);
  const route = r.lookup('message', '/trade/buy')!.route;
  assert.equal((r.findExceptionHandler(new Specific(), route)!.handler as () => string)(), 'specific');
  assert.equal((r.findExceptionHandler(new Base(), route)!.handler as () => string)(), 'base');
  assert.equal(r.findExceptionHandler(new TypeError('x'), route), undefined);

  r.onError([TypeError], () => 'global');
  assert.equal((r.findExceptionHandler(new TypeError('x'), route)!.handler as () => string)(), 'global');
  const other = new HandlerRegistry();
  other.map('/plain', noop).onError([Error], () => 'advice');
  assert.equal(
    (
      other.findExceptionHandler(new Specific(), other.lookup('message', '/plain')!.route)!
        .handler as () => string
    )(),
    'advice',
  );
});

test('a controller registered as advice lends its exception handlers to every route', () => {
  class Advice {
    @MessageExceptionHandler()
    any() {
      return 'advised';
    }
  }
  const r = new HandlerRegistry();
  r.register(new Advice(), { advice: true });
  r.map('/x', noop);
  assert.equal(
    (r.findExceptionHandler(new Error('boom'), r.lookup('message', '/x')!.route)!.handler as () => string)(),
    'advised',
  );
});
