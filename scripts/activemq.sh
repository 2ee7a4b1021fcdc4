#!/usr/bin/env bash
# Makes ActiveMQ Classic ready for the relay tests (idempotent): Debian's `activemq` package
# installed (it brings Java), one broker of the project's own running outside the init scripts,
# with a STOMP connector on 127.0.0.1:61614 (61613 is RabbitMQ's). `scripts/services.sh` runs it.
#
# The broker's users (its STOMP CONNECT login is checked, unlike the package's default):
#   guest / guest      everything (the relay's login in the tests)
#   limited / limited  may read and subscribe, never write (a test's permission refusal)
# Messages are kept in memory only: a test broker, nothing survives its restart. A NACKed message
# is redelivered (after ActiveMQ's smallest allowed delay, 1 s), as RabbitMQ does, instead of going
# straight to the dead-letter queue (ActiveMQ's default for a STOMP NACK).
set -euo pipefail

ACTIVEMQ_DIR="${SWITCHBOARD_ACTIVEMQ_DIR:-/var/tmp/switchboard-activemq}"
ACTIVEMQ_PORT=61614
# A small heap is plenty for the tests and the benchmarks; the JVM's default takes a quarter of RAM.
ACTIVEMQ_HEAP="${SWITCHBOARD_ACTIVEMQ_HEAP:-384m}"
HOME_DIR=/usr/share/activemq
TEMPLATE=/etc/activemq/instances-available/main

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if port_open "$ACTIVEMQ_PORT"; then
  echo "services.sh: ActiveMQ STOMP ready on 127.0.0.1:$ACTIVEMQ_PORT"
  exit 0
fi

if [ ! -f "$HOME_DIR/bin/activemq.jar" ] || [ ! -d "$TEMPLATE" ] || ! command -v java >/dev/null; then
  echo "services.sh: installing ActiveMQ (Debian's activemq package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The package's init script may not start anything here (policy-rc.d); we start our own below.
  apt-get install -y -qq activemq >/dev/null
fi

# A running broker of ours whose port is not open yet (still starting) is waited for, not doubled.
pid_file="$ACTIVEMQ_DIR/activemq.pid"
if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null &&
  grep -q activemq "/proc/$(cat "$pid_file")/cmdline" 2>/dev/null; then
  echo "services.sh: ActiveMQ is starting (pid $(cat "$pid_file"))"
else
  echo "services.sh: starting ActiveMQ in $ACTIVEMQ_DIR"
  mkdir -p "$ACTIVEMQ_DIR/data"
  # This build logs through log4j 1.2: warnings and errors to the console log, nothing else.
  printf '%s\n' 'log4j.rootLogger=WARN, out' 'log4j.appender.out=org.apache.log4j.ConsoleAppender' \
    'log4j.appender.out.layout=org.apache.log4j.PatternLayout' \
    'log4j.appender.out.layout.ConversionPattern=%d %-5p %c{1} %m%n' >"$ACTIVEMQ_DIR/log4j.properties"
  # The package's configuration, with the STOMP connector, users and memory-only storage added.
  sed -e 's|dataDirectory="${activemq.base}/data">|dataDirectory="${activemq.base}/data" persistent="false" schedulerSupport="true">|' \
    -e '/<persistenceAdapter>/,/<\/persistenceAdapter>/d' \
    -e 's|\(<transportConnector name="openwire"[^>]*/>\)|\1\n            <transportConnector name="stomp" uri="stomp://127.0.0.1:'"$ACTIVEMQ_PORT"'"/>|' \
    -e 's|\(</transportConnectors>\)|\1\n\n        <systemUsage><systemUsage><memoryUsage><memoryUsage percentOfJvmHeap="60"/></memoryUsage></systemUsage></systemUsage>\n\n        <plugins>\n            <redeliveryPlugin fallbackToDeadLetter="true" sendToDlqIfMaxRetriesExceeded="true">\n                <redeliveryPolicyMap><redeliveryPolicyMap><defaultEntry>\n                    <redeliveryPolicy maximumRedeliveries="10" initialRedeliveryDelay="1000" redeliveryDelay="1000"/>\n                </defaultEntry></redeliveryPolicyMap></redeliveryPolicyMap>\n            </redeliveryPlugin>\n            <simpleAuthenticationPlugin anonymousAccessAllowed="false">\n                <users>\n                    <authenticationUser username="guest" password="guest" groups="admins"/>\n                    <authenticationUser username="limited" password="limited" groups="readers"/>\n                </users>\n            </simpleAuthenticationPlugin>\n            <authorizationPlugin>\n                <map>\n                    <authorizationMap>\n                        <authorizationEntries>\n                            <authorizationEntry queue=">" read="admins,readers" write="admins" admin="admins,readers"/>\n                            <authorizationEntry topic=">" read="admins,readers" write="admins" admin="admins,readers"/>\n                            <authorizationEntry topic="ActiveMQ.Advisory.>" read="admins,readers" write="admins,readers" admin="admins,readers"/>\n                        </authorizationEntries>\n                        <tempDestinationAuthorizationEntry>\n                            <tempDestinationAuthorizationEntry read="admins,readers" write="admins,readers" admin="admins,readers"/>\n                        </tempDestinationAuthorizationEntry>\n                    </authorizationMap>\n                </map>\n            </authorizationPlugin>\n        </plugins>|' \
    "$TEMPLATE/activemq.xml" >"$ACTIVEMQ_DIR/activemq.xml"
  grep -q "stomp://127.0.0.1:$ACTIVEMQ_PORT" "$ACTIVEMQ_DIR/activemq.xml" || {
    echo "services.sh: could not add the STOMP connector to $TEMPLATE/activemq.xml" >&2
    exit 1
  }
  # setsid: the broker outlives this script and the test run; its output goes to a log of its own.
  setsid java "-Xms64m" "-Xmx$ACTIVEMQ_HEAP" -XX:+UseSerialGC \
    "-Dactivemq.home=$HOME_DIR" "-Dactivemq.base=$ACTIVEMQ_DIR" "-Dactivemq.conf=$ACTIVEMQ_DIR" \
    "-Dactivemq.data=$ACTIVEMQ_DIR/data" "-Dlog4j.configuration=file:$ACTIVEMQ_DIR/log4j.properties" \
    -jar "$HOME_DIR/bin/activemq.jar" start "xbean:file:$ACTIVEMQ_DIR/activemq.xml" \
    >"$ACTIVEMQ_DIR/console.log" 2>&1 </dev/null &
  echo $! >"$pid_file"
fi

for _ in $(seq 1 120); do
  if port_open "$ACTIVEMQ_PORT"; then
    echo "services.sh: ActiveMQ STOMP ready on 127.0.0.1:$ACTIVEMQ_PORT"
    exit 0
  fi
  if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then break; fi
  sleep 0.5
done
echo "services.sh: ActiveMQ did not open port $ACTIVEMQ_PORT; its output:" >&2
tail -n 40 "$ACTIVEMQ_DIR/console.log" >&2 || true
exit 1
