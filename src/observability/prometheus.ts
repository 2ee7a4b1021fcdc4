import type http from 'node:http';
import type * as PromClientModule from 'prom-client';
import type { StompServer } from '../server/stomp-server.js';
import type { StompServerStats } from '../server/server-stats.js';

/** Options of {@link createPrometheusMetrics}. */
export interface PrometheusOptions {
  /** A prom-client `Registry` to add the metrics to (e.g. your app's). Default: a new one. */
  registry?: object;
  /** Metric name prefix. Default 'switchboard_'. */
  prefix?: string;
  /**
   * Add `switchboard_destination_subscriptions{destination}`: one series per destination, so
   * only for a bounded set of destinations. Default false.
   */
  destinationLabels?: boolean;
  /** Delivery-latency histogram buckets, seconds. Default 0.1 ms … 5 s. */
  latencyBuckets?: readonly number[];
  /** Time one delivery in this many (a power of two) for the latency histogram. Default 64. */
  latencySampling?: number;
}

/** The metrics of one server, in a prom-client registry. */
export interface PrometheusMetrics {
  /** The prom-client `Registry` holding them. */
  readonly registry: {
    readonly contentType: string;
    /** The exposition text of everything in the registry. */
    metrics(): Promise<string>;
  };
  /** The exposition text (what `/metrics` serves). */
  metrics(): Promise<string>;
  /** Answers GET `path` with the metrics; returns false (doing nothing) for other requests. */
  handle(req: http.IncomingMessage, res: http.ServerResponse, path?: string): boolean;
  /** Stops observing deliveries and removes the metrics from the registry. */
  close(): void;
}

const DEFAULT_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

type PromClient = typeof PromClientModule;

/**
 * Prometheus metrics for a server, through the optional peer `prom-client` (install it:
 * `npm i prom-client`). Counters and gauges are read from `server.stats()` at scrape time, so
 * they cost nothing between scrapes; only the delivery-latency histogram observes the hot path,
 * one delivery in `latencySampling`. Labels stay low-cardinality (transport, close cause, frame
 * type); destinations only with `destinationLabels`. Rejects with a clear error when prom-client
 * is not installed.
 */
export async function createPrometheusMetrics(
  server: StompServer,
  options: PrometheusOptions = {},
): Promise<PrometheusMetrics> {
  let client: PromClient;
  try {
    client = await import('prom-client');
  } catch {
    throw new Error("Prometheus metrics need the optional peer dependency 'prom-client': npm i prom-client");
  }
  const registry =
    (options.registry as InstanceType<PromClient['Registry']> | undefined) ?? new client.Registry();
  const p = options.prefix ?? 'switchboard_';
  const names: string[] = [];
  // One stats() snapshot per scrape, shared by every collect(): prom-client calls them all in
  // one go, so the snapshot is dropped once that is done (a scrape right after sees new values).
  let snapshot: StompServerStats | undefined;
  const stats = (): StompServerStats => {
    if (snapshot === undefined) {
      snapshot = server.stats();
      setImmediate(() => (snapshot = undefined));
    }
    return snapshot;
  };

  type Set = (value: number, labels?: Record<string, string>) => void;
  type Read = (stats: StompServerStats, set: Set) => void;
  // Values are read at scrape time. Totals the server keeps are counters, set to the running
  // total (reset, then inc) at each scrape; values that go up and down are gauges.
  const define = (
    kind: 'counter' | 'gauge',
    name: string,
    help: string,
    labelNames: string[],
    read: Read,
  ): void => {
    names.push(p + name);
    const config = { name: p + name, help, labelNames, registers: [registry] };
    if (kind === 'gauge') {
      new client.Gauge({
        ...config,
        collect() {
          this.reset();
          read(stats(), (value, labels) => (labels ? this.set(labels, value) : this.set(value)));
        },
      });
    } else {
      new client.Counter({
        ...config,
        collect() {
          this.reset();
          read(stats(), (value, labels) => (labels ? this.inc(labels, value) : this.inc(value)));
        },
      });
    }
  };
  /** A metric without labels: one value read from the stats. */
  const scalar = (
    kind: 'counter' | 'gauge',
    name: string,
    help: string,
    value: (s: StompServerStats) => number,
  ): void => define(kind, name, help, [], (s, set) => set(value(s)));
  const simple = (s: StompServerStats) => (s.broker.kind === 'simple' ? s.broker : undefined);
  const relay = (s: StompServerStats) => (s.broker.kind === 'relay' ? s.broker : undefined);

  define('gauge', 'sessions', 'STOMP sessions open now, by transport', ['transport'], (s, set) => {
    for (const [transport, n] of Object.entries(s.stomp.sessions.current)) set(n, { transport });
  });
  define(
    'counter',
    'sessions_opened_total',
    'STOMP sessions opened, by transport',
    ['transport'],
    (s, set) => {
      for (const [transport, n] of Object.entries(s.stomp.sessions.total)) set(n, { transport });
    },
  );
  define('counter', 'sessions_closed_total', 'STOMP sessions ended, by cause', ['cause'], (s, set) => {
    for (const [cause, n] of Object.entries(s.stomp.closes)) set(n, { cause });
  });
  define(
    'counter',
    'stomp_frames_total',
    'CONNECT, CONNECTED, DISCONNECT and ERROR frames',
    ['type'],
    (s, set) => {
      set(s.stomp.connect, { type: 'CONNECT' });
      set(s.stomp.connected, { type: 'CONNECTED' });
      set(s.stomp.disconnect, { type: 'DISCONNECT' });
      set(s.stomp.errors, { type: 'ERROR' });
    },
  );
  scalar('counter', 'frames_received_total', 'STOMP frames received from clients', (s) => s.stomp.framesIn);
  scalar(
    'counter',
    'frames_sent_total',
    'STOMP frames (and heart-beats) written to clients',
    (s) => s.stomp.framesOut,
  );
  scalar('counter', 'bytes_received_total', 'Bytes received from clients', (s) => s.stomp.bytesIn);
  scalar('counter', 'bytes_sent_total', 'Bytes written to clients', (s) => s.stomp.bytesOut);
  scalar(
    'counter',
    'rate_limited_total',
    'Sessions closed for exceeding maxFramesPerSecond or maxBytesPerSecond',
    (s) => s.stomp.rateLimited,
  );
  scalar(
    'counter',
    'connections_refused_total',
    'Connections refused by a cap (503/429)',
    (s) => s.connections.refused,
  );
  scalar(
    'counter',
    'slow_consumer_events_total',
    'Sessions past sendBufferLimit or sendTimeLimit',
    (s) => s.websocket.limitExceeded,
  );
  scalar(
    'counter',
    'slow_consumer_dropped_total',
    'Messages dropped by the drop-oldest policy',
    (s) => s.websocket.dropped,
  );
  scalar('gauge', 'subscriptions', 'Client subscriptions now', (s) => s.subscriptions.count);
  scalar(
    'gauge',
    'destinations',
    'Distinct destinations subscribed to now',
    (s) => s.subscriptions.destinations,
  );
  define(
    'gauge',
    'outbound_queue_bytes',
    'Bytes queued for clients: the largest session and the sum',
    ['stat'],
    (s, set) => {
      set(s.outboundQueue.max, { stat: 'max' });
      set(s.outboundQueue.total, { stat: 'total' });
    },
  );
  scalar(
    'counter',
    'messages_published_total',
    'Messages the broker accepted (simple broker)',
    (s) => simple(s)?.published ?? 0,
  );
  scalar(
    'counter',
    'messages_delivered_total',
    'MESSAGE deliveries to subscribers (simple broker; relay: frames from the broker)',
    (s) => simple(s)?.delivered ?? relay(s)!.fromBroker,
  );
  define(
    'counter',
    'messages_dropped_total',
    'Messages dropped, by reason (broker limits, send buffers, no user session)',
    ['reason'],
    (s, set) => {
      for (const [reason, n] of Object.entries(s.messagesDropped.byReason)) set(n, { reason });
    },
  );
  scalar('gauge', 'broker_available', "1 when the broker (the relay's system connection) is available", () =>
    server.broker.available ? 1 : 0,
  );
  define('counter', 'relay_frames_total', 'Frames relayed, by direction', ['direction'], (s, set) => {
    const r = relay(s);
    if (r === undefined) return;
    set(r.toBroker, { direction: 'to_broker' });
    set(r.fromBroker, { direction: 'from_broker' });
  });
  scalar(
    'counter',
    'relay_reconnects_total',
    'Times the relay re-established its system connection',
    (s) => relay(s)?.reconnects ?? 0,
  );
  scalar(
    'gauge',
    'relay_connections',
    'Broker connections open (client sessions and the system connection)',
    (s) => relay(s)?.connections ?? 0,
  );
  // Relay outages (shared mode): the outage, the buffer holding SENDs meanwhile, the relay's drops.
  scalar('gauge', 'relay_outage_active', '1 while a broker connection of the relay is away', (s) =>
    relay(s)?.outage.active === true ? 1 : 0,
  );
  scalar(
    'counter',
    'relay_outages_total',
    'Broker outages since start (after the first connection)',
    (s) => relay(s)?.outage.count ?? 0,
  );
  scalar(
    'gauge',
    'relay_outage_buffer_messages',
    'Frames waiting in the outage buffer for the broker',
    (s) => relay(s)?.outageBuffer.messages ?? 0,
  );
  scalar(
    'gauge',
    'relay_outage_buffer_bytes',
    'Bytes waiting in the outage buffer for the broker',
    (s) => relay(s)?.outageBuffer.bytes ?? 0,
  );
  scalar(
    'gauge',
    'relay_outage_buffer_oldest_age_seconds',
    'Age of the oldest frame in the outage buffer',
    (s) => (relay(s)?.outageBuffer.oldestAgeMs ?? 0) / 1000,
  );
  define(
    'counter',
    'relay_dropped_total',
    'Frames and acknowledgements the relay dropped, by reason (outage buffer full or expired, stale ack, ...)',
    ['reason'],
    (s, set) => {
      for (const [reason, n] of Object.entries(relay(s)?.dropped ?? {})) set(n, { reason });
    },
  );
  define(
    'counter',
    'incidents_total',
    'Conditions clients caused (refusals, protocol errors, limits, drops), by cause',
    ['cause'],
    (s, set) => {
      for (const [cause, n] of Object.entries(s.incidents.byCause)) set(n, { cause });
    },
  );
  scalar(
    'counter',
    'log_lines_suppressed_total',
    'Incidents summarised in a periodic line instead of logged one by one',
    (s) => s.incidents.logLinesSuppressed,
  );
  scalar(
    'gauge',
    'messages_pending',
    "Topic messages waiting for client-ack subscribers' acknowledgements (simple broker)",
    (s) => simple(s)?.pending ?? 0,
  );
  if (options.destinationLabels) {
    define(
      'gauge',
      'destination_subscriptions',
      'Subscriptions now, by destination',
      ['destination'],
      (_s, set) => {
        for (const [destination, n] of server.subscriptionsByDestination()) set(n, { destination });
      },
    );
  }

  names.push(`${p}delivery_latency_seconds`);
  const latency = new client.Histogram({
    name: `${p}delivery_latency_seconds`,
    help: 'Time from the broker taking a message to its MESSAGE frame being written (sampled)',
    buckets: [...(options.latencyBuckets ?? DEFAULT_BUCKETS)],
    registers: [registry],
  });
  server.handler.observeDeliveries((ms) => latency.observe(ms / 1000), options.latencySampling ?? 64);

  return {
    registry,
    metrics: () => registry.metrics(),
    handle(req, res, path = '/metrics') {
      if ((req.url ?? '').split('?', 1)[0] !== path) return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return true;
      }
      registry.metrics().then(
        (text) =>
          res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(text),
        () => res.writeHead(500).end(),
      );
      return true;
    },
    close() {
      server.handler.observeDeliveries(undefined);
      for (const name of names) registry.removeSingleMetric(name);
    },
  };
}
