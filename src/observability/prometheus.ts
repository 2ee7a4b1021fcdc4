import type http from 'node:http';
import type * as PromClientModule from 'prom-client';
import type { StompServer } from '../server/create-stomp-server.js';
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
  // One stats() snapshot per scrape, shared by every collect().
  let snapshot: { at: number; stats: StompServerStats } | undefined;
  const stats = (): StompServerStats => {
    const now = Date.now();
    if (snapshot === undefined || now - snapshot.at > 100) snapshot = { at: now, stats: server.stats() };
    return snapshot.stats;
  };

  type Read = (set: (value: number, labels?: Record<string, string>) => void) => void;
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
          read((value, labels) => (labels ? this.set(labels, value) : this.set(value)));
        },
      });
    } else {
      new client.Counter({
        ...config,
        collect() {
          this.reset();
          read((value, labels) => (labels ? this.inc(labels, value) : this.inc(value)));
        },
      });
    }
  };
  const gauge = (name: string, help: string, labelNames: string[], read: Read): void =>
    define('gauge', name, help, labelNames, read);
  const counter = (name: string, help: string, labelNames: string[], read: Read): void =>
    define('counter', name, help, labelNames, read);

  gauge('sessions', 'STOMP sessions open now, by transport', ['transport'], (set) => {
    for (const [transport, n] of Object.entries(stats().stomp.sessions.current)) set(n, { transport });
  });
  counter('sessions_opened_total', 'STOMP sessions opened, by transport', ['transport'], (set) => {
    for (const [transport, n] of Object.entries(stats().stomp.sessions.total)) set(n, { transport });
  });
  counter('sessions_closed_total', 'STOMP sessions ended, by cause', ['cause'], (set) => {
    for (const [cause, n] of Object.entries(stats().stomp.closes)) set(n, { cause });
  });
  counter('stomp_frames_total', 'CONNECT, CONNECTED, DISCONNECT and ERROR frames', ['type'], (set) => {
    const s = stats().stomp;
    set(s.connect, { type: 'CONNECT' });
    set(s.connected, { type: 'CONNECTED' });
    set(s.disconnect, { type: 'DISCONNECT' });
    set(s.errors, { type: 'ERROR' });
  });
  counter('frames_received_total', 'STOMP frames received from clients', [], (set) =>
    set(stats().stomp.framesIn),
  );
  counter('frames_sent_total', 'STOMP frames (and heart-beats) written to clients', [], (set) =>
    set(stats().stomp.framesOut),
  );
  counter('bytes_received_total', 'Bytes received from clients', [], (set) => set(stats().stomp.bytesIn));
  counter('bytes_sent_total', 'Bytes written to clients', [], (set) => set(stats().stomp.bytesOut));
  counter(
    'rate_limited_total',
    'Sessions closed for exceeding maxFramesPerSecond or maxBytesPerSecond',
    [],
    (set) => set(stats().stomp.rateLimited),
  );
  counter('connections_refused_total', 'Connections refused by a cap (503/429)', [], (set) =>
    set(stats().connections.refused),
  );
  counter('slow_consumer_events_total', 'Sessions past sendBufferLimit or sendTimeLimit', [], (set) =>
    set(stats().websocket.limitExceeded),
  );
  counter('slow_consumer_dropped_total', 'Messages dropped by the drop-oldest policy', [], (set) =>
    set(stats().websocket.dropped),
  );
  gauge('subscriptions', 'Client subscriptions now', [], (set) => set(stats().subscriptions.count));
  gauge('destinations', 'Distinct destinations subscribed to now', [], (set) =>
    set(stats().subscriptions.destinations),
  );
  gauge(
    'outbound_queue_bytes',
    'Bytes queued for clients: the largest session and the sum',
    ['stat'],
    (set) => {
      const q = stats().outboundQueue;
      set(q.max, { stat: 'max' });
      set(q.total, { stat: 'total' });
    },
  );
  counter('messages_published_total', 'Messages the broker accepted (simple broker)', [], (set) => {
    const b = stats().broker;
    set(b.kind === 'simple' ? b.published : 0);
  });
  counter(
    'messages_delivered_total',
    'MESSAGE deliveries to subscribers (simple broker; relay: frames from the broker)',
    [],
    (set) => {
      const b = stats().broker;
      set(b.kind === 'simple' ? b.delivered : b.fromBroker);
    },
  );
  counter(
    'messages_dropped_total',
    'Messages the simple broker dropped (queue depth, unacked)',
    [],
    (set) => {
      const b = stats().broker;
      set(b.kind === 'simple' ? b.dropped : 0);
    },
  );
  gauge('broker_available', "1 when the broker (the relay's system connection) is available", [], (set) =>
    set(server.broker.available ? 1 : 0),
  );
  counter('relay_frames_total', 'Frames relayed, by direction', ['direction'], (set) => {
    const b = stats().broker;
    if (b.kind !== 'relay') return;
    set(b.toBroker, { direction: 'to_broker' });
    set(b.fromBroker, { direction: 'from_broker' });
  });
  counter('relay_reconnects_total', 'Times the relay re-established its system connection', [], (set) => {
    const b = stats().broker;
    set(b.kind === 'relay' ? b.reconnects : 0);
  });
  gauge(
    'relay_connections',
    'Broker connections open (client sessions and the system connection)',
    [],
    (set) => {
      const b = stats().broker;
      set(b.kind === 'relay' ? b.connections : 0);
    },
  );
  if (options.destinationLabels) {
    gauge('destination_subscriptions', 'Subscriptions now, by destination', ['destination'], (set) => {
      for (const [destination, n] of server.subscriptionsByDestination()) set(n, { destination });
    });
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
