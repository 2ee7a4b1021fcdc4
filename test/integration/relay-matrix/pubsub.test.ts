import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { BROKERS, requireBroker, wildcardTopic } from '../../helpers/brokers.js';
import { unique } from '../../helpers/rabbitmq.js';
import {
  CLIENT_VERSIONS,
  MatrixServers,
  RELAY_MODES,
  bodies,
  publishConfirmed,
  versionClient,
} from '../../helpers/relay-matrix.js';
import { within } from '../../helpers/server.js';
import { Inbox, subscribed } from '../../helpers/stompjs.js';

// Publish/subscribe through the relay on every broker and mode, with clients on every STOMP version.
const servers = new MatrixServers();
before(() => Promise.all(BROKERS.map(requireBroker)));

for (const broker of BROKERS) {
  for (const mode of RELAY_MODES) {
    describe(`${broker.name}, ${mode} relay`, () => {
      for (const version of CLIENT_VERSIONS) {
        test(`STOMP ${version}: topic fan-out, every subscriber gets every message in order`, async (t) => {
          const { url } = await servers.get(broker, mode);
          const topic = `/topic/${unique('fanout')}`;
          const inboxes = [new Inbox(), new Inbox(), new Inbox()];
          for (const inbox of inboxes)
            await subscribed((await versionClient(t, url, version)).client, topic, inbox);
          const { client: publisher } = await versionClient(t, url, version);
          const sent = Array.from({ length: 20 }, (_, i) => `m${i}`);
          for (const body of sent) publisher.publish({ destination: topic, body });
          for (const inbox of inboxes) {
            await inbox.waitFor(sent.length);
            assert.deepEqual(bodies(inbox), sent);
            assert.equal(inbox.messages[0]!.headers.destination, topic);
            assert.equal(inbox.messages[0]!.headers.ack, undefined, 'no ack header on an auto subscription');
          }
        });

        test(`STOMP ${version}: wildcard topics in ${broker.name}'s syntax`, async (t) => {
          const { url } = await servers.get(broker, mode);
          const base = unique('wild');
          const one = new Inbox();
          const many = new Inbox();
          const { client } = await versionClient(t, url, version);
          await subscribed(client, wildcardTopic(broker, base, 'one'), one);
          await subscribed(client, wildcardTopic(broker, base, 'many'), many);
          // The two-word key first: a one-word wildcard that wrongly matched it would show it first.
          await publishConfirmed(client, `/topic/${base}.x.y`, 'two words');
          await publishConfirmed(client, `/topic/${base}.x`, 'one word');
          await one.waitFor(1);
          await many.waitFor(2);
          assert.deepEqual(bodies(one), ['one word']);
          assert.deepEqual(bodies(many), ['two words', 'one word']);
          assert.equal(one.messages[0]!.headers.destination, `/topic/${base}.x`);
        });

        test(`STOMP ${version}: receipts for SUBSCRIBE, SEND and UNSUBSCRIBE come from the broker`, async (t) => {
          const { url } = await servers.get(broker, mode);
          const topic = `/topic/${unique('receipts')}`;
          const marker = `/topic/${unique('marker')}`;
          const { client } = await versionClient(t, url, version);
          const inbox = new Inbox();
          const markers = new Inbox();
          const subscription = await subscribed(client, topic, inbox);
          await subscribed(client, marker, markers);
          await publishConfirmed(client, topic, 'before');
          await inbox.waitFor(1);
          const receipt = `unsub-${version}`;
          const unsubscribedReceipt = new Promise<void>((resolve) =>
            client.watchForReceipt(receipt, () => resolve()),
          );
          subscription.unsubscribe({ receipt });
          await within(unsubscribedReceipt, 5000, 'receipt for UNSUBSCRIBE');
          await publishConfirmed(client, topic, 'after');
          // The marker travels the same broker path after 'after': once it is in, 'after' would be too.
          await publishConfirmed(client, marker, 'marker');
          await markers.waitFor(1);
          assert.deepEqual(bodies(inbox), ['before']);
        });

        test(`STOMP ${version}: binary bodies with NUL bytes cross intact`, async (t) => {
          const { url } = await servers.get(broker, mode);
          const topic = `/topic/${unique('binary')}`;
          const { client: subscriber } = await versionClient(t, url, version);
          const inbox = new Inbox();
          await subscribed(subscriber, topic, inbox);
          const { client: publisher } = await versionClient(t, url, version);
          const body = Uint8Array.from({ length: 256 }, (_, i) => i);
          body.set([0, 0, 0], 100);
          await publishConfirmed(publisher, topic, body, { 'content-type': 'application/octet-stream' });
          await inbox.waitFor(1);
          assert.deepEqual(Buffer.from(inbox.messages[0]!.binaryBody), Buffer.from(body));
        });
      }
    });
  }
}
