#!/usr/bin/env bash
# The ClickHouse test service: Debian's clickhouse-server (18.16) on loopback, with a config, data directory and ports
# of its own, never the system service's. Used by scripts/test.sh (so CI runs the ClickHouse suites) and by those suites.
#
#   scripts/clickhouse.sh install   installs clickhouse-server with apt when missing (scripts/install-system-deps.sh)
#   scripts/clickhouse.sh start     starts it unless already running, and waits until it answers /ping
#   scripts/clickhouse.sh stop      stops it (the data directory stays)
#   scripts/clickhouse.sh status    exit 0 and "running …" when it answers, exit 3 and "stopped" when not
#   scripts/clickhouse.sh url       the TELEMETRY_STORE URL of the service (clickhouse://127.0.0.1:<port>/telemetry)
#
# Environment: TELEMETRY_CLICKHOUSE_DIR (its config, data and log; default ${TMPDIR:-/tmp}/telemetry-clickhouse),
# TELEMETRY_CLICKHOUSE_HTTP_PORT (default 18123), TELEMETRY_CLICKHOUSE_TCP_PORT (default 19000; the native protocol,
# unused by the store, but the server needs one), TELEMETRY_CLICKHOUSE_START_SECONDS (default 60: how long start waits),
# TELEMETRY_CLICKHOUSE_CLUSTER (a cluster in the config's remote_servers, for a store spread over shards:
# <name>:<host>:<tcp port>,<host>:<tcp port>,…, one shard each; docs/clickhouse.md, "A cluster").
set -euo pipefail
cd "$(dirname "$0")/.."
# The server binary lives in /usr/sbin, which a non-root PATH often lacks.
PATH="$PATH:/usr/sbin"
dir="${TELEMETRY_CLICKHOUSE_DIR:-${TMPDIR:-/tmp}/telemetry-clickhouse}"
http_port="${TELEMETRY_CLICKHOUSE_HTTP_PORT:-18123}"
tcp_port="${TELEMETRY_CLICKHOUSE_TCP_PORT:-19000}"
wait_seconds="${TELEMETRY_CLICKHOUSE_START_SECONDS:-60}"
pid_file="$dir/clickhouse.pid"
cluster="${TELEMETRY_CLICKHOUSE_CLUSTER:-}"

answers() { [ "$(curl -fsS --max-time 2 "http://127.0.0.1:$http_port/ping" 2>/dev/null)" = "Ok." ]; }
running_pid() { [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null && cat "$pid_file"; }

# <remote_servers> for TELEMETRY_CLICKHOUSE_CLUSTER: one replica per shard, at its native (TCP) port.
remote_servers() {
  [ -n "$cluster" ] || return 0
  local name="${cluster%%:*}" shard
  echo "  <remote_servers><$name>"
  IFS=, read -ra shards <<<"${cluster#*:}"
  for shard in "${shards[@]}"; do
    echo "    <shard><replica><host>${shard%:*}</host><port>${shard##*:}</port></replica></shard>"
  done
  echo "  </$name></remote_servers>"
}

# The config of 18.16: XML under <yandex> (current releases read <clickhouse> too). UTC, so that toDate() days are
# the UTC days DuckDB's TIMESTAMP columns give. Loopback only; no interserver, https or MySQL ports.
write_config() {
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/log"
  cat >"$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/log/server.log</log><errorlog>$dir/log/error.log</errorlog>
    <size>10M</size><count>2</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$http_port</http_port>
  <tcp_port>$tcp_port</tcp_port>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  <mlock_executable>false</mlock_executable>
$(remote_servers)
</yandex>
XML
  cat >"$dir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles>
    <default><max_memory_usage>2000000000</max_memory_usage></default>
    <!-- user SQL's profile (TELEMETRY_CLICKHOUSE_SQL_USER): read-only, its limits set here, as it takes none per query -->
    <telemetry_sql><readonly>1</readonly><max_result_rows>1000000</max_result_rows>
      <result_overflow_mode>break</result_overflow_mode><max_execution_time>60</max_execution_time>
      <max_memory_usage>1000000000</max_memory_usage></telemetry_sql>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
    <!-- the example of a user limited to one store's database (packages/server/test/clickhouse-sql-user.test.ts) -->
    <telemetry_sql>
      <password></password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>telemetry_sql</profile>
      <quota>default</quota>
      <allow_databases><database>sql_user_test</database></allow_databases>
    </telemetry_sql>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
}

case "${1:-}" in
install)
  command -v clickhouse-server >/dev/null 2>&1 || bash scripts/install-system-deps.sh clickhouse-server
  command -v clickhouse-server >/dev/null 2>&1
  ;;
start)
  # One start at a time (test files run in parallel may each ask): the later one finds it running.
  mkdir -p "$dir"
  exec 9>"$dir/start.lock"
  flock 9
  if running_pid >/dev/null && answers; then
    echo "clickhouse: already running on 127.0.0.1:$http_port (pid $(cat "$pid_file"), $dir)"
    exit 0
  fi
  if ! command -v clickhouse-server >/dev/null 2>&1; then
    echo "clickhouse: clickhouse-server is not installed (scripts/clickhouse.sh install)" >&2
    exit 2
  fi
  if answers; then
    echo "clickhouse: port $http_port answers but is not ours ($dir); set TELEMETRY_CLICKHOUSE_HTTP_PORT" >&2
    exit 2
  fi
  write_config
  # setsid: its own process group, so that a Ctrl-C in the calling terminal does not stop it half-way.
  setsid clickhouse-server --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 </dev/null 9>&- &
  echo $! >"$pid_file"
  for ((i = 0; i < wait_seconds * 10; i++)); do
    if answers; then
      echo "clickhouse: running on 127.0.0.1:$http_port (pid $(cat "$pid_file"), $dir)"
      exit 0
    fi
    if ! running_pid >/dev/null; then break; fi
    sleep 0.1
  done
  echo "clickhouse: did not answer on 127.0.0.1:$http_port; its log:" >&2
  tail -n 20 "$dir/log/error.log" "$dir/log/stdout.log" >&2 2>/dev/null || true
  if pid=$(running_pid); then kill "$pid"; fi
  exit 1
  ;;
stop)
  if pid=$(running_pid); then
    kill "$pid"
    for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
    echo "clickhouse: stopped (pid $pid)"
  fi
  rm -f "$pid_file"
  ;;
status)
  if running_pid >/dev/null && answers; then
    echo "clickhouse: running on 127.0.0.1:$http_port (pid $(cat "$pid_file"), $dir)"
  else
    echo "clickhouse: stopped"
    exit 3
  fi
  ;;
url)
  echo "clickhouse://127.0.0.1:$http_port/telemetry"
  ;;
*)
  echo "usage: scripts/clickhouse.sh install|start|stop|status|url" >&2
  exit 64
  ;;
esac
