#!/usr/bin/env bash
# Makes the local services the relay tests need ready (idempotent): RabbitMQ running with its
# STOMP plugins, port 61613 answering; ActiveMQ Classic with STOMP on 61614 (scripts/activemq.sh). Run as root on a project machine (see the design docs'
# services.md). `npm test` runs it first.
set -euo pipefail

wait_port() {
  for _ in $(seq 1 60); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  echo "services.sh: port $1 did not open" >&2
  return 1
}

# `rabbitmq-server -detached` returns before the node is registered, and await_startup fails
# on a node it cannot find yet: wait for it to be known first.
await_rabbit() {
  for _ in $(seq 1 120); do
    if rabbitmqctl await_startup --timeout 60 >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "services.sh: RabbitMQ did not start" >&2
  return 1
}

# The per-session relay and the benchmarks hold one broker connection per client: a node started
# with the usual 1024 open files runs out (and then fails every new queue), so it gets more.
# Debian's rabbitmq-server goes through `su`, whose PAM limits put the soft limit back to 1024,
# so the node is started as the rabbitmq user directly.
want_files=16384
start_rabbit() {
  (
    ulimit -n "$want_files" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
    cd /var/lib/rabbitmq
    setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups env HOME=/var/lib/rabbitmq \
      /usr/lib/rabbitmq/bin/rabbitmq-server -detached
  )
  await_rabbit
}

if ! rabbitmqctl status >/dev/null 2>&1; then
  echo "services.sh: starting RabbitMQ"
  start_rabbit
fi
if ! rabbitmq-plugins enable rabbitmq_stomp rabbitmq_web_stomp >/dev/null 2>&1; then
  echo "services.sh: enabling the STOMP plugins offline and restarting RabbitMQ"
  rabbitmq-plugins enable --offline rabbitmq_stomp rabbitmq_web_stomp
  rabbitmqctl stop || true
  start_rabbit
fi
beam=$(pgrep -f 'beam.smp.*rabbit' | head -1 || true)
files=$(awk '/Max open files/ { print $4 }' "/proc/${beam:-self}/limits" 2>/dev/null || echo 0)
if [ -n "$beam" ] && [ "${files:-0}" -lt "$want_files" ]; then
  echo "services.sh: restarting RabbitMQ with $want_files open files (it had $files)"
  rabbitmqctl stop >/dev/null
  start_rabbit
fi
wait_port 61613
echo "services.sh: RabbitMQ STOMP ready on 127.0.0.1:61613"

# ActiveMQ Classic, the relay's second broker (STOMP on 61614): installed and started by its own script.
bash "$(dirname "$0")/activemq.sh"
