#!/usr/bin/env bash
# Starts the loopback services the test suite may use, if they are installed and not running.
# Each is optional for the tests that exist today; a service that cannot start is reported, not fatal.
set -u
up() { # name host port
  (exec 3<>"/dev/tcp/$2/$3") 2>/dev/null
}
start() { # name port command...
  local name=$1 port=$2; shift 2
  if up "$name" 127.0.0.1 "$port"; then return 0; fi
  echo "starting $name" >&2
  "$@" >/dev/null 2>&1 || true
  for _ in $(seq 1 30); do up "$name" 127.0.0.1 "$port" && return 0; sleep 1; done
  echo "warning: $name is not answering on 127.0.0.1:$port" >&2
}
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  start postgresql 5432 pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
fi
if [ -x /usr/sbin/nats-server ]; then
  start nats 4222 start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
fi
if command -v rabbitmq-server >/dev/null 2>&1; then
  start rabbitmq 5672 rabbitmq-server -detached
fi
exit 0
