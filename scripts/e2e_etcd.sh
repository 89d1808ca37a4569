#!/usr/bin/env bash
# End-to-end check of the etcd backend with the real binaries: starts a
# local 3-member cluster (internal/etcdtest/cmd/etcd-cluster, free ports),
# opens the demo console on it in tmux, runs two `gatehouse serve`
# instances on different ports against the same prefix, logs in to each
# with the OpenSSH client and checks that an edit made in one session shows
# in the other without a key press, and that the CLI sees it too. Cleans up
# after itself; exits non-zero on the first failure.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-e2e-etcd.XXXXXX")
sock="$work/tmux.sock"
pids=()

cleanup() {
	tmux -S "$sock" kill-server >/dev/null 2>&1 || true
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

screen() { tmux -S "$sock" capture-pane -p -t "$1" 2>/dev/null || true; }

fail() {
	echo "e2e_etcd: FAIL: $*" >&2
	for s in console a b; do
		echo "--- screen $s" >&2
		screen "$s" >&2
	done
	for f in "$work"/*.log; do
		echo "--- $f" >&2
		tail -20 "$f" >&2 || true
	done
	exit 1
}

step() { echo "e2e_etcd: $*"; }

# wait_screen PANE TEXT: the pane shows TEXT within 15 s.
wait_screen() {
	for _ in $(seq 150); do
		if screen "$1" | grep -qF -- "$2"; then return 0; fi
		sleep 0.1
	done
	fail "screen $1 never showed: $2"
}

keys() { tmux -S "$sock" send-keys -t "$@"; }

for tool in go ssh ssh-keygen tmux; do
	command -v "$tool" >/dev/null || fail "$tool is not installed"
done

step "building gatehouse and the dev cluster"
(cd "$root" && go build -o "$work/gatehouse" . && go build -o "$work/etcd-cluster" ./internal/etcdtest/cmd/etcd-cluster)
# every process gets its own data and cache directories, as separate
# machines would (the mirror cache, the host key)
export XDG_CACHE_HOME="$work/cache" XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config"

step "starting a 3-member etcd cluster on free ports"
"$work/etcd-cluster" -port 0 -no-fsync >"$work/cluster.log" 2>&1 &
pids+=($!)
url=""
for _ in $(seq 300); do
	url=$(sed -n 's/^  gatehouse --store \(etcd:[^ ]*\) --demo$/\1/p' "$work/cluster.log")
	[ -n "$url" ] && break
	kill -0 "${pids[0]}" 2>/dev/null || fail "the cluster exited"
	sleep 0.1
done
[ -n "$url" ] || fail "the cluster did not start"
store="$url/district"
gh() { "$work/gatehouse" --store "$store" "$@"; }

step "a bad --store is refused with a clear message"
out=$("$work/gatehouse" --store "etcd://nohost/x" user list 2>&1) && fail "a store URL without a port was accepted"
grep -qF 'has no port' <<<"$out" || fail "bad --store said: $out"

step "the demo console opens on the cluster"
tmux -S "$sock" -f /dev/null new-session -d -s console -x 120 -y 40 \
	"XDG_CACHE_HOME=$work/cache-console '$work/gatehouse' --store '$url/district' --demo; sleep 60"
wait_screen console "Riverside Unified School District"
wait_screen console ": commands"
keys console q
sleep 0.5

step "seeding the shared prefix through the CLI"
gh user create ada --first Ada --last Lovelace >/dev/null
gh user join ada "District Administrator" >/dev/null
gh user set ada --start-screen groups >/dev/null
ssh-keygen -q -t ed25519 -N '' -C ada@e2e -f "$work/ada_key"
gh user key add ada "$work/ada_key.pub" | grep -q "added key SHA256:" || fail "user key add"

step "two gatehouse serve instances on the same prefix"
for site in a b; do
	XDG_CACHE_HOME="$work/cache-$site" XDG_DATA_HOME="$work/data-$site" \
		"$work/gatehouse" --store "$store" serve --listen 127.0.0.1:0 >"$work/serve-$site.log" 2>&1 &
	pids+=($!)
done
declare -A port
for site in a b; do
	for _ in $(seq 150); do
		port[$site]=$(sed -n 's/.*msg="ssh server listening" addr=127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$work/serve-$site.log")
		[ -n "${port[$site]}" ] && break
		sleep 0.1
	done
	[ -n "${port[$site]}" ] || fail "serve $site did not start"
	[ -f "$work/data-$site/gatehouse/gatehouse_host_ed25519" ] || fail "serve $site has no host key in its data directory"
done
[ "${port[a]}" != "${port[b]}" ] || fail "both servers on one port"

sshopts=(-o StrictHostKeyChecking=no -o "UserKnownHostsFile=$work/known_hosts" -o IdentitiesOnly=yes
	-o BatchMode=yes -o ConnectTimeout=10 -i "$work/ada_key")
for site in a b; do
	tmux -S "$sock" new-session -d -s "$site" -x 120 -y 30 \
		"ssh ${sshopts[*]} -p ${port[$site]} ada@127.0.0.1; echo SSH-EXIT=\$?; sleep 60"
	wait_screen "$site" "ada (Ada Lovelace)"
	wait_screen "$site" "Technical Coordinator"
done

step "a group made in site a's session shows in site b's without a key"
keys a n
wait_screen a "New group"
keys a "Site A Crew"
keys a C-s
wait_screen a "saved group Site A Crew"
wait_screen b "Site A Crew"
keys a Escape # back from the new group's matrix to the list
wait_screen a "Technical Coordinator"

step "the CLI, a third process, sees it and edits too; both sessions refresh"
gh group list | grep -q "Site A Crew" || fail "the CLI does not list the group"
gh group create "From The CLI" >/dev/null
wait_screen a "From The CLI"
wait_screen b "From The CLI"

step "gatehouse check is clean on the cluster"
gh check | grep -q "consistent" || fail "check: $(gh check 2>&1)"

step "export from etcd, import all into a bbolt file: the same records"
gh export --out "$work/etcd.json" >/dev/null
"$work/gatehouse" --db "$work/copy.db" import all "$work/etcd.json" >/dev/null
"$work/gatehouse" --db "$work/copy.db" group list | grep -q "From The CLI" || fail "the bbolt copy lacks the group"

for site in a b; do keys "$site" q; done
step "ok"
