import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import type { BrokerTarget } from '../../helpers/brokers.js';
import { BROKERS, requireBroker } from '../../helpers/brokers.js';
import { unique } from '../../helpers/rabbitmq.js';
import type { ClientVersion } from '../../helpers/relay-matrix.js';
import {
  CLIENT_VERSIONS,
  MatrixServers,
  RELAY_MODES,
  bodies,
  publishConfirmed,
  versionClient,
} from '../../helpers/relay-matrix.js';
import { eventually, within } from '../../helpers/server.js';
import { Inbox, subscribed } from '../../helpers/stompjs.js';

// Queues, acknowledgements and transactions through the relay, on every broker and mode, with
// clients on every STOMP version: 1.0 and 1.1 clients acknowledge by message-id, which the relay
// translates to the broker's (STOMP 1.2) ack ids.
const servers = new MatrixServers();
before(() => Promise.all(BROKERS.map(requireBroker)));

/**
 * What a new consumer of `queue` gets once the earlier consumer has left: the messages the broker
 * took back (never acknowledged), then an 'end' marker published now. `expected` names the
 * messages that must come back; the wait ends once they and the marker are in, plus one more round
 * trip so that anything wrongly taken back with them shows too.
 */
async function leftOnQueue(
  t: TestContext,
  url: string,
  broker: BrokerTarget,
  version: ClientVersion,
  queue: string,
  expected: string[],
): Promise<string[]> {
  const { client } = await versionClient(t, url, version);
  const inbox = new Inbox();
  await subscribed(client, queue, inbox, { ...broker.queueHeaders });
  await publishConfirmed(client, queue, 'end', { ...broker.queueHeaders });
  await eventually(
    () => [...expected, 'end'].every((body) => bodies(inbox).includes(body)),
    5000,
    `${expected.join(', ')} and the marker on ${queue} (have ${bodies(inbox).join(', ')})`,
  );
  await publishConfirmed(client, queue, 'end2', { ...broker.queueHeaders });
  await inbox.waitFor(expected.length + 2);
  return bodies(inbox).filter((body) => body !== 'end' && body !== 'end2');
}

for (const broker of BROKERS) {
  for (const mode of RELAY_MODES) {
    describe(`${broker.name}, ${mode} relay`, () => {
      const q = broker.queueHeaders;
      for (const version of CLIENT_VERSIONS) {
        test(`STOMP ${version}: a queue with competing consumers, each message to exactly one`, async (t) => {
          const { url } = await servers.get(broker, mode);
          const queue = `/queue/${unique('work')}`;
          const a = new Inbox();
          const b = new Inbox();
          await subscribed((await versionClient(t, url, version)).client, queue, a, { ...q });
          await subscribed((await versionClient(t, url, version)).client, queue, b, { ...q });
          const { client: producer } = await versionClient(t, url, version);
          for (let i = 0; i < 20; i++)
            producer.publish({ destination: queue, body: `job${i}`, headers: { ...q } });
          await eventually(() => a.count + b.count >= 20, 5000, '20 deliveries');
          const all = [...bodies(a), ...bodies(b)].sort();
          assert.deepEqual(all, Array.from({ length: 20 }, (_, i) => `job${i}`).sort(), 'each once');
          assert.ok(a.count > 0 && b.count > 0, `both consumers served (${a.count}/${b.count})`);
        });

        test(`STOMP ${version}: client acks are cumulative; ${version === '1.0' ? 'an unacknowledged message comes back' : 'NACK redelivers'}`, async (t) => {
          const { url } = await servers.get(broker, mode);
          const queue = `/queue/${unique('client-ack')}`;
          const { client: consumer } = await versionClient(t, url, version);
          const inbox = new Inbox();
          await subscribed(consumer, queue, inbox, { ...q, ack: 'client' });
          const { client: producer } = await versionClient(t, url, version);
          for (const body of ['m1', 'm2', 'm3']) await publishConfirmed(producer, queue, body, { ...q });
          await inbox.waitFor(3);
          assert.deepEqual(bodies(inbox), ['m1', 'm2', 'm3']);
          // `ack` is STOMP 1.2's; older clients are shown message-id and subscription only.
          assert.equal(inbox.messages[0]!.headers.ack !== undefined, version === '1.2');
          assert.ok(inbox.messages[0]!.headers['message-id']);
          inbox.messages[1]!.ack(); // m1 and m2
          let left = ['m3'];
          if (version !== '1.0') {
            inbox.messages[2]!.nack();
            await inbox.waitFor(4, 10_000);
            assert.equal(inbox.messages[3]!.body, 'm3', 'm3 redelivered');
            assert.equal(inbox.messages[3]!.headers.redelivered, 'true');
            await publishConfirmed(producer, queue, 'm4', { ...q });
            await inbox.waitFor(5);
            inbox.messages[3]!.ack(); // the redelivered m3, not m4 (delivered after it)
            left = ['m4'];
          }
          await consumer.deactivate();
          assert.deepEqual(await leftOnQueue(t, url, broker, version, queue, left), left);
        });

        test(`STOMP ${version}: client-individual acks settle one message each${version === '1.0' ? '' : '; NACK redelivers'}`, async (t) => {
          const { url } = await servers.get(broker, mode);
          const queue = `/queue/${unique('individual')}`;
          const { client: consumer } = await versionClient(t, url, version);
          const inbox = new Inbox();
          await subscribed(consumer, queue, inbox, { ...q, ack: 'client-individual' });
          const { client: producer } = await versionClient(t, url, version);
          for (const body of ['a', 'b', 'c']) await publishConfirmed(producer, queue, body, { ...q });
          await inbox.waitFor(3);
          inbox.messages[2]!.ack(); // c alone: a and b stay unacknowledged
          let left = ['a', 'b'];
          if (version !== '1.0') {
            inbox.messages[0]!.nack();
            await inbox.waitFor(4, 10_000);
            assert.equal(inbox.messages[3]!.body, 'a', 'a redelivered');
            inbox.messages[3]!.ack();
            left = ['b'];
          }
          await consumer.deactivate();
          assert.deepEqual(await leftOnQueue(t, url, broker, version, queue, left), left);
        });

        if (version === '1.0') {
          test('STOMP 1.0: NACK (not in 1.0) gets an ERROR from the relay naming it; the session ends', async (t) => {
            const { url } = await servers.get(broker, mode);
            const queue = `/queue/${unique('nack10')}`;
            const { client, end } = await versionClient(t, url, '1.0');
            const inbox = new Inbox();
            await subscribed(client, queue, inbox, { ...q, ack: 'client' });
            await publishConfirmed(client, queue, 'x', { ...q });
            await inbox.waitFor(1);
            inbox.messages[0]!.nack();
            const error = await within(end.error, 5000, 'ERROR for NACK');
            assert.match(error.headers.message ?? '', /NACK is not part of STOMP 1\.0/);
            assert.equal(error.headers.code, 'ERR_STOMP_UNKNOWN_COMMAND');
            await within(end.closed, 5000, 'close after ERROR');
          });
        }

        test(`STOMP ${version}: transactions, SEND and ACK, committed or aborted at the broker`, async (t) => {
          const { url } = await servers.get(broker, mode);
          const queue = `/queue/${unique('tx')}`;
          const { client: consumer } = await versionClient(t, url, version);
          const inbox = new Inbox();
          await subscribed(consumer, queue, inbox, { ...q, ack: 'client-individual' });
          const { client: producer } = await versionClient(t, url, version);
          const aborted = producer.begin();
          producer.publish({
            destination: queue,
            body: 'aborted',
            headers: { ...q, transaction: aborted.id },
          });
          aborted.abort();
          const committed = producer.begin();
          producer.publish({ destination: queue, body: 'x', headers: { ...q, transaction: committed.id } });
          await publishConfirmed(producer, queue, 'y', { ...q });
          await inbox.waitFor(1);
          assert.deepEqual(bodies(inbox), ['y'], 'nothing of a transaction before COMMIT');
          committed.commit();
          await inbox.waitFor(2);
          assert.deepEqual(bodies(inbox), ['y', 'x']);
          // An ACK in an aborted transaction did not happen: the message can be acknowledged again.
          const undone = consumer.begin();
          inbox.messages[1]!.ack({ transaction: undone.id });
          undone.abort();
          const done = consumer.begin();
          inbox.messages[1]!.ack({ transaction: done.id });
          done.commit();
          await consumer.deactivate();
          assert.deepEqual(await leftOnQueue(t, url, broker, version, queue, ['y']), ['y']);
        });
      }
    });
  }
}
