#!/usr/bin/env bash
# End-to-end check of issue 21 with two administrators at once: two OpenSSH
# consoles on one `gatehouse serve`, each in its own tmux session, editing
# group Helpdesk's privilege matrix. A draft saved after the other's
# revocation does not bring it back (the save lands on top), and when both
# change the same box the conflict screen shows both values. Builds the
# real binary, serves a temp file on a free loopback port, cleans up.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-e2e-conflict.XXXXXX")
sock="$work/tmux.sock"
server_pid=""

cleanup() {
	tmux -S "$sock" kill-server >/dev/null 2>&1 || true
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

screen() { tmux -S "$sock" capture-pane -p -t "$1" 2>/dev/null || true; }

fail() {
	echo "e2e_conflict: FAIL: $*" >&2
	for s in A B; do
		echo "--- screen $s" >&2
		screen "$s" >&2
	done
	echo "--- server log" >&2
	cat "$work/server.log" >&2 2>/dev/null || true
	exit 1
}

step() { echo "e2e_conflict: $*"; }

# wait_screen S TEXT: session S shows TEXT within 10 s.
wait_screen() {
	for _ in $(seq 100); do
		if screen "$1" | grep -qF -- "$2"; then return 0; fi
		sleep 0.1
	done
	fail "screen $1 never showed: $2"
}

keys() {
	local s=$1
	shift
	tmux -S "$sock" send-keys -t "$s" "$@"
	sleep 0.2
}

for tool in go ssh ssh-keygen tmux jq; do
	command -v "$tool" >/dev/null || fail "$tool is not installed"
done

step "building"
(cd "$root" && go build -o "$work/gatehouse" .)
db="$work/data/gatehouse.db"
gh() { "$work/gatehouse" --db "$db" "$@"; }

step "seeding: two administrators and group Helpdesk"
for u in ada su2; do
	gh user create "$u" >/dev/null
	gh user join "$u" "District Administrator" >/dev/null
	ssh-keygen -q -t ed25519 -N '' -C "$u@e2e" -f "$work/${u}_key"
	gh user key add "$u" "$work/${u}_key.pub" >/dev/null
done
gh group create Helpdesk >/dev/null
gh group grant Helpdesk ticket.report ticket.view >/dev/null

step "starting gatehouse serve"
"$work/gatehouse" --db "$db" serve --listen 127.0.0.1:0 >"$work/server.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 100); do
	port=$(sed -n 's/.*msg="ssh server listening" addr=127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$work/server.log")
	[ -n "$port" ] && break
	kill -0 "$server_pid" 2>/dev/null || fail "the server exited"
	sleep 0.1
done
[ -n "$port" ] || fail "the server did not start listening"
sshopts="-o StrictHostKeyChecking=no -o UserKnownHostsFile=$work/known_hosts -o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=10 -p $port"

step "ada (A) and su2 (B) open Helpdesk's privileges, each in their own console"
tmux -S "$sock" -f /dev/null new-session -d -s A -x 100 -y 34 "ssh $sshopts -i $work/ada_key ada@127.0.0.1; sleep 60"
tmux -S "$sock" new-session -d -s B -x 100 -y 34 "ssh $sshopts -i $work/su2_key su2@127.0.0.1; sleep 60"
for s in A B; do
	wait_screen "$s" "1 Home"
	keys "$s" 3
	wait_screen "$s" "Helpdesk"
	keys "$s" j j Enter # Building Administrator, District Administrator, Helpdesk
	wait_screen "$s" "Group Helpdesk"
	wait_screen "$s" "▸[x] Report a Problem"
done

step "A ticks a notification; B revokes Report a Problem and saves"
keys A Tab Tab
wait_screen A "[Notifications]"
keys A Space
wait_screen A "▸[x] Notify: New ticket"
keys B Space
wait_screen B "▸[ ] Report a Problem"
keys B C-s
wait_screen B "saved group Helpdesk"

step "A saves: the revocation stays and A's tick lands on top of it"
keys A C-s
wait_screen A "Helpdesk was changed by su2"
wait_screen A "your changes were applied on top"
keys A BTab BTab
wait_screen A "[Privileges]"
wait_screen A "[ ] Report a Problem"

step "both change Close Problem Report: B ticks it, A (who saw it) unticks it"
keys A Escape
sleep 0.3
keys A Enter # opened again: A's base is the current version
wait_screen A "▸[ ] Report a Problem"
keys B l j j j j j j # Close Problem Report: right column, seventh row
wait_screen B "▸[ ] Close Problem Report"
keys B Space C-s
wait_screen B "Helpdesk was changed by ada" # B's base predates A's save: on top of it
wait_screen A "[x] Close Problem Report" # A's matrix follows B's save
keys A l j j j j j j
wait_screen A "▸[x] Close Problem Report"
keys A Space
wait_screen A "▸[ ] Close Problem Report"
keys A C-s

step "A's save is refused into the conflict screen, showing both values"
wait_screen A "Conflict · group Helpdesk · nothing saved yet"
wait_screen A "su2 saved it at"
out=$(screen A)
grep -qF "Close Problem Report" <<<"$out" || fail "the conflict does not name the field"
grep -qE "theirs +yes +su2" <<<"$out" || fail "the conflict does not show su2's value"
grep -qE "yours +no" <<<"$out" || fail "the conflict does not show A's value"
echo "$out" | sed -n '3,12p' | sed 's/^/  | /'

step "A takes theirs: su2's tick stays"
keys A t
keys A C-s
wait_screen A "[x] Close Problem Report"

step "shutting down; the file holds both sides' changes and the audit says who did what"
kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=""
[ "$status" = 0 ] || fail "the server exited with status $status"
flags=$(gh group show Helpdesk --json | jq -r '.flags | join(",")')
grep -q "ticket.close" <<<"$flags" || fail "su2's ticket.close is gone: $flags"
grep -q "ticket.report" <<<"$flags" && fail "the revoked ticket.report came back: $flags"
audit=$(gh audit --entity group --limit 4)
grep -qE "su2 +group +Helpdesk +update +flags: −ticket.report" <<<"$audit" || fail "audit: $audit"
grep -qE "ada +group +Helpdesk +update +events: \+new" <<<"$audit" || fail "audit: $audit"
grep -qE "su2 +group +Helpdesk +update +flags: \+ticket.close" <<<"$audit" || fail "audit: $audit"
echo "e2e_conflict: PASS"
