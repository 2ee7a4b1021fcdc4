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

if ! rabbitmqctl status >/dev/null 2>&1; then
  echo "services.sh: starting RabbitMQ"
  rabbitmq-server -detached
  rabbitmqctl await_startup
fi
if ! rabbitmq-plugins enable rabbitmq_stomp rabbitmq_web_stomp >/dev/null 2>&1; then
  echo "services.sh: enabling the STOMP plugins offline and restarting RabbitMQ"
  rabbitmq-plugins enable --offline rabbitmq_stomp rabbitmq_web_stomp
  rabbitmqctl stop || true
  rabbitmq-server -detached
  rabbitmqctl await_startup
fi
wait_port 61613
echo "services.sh: RabbitMQ STOMP ready on 127.0.0.1:61613"

# ActiveMQ Classic, the relay's second broker (STOMP on 61614): installed and started by its own script.
bash "$(dirname "$0")/activemq.sh"
