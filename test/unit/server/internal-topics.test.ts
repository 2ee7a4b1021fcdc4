import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reachesInternalTopics, topicPatternMatches } from '../../../src/server/internal-topics.js';

test('topic matching: * is one word, # (RabbitMQ) and > (ActiveMQ) zero or more', () => {
  const cases: [string, string, boolean][] = [
    ['a.b', 'a.b', true],
    ['a.*', 'a.b', true],
    ['a.*', 'a.b.c', false],
    ['#', 'a.b.c', true],
    ['#', '', true],
    ['a.#', 'a', true],
    ['a.#.c', 'a.b.x.c', true],
    ['*.user-destination', 'switchboard.user-destination', true],
    ['switchboard.*', 'switchboard.user-registry', true],
    ['other.#', 'switchboard.user-registry', false],
    ['*', 'switchboard.user-registry', false],
    ['>', 'a.b.c', true],
    ['switchboard.>', 'switchboard.user-registry', true],
    ['other.>', 'switchboard.user-registry', false],
  ];
  for (const [pattern, key, expected] of cases)
    assert.equal(topicPatternMatches(pattern, key), expected, `${pattern} ~ ${key}`);
});

test('client destinations that reach the internal topics, directly, by wildcard or through amq.topic', () => {
  const reaches = reachesInternalTopics([
    '/topic/switchboard.user-destination',
    '/topic/switchboard.user-registry',
  ]);
  for (const d of [
    '/topic/switchboard.user-destination',
    '/topic/#',
    '/topic/switchboard.#',
    '/topic/*.user-registry',
    '/topic/>',
    '/topic/switchboard.>',
    '/exchange/amq.topic/#',
    '/exchange/amq.topic/switchboard.user-destination',
  ])
    assert.equal(reaches(d), true, d);
  for (const d of [
    '/topic/price.*',
    '/topic/switchboard',
    '/queue/switchboard.user-destination',
    '/topic/chat.#',
  ])
    assert.equal(reaches(d), false, d);
});
