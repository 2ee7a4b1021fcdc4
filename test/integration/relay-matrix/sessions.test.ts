import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import type { StompServer } from '../../../src/index.js';
import { BROKERS, requireBroker } from '../../helpers/brokers.js';
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

// Sessions across instances and a broker-side ERROR for one client, on every broker and mode,
// with clients on every STOMP version.
const servers = new MatrixServers();

/** Resolves when the relay, once unavailable, is available again (listening from now on). */
function availableAgain(t: TestContext, server: StompServer): Promise<void> {
  return new Promise((resolve) => {
    let lost = false;
    const off = server.on('brokerAvailability', ({ available }) => {
      if (!available) lost = true;
      else if (lost) {
        off();
        resolve();
      }
    });
    t.after(off);
  });
}

before(async () => {
  await Promise.all(BROKERS.map(requireBroker));
  for (const broker of BROKERS) await broker.brokerError.prepare();
});

for (const broker of BROKERS) {
  for (const mode of RELAY_MODES) {
    describe(`${broker.name}, ${mode} relay`, () => {
      for (const version of CLIENT_VERSIONS) {
        test(`STOMP ${version}: user destinations across two instances`, async (t) => {
          const a = await servers.get(broker, mode, 'a');
          const b = await servers.get(broker, mode, 'b');
          const queue = `/queue/${unique('inbox')}`;
          const user = unique('user');
          const onB = new Inbox();
          await subscribed((await versionClient(t, b.url, version, user)).client, `/user${queue}`, onB);
          // A client of A sends to the user, who is connected to B only; then the template of A.
          const { client: sender } = await versionClient(t, a.url, version, unique('sender'));
          await publishConfirmed(sender, `/user/${user}${queue}`, 'from a client of A');
          await onB.waitFor(1);
          assert.equal(
            await a.server.template.convertAndSendToUser(user, queue, 'from the template of A'),
            true,
          );
          await onB.waitFor(2);
          assert.deepEqual(bodies(onB), ['from a client of A', 'from the template of A']);
          assert.equal(onB.messages[0]!.headers.destination, `/user${queue}`);
        });

        test(`STOMP ${version}: a broker ERROR (${broker.brokerError.what}) ends only that client's session`, async (t) => {
          const scenario = broker.brokerError;
          const { url, server } = await servers.get(broker, mode, 'broker-error', scenario.relay);
          const topic = `/topic/${unique('alive')}`;
          const { client: bystander } = await versionClient(t, url, version);
          const inbox = new Inbox();
          await subscribed(bystander, topic, inbox);
          const { client: offender, end } = await versionClient(t, url, version);
          // The ERROR closes a shared connection, maybe the one the bystander's topic subscription
          // rides on: a message published before the relay made it again reaches no one here.
          const back = mode === 'shared' && scenario.closesConnection ? availableAgain(t, server) : undefined;
          const frame = scenario.frame(unique('offence'));
          if (frame.command === 'SEND') {
            offender.publish({ destination: frame.destination, body: 'x', headers: frame.headers });
          } else {
            offender.subscribe(frame.destination, () => {}, frame.headers);
          }
          const error = await within(end.error, 5000, `the broker's ERROR (${scenario.what})`);
          assert.match(error.headers.message ?? '', scenario.message);
          await within(end.closed, 5000, 'the offending session to close');
          if (back !== undefined) await within(back, 15_000, 'the relay to be available again');
          await publishConfirmed(bystander, topic, 'still here');
          await inbox.waitFor(1);
          assert.deepEqual(bodies(inbox), ['still here']);
          assert.equal(bystander.connected, true);
        });
      }
    });
  }
}
