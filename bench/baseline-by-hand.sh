#!/usr/bin/env bash
# baseline-by-hand.sh - the rapid-restart scenario the way people do it by
# hand: named namespaces with `ip netns`, `tcpdump -w`, python3 for the
# sockets, `ss` for the TIME_WAIT.  The shell baseline of bench/bench.py.
# Everything it makes is removed by the trap, whatever happens.
set -u
id=bl$$
srv=$id-s cli=$id-c
dir=$(mktemp -d)
tcpdump_pid=
cleanup() {
	[ -n "$tcpdump_pid" ] && kill "$tcpdump_pid" 2>/dev/null && wait "$tcpdump_pid" 2>/dev/null
	ip netns del "$srv" 2>/dev/null
	ip netns del "$cli" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
now() { date +%s.%N; }
t0=$(now)
fail() { echo "FAIL $*"; exit 1; }

ip netns add "$srv" && ip netns add "$cli" || fail "ip netns add"
ip link add "v$id" netns "$srv" type veth peer name "w$id" netns "$cli" || fail "ip link add"
ip -n "$srv" addr add 10.0.0.1/24 dev "v$id"
ip -n "$cli" addr add 10.0.0.2/24 dev "w$id"
ip -n "$srv" link set lo up; ip -n "$cli" link set lo up
ip -n "$srv" link set "v$id" up; ip -n "$cli" link set "w$id" up
t_world=$(now)

# tcpdump says "listening on" once it captures: wait for that line, not a sleep
mkfifo "$dir/err"
ip netns exec "$srv" tcpdump --immediate-mode -Z root -i "v$id" -U -w "$dir/cap.pcap" 'tcp port 8080' 2>"$dir/err" &
tcpdump_pid=$!
exec 3<"$dir/err"  # kept open: tcpdump must never write into a closed pipe
read -r -t 5 -u 3 _ || fail "tcpdump did not start"
t_cap=$(now)

ip netns exec "$srv" /usr/bin/python3 - "$cli" <<'PY' || fail "socket steps"
import errno, os, socket, subprocess, sys, time
s = socket.socket(); s.bind(("10.0.0.1", 8080)); s.listen()
# the client, in the other namespace: connect, wait for the server's FIN, close
client = subprocess.Popen(["ip", "netns", "exec", sys.argv[1], "/usr/bin/python3", "-c",
    "import socket; c = socket.create_connection(('10.0.0.1', 8080)); c.recv(1); c.close()"])
a, _ = s.accept(); a.close()
client.wait()
# TIME_WAIT on the server, polled with a bound
for _ in range(200):
    if "10.0.0.1:8080" in subprocess.run(["ss", "-tanH", "state", "time-wait"],
                                         capture_output=True, text=True).stdout:
        break
    time.sleep(0.01)
else:
    sys.exit("no TIME_WAIT")
s.close()
s2 = socket.socket()
try:
    s2.bind(("10.0.0.1", 8080))
    sys.exit("rebind succeeded")
except OSError as e:
    sys.exit(0 if e.errno == errno.EADDRINUSE else f"rebind: {e}")
PY
kill "$tcpdump_pid"; wait "$tcpdump_pid" 2>/dev/null; tcpdump_pid=
flags=$(tcpdump -nn -r "$dir/cap.pcap" 2>/dev/null | grep -o 'Flags \[[^]]*\]' | tr '\n' ' ')
case "$flags" in
*"Flags [F.] Flags [F.] Flags [.]"*) ;;
*) fail "FIN/ACK exchange not seen: $flags" ;;
esac
t_end=$(now)
awk -v a="$t0" -v w="$t_world" -v c="$t_cap" -v e="$t_end" 'BEGIN {
	printf "PASS world_ms=%.3f capture_ms=%.3f verdict_ms=%.3f\n", (w-a)*1e3, (c-a)*1e3, (e-a)*1e3 }'
