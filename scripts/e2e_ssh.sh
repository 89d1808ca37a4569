#!/usr/bin/env bash
# End-to-end check of `gatehouse serve`: builds the real binary, serves a
# temp data file on a free loopback port, registers a key with
# `gatehouse user key add`, and drives the real OpenSSH client inside a
# private tmux server, reading the screen with capture-pane. Cleans up
# after itself; exits non-zero on the first failure.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-e2e-ssh.XXXXXX")
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

screen() { tmux -S "$sock" capture-pane -p -t e2e 2>/dev/null || true; }

fail() {
	echo "e2e_ssh: FAIL: $*" >&2
	echo "--- screen" >&2
	screen >&2
	echo "--- server log" >&2
	cat "$work/server.log" >&2 2>/dev/null || true
	exit 1
}

step() { echo "e2e_ssh: $*"; }

# wait_screen TEXT: the pane shows TEXT within 10 s.
wait_screen() {
	for _ in $(seq 100); do
		if screen | grep -qF -- "$1"; then return 0; fi
		sleep 0.1
	done
	fail "the screen never showed: $1"
}

keys() { tmux -S "$sock" send-keys -t e2e "$@"; }

for tool in go ssh ssh-keygen tmux; do
	command -v "$tool" >/dev/null || fail "$tool is not installed"
done

step "building"
(cd "$root" && go build -o "$work/gatehouse" .)
db="$work/data/gatehouse.db"
gh() { "$work/gatehouse" --db "$db" "$@"; }

step "seeding a data file"
gh user create ada --first Ada --last Lovelace >/dev/null
gh user join ada "District Administrator" >/dev/null
gh user set ada --start-screen home >/dev/null
gh user create nog --first Nog >/dev/null # in no group: refused (R2)
gh building create EAST --name "East High" >/dev/null
gh ticket create --title "Projector dead" --building EAST >/dev/null
ssh-keygen -q -t ed25519 -N '' -C ada@e2e -f "$work/ada_key"
ssh-keygen -q -t ed25519 -N '' -C nog@e2e -f "$work/nog_key"
ssh-keygen -q -t ed25519 -N '' -C stranger -f "$work/stranger_key"
gh user key add ada "$work/ada_key.pub" | grep -q "added key SHA256:" || fail "user key add"
gh user key add nog "$work/nog_key.pub" >/dev/null
gh user key list ada | grep -q "ada@e2e" || fail "user key list does not show the key"

step "a bad keymap file stops serve at start, naming the line"
printf '[list]\nnew = "q"\n' >"$work/bad.toml"
out=$("$work/gatehouse" --db "$db" serve --keys "$work/bad.toml" 2>&1) && fail "serve started with a bad keymap file"
grep -qF 'bad.toml:2: key "q" of list.new is already global.quit' <<<"$out" || fail "bad keymap: $out"

step "starting gatehouse serve (with the server's keymap file, one session at most) in a shared 0755 directory"
chmod 755 "$work/data"
printf '[list]\nnew = "a"\n' >"$work/keys.toml"
"$work/gatehouse" --db "$db" serve --listen 127.0.0.1:0 --keys "$work/keys.toml" --max-sessions 1 >"$work/server.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 100); do
	port=$(sed -n 's/.*msg="ssh server listening" addr=127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$work/server.log")
	[ -n "$port" ] && break
	kill -0 "$server_pid" 2>/dev/null || fail "the server exited"
	sleep 0.1
done
[ -n "$port" ] || fail "the server did not start listening"
[ -f "$work/data/gatehouse_host_ed25519" ] || fail "no host key beside the data file"
[ "$(stat -c %a "$work/data/gatehouse_host_ed25519")" = 600 ] || fail "host key is not 0600"
[ "$(stat -c %a "$work/data")" = 755 ] || fail "making the host key changed the data directory to $(stat -c %a "$work/data")"
grep -q 'msg="ssh server listening".* fingerprint=SHA256:' "$work/server.log" || fail "the host key's fingerprint is not logged"

step "the CLI says the file is held instead of hanging"
if timeout 10 "$work/gatehouse" --db "$db" user list >"$work/busy.out" 2>&1; then
	fail "the CLI opened the file the server holds"
fi
grep -q "in use by another gatehouse" "$work/busy.out" || fail "CLI said: $(cat "$work/busy.out")"

sshopts=(-o StrictHostKeyChecking=no -o "UserKnownHostsFile=$work/known_hosts" -o IdentitiesOnly=yes
	-o BatchMode=yes -o ConnectTimeout=10 -p "$port")

step "a wrong key is refused"
if ssh "${sshopts[@]}" -i "$work/stranger_key" ada@127.0.0.1 true >"$work/wrong.out" 2>&1; then
	fail "a stranger's key got in"
fi
grep -q "Permission denied (publickey)" "$work/wrong.out" || fail "wrong key: $(cat "$work/wrong.out")"

step "a command is refused with one line (the server runs none)"
status=0
ssh "${sshopts[@]}" -i "$work/ada_key" ada@127.0.0.1 cat /etc/passwd >"$work/exec.out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "exec exit status $status: $(cat "$work/exec.out")"
grep -q "runs no commands" "$work/exec.out" || fail "exec said: $(cat "$work/exec.out")"
[ "$(grep -c . "$work/exec.out")" = 1 ] || fail "exec said more than one line: $(cat "$work/exec.out")"
grep -q 'runs no commands' "$work/server.log" || fail "the refused command is not logged"

step "a connection without a session (ssh -N) is closed after 10 s"
ssh "${sshopts[@]}" -i "$work/ada_key" -N ada@127.0.0.1 >"$work/dashn.out" 2>&1 &
dashn=$!
for _ in $(seq 150); do kill -0 "$dashn" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$dashn" 2>/dev/null; then
	kill "$dashn"
	fail "ssh -N still connected after 15 s"
fi
grep -q 'msg="ssh connection closed".*no session within 10s' "$work/server.log" || fail "the close is not logged"

step "a user in no group is refused with one line"
ssh "${sshopts[@]}" -tt -i "$work/nog_key" nog@127.0.0.1 </dev/null >"$work/nog.out" 2>&1 || true
grep -q "gatehouse: login refused: nog is inactive: no group (R2)" "$work/nog.out" || fail "nog: $(cat "$work/nog.out")"

step "idle sockets take no session slot: two silent, two stalled after their identification"
exec 7<>"/dev/tcp/127.0.0.1/$port" 8<>"/dev/tcp/127.0.0.1/$port"
exec 9<>"/dev/tcp/127.0.0.1/$port" 10<>"/dev/tcp/127.0.0.1/$port"
printf 'SSH-2.0-idle\r\n' >&9
printf 'SSH-2.0-idle\r\n' >&10

step "ada logs in with OpenSSH inside tmux"
tmux -S "$sock" -f /dev/null new-session -d -s e2e -x 100 -y 30 \
	"ssh ${sshopts[*]} -i $work/ada_key ada@127.0.0.1; echo SSH-EXIT=\$?; sleep 60"
wait_screen "Open tickets you can see: 1"
wait_screen "ada (Ada Lovelace)"

step "the silent sockets are closed after 5 s, the stalled ones are not"
timeout 15 cat <&7 >/dev/null || fail "a socket that said nothing was not closed"
timeout 15 cat <&8 >/dev/null || fail "a socket that said nothing was not closed"
exec 7<&- 8<&-
grep -q 'msg="ssh connection closed".*no SSH identification within 5s' "$work/server.log" || fail "the close is not logged"
if timeout 1 cat <&9 >/dev/null; then fail "a socket that sent its identification was closed"; fi

step "keys reach the console"
keys 3
wait_screen "District Administrator"
wait_screen "a new" # the server's keys.toml applies to the session
keys "?"
wait_screen "any key closes help"
keys Escape
sleep 0.3 # tmux turns Esc followed quickly by a key into alt+key
wait_screen "enter open"

step "the window size follows the client"
tmux -S "$sock" resize-window -t e2e -x 70 -y 20
wait_screen "window too small"
tmux -S "$sock" resize-window -t e2e -x 100 -y 30
wait_screen "District Administrator"

step "a huge window is drawn at the server's limit (400x160), not allocated"
tmux -S "$sock" resize-window -t e2e -x 4000 -y 2000
sleep 1
kill -0 "$server_pid" 2>/dev/null || fail "the server died on a 4000x2000 window"
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status")
[ "$rss" -lt 400000 ] || fail "the server grew to $rss kB on a 4000x2000 window"
tmux -S "$sock" resize-window -t e2e -x 100 -y 30
wait_screen "District Administrator"

step "SIGTERM shuts down gracefully"
kill -TERM "$server_pid"
wait_screen "gatehouse: the server is shutting down"
wait_screen "SSH-EXIT=0"
status=0
wait "$server_pid" || status=$?
server_pid=""
[ "$status" = 0 ] || fail "the server exited with status $status"
timeout 5 cat <&9 >/dev/null || fail "a socket still logging in was left open at shutdown"
timeout 5 cat <&10 >/dev/null || fail "a socket still logging in was left open at shutdown"
exec 9<&- 10<&-
grep -q 'msg="ssh login" user=ada' "$work/server.log" || fail "no login log line"
grep -q 'msg="ssh logout" user=ada' "$work/server.log" || fail "no logout log line"
grep -q 'msg="ssh login refused" user=nog' "$work/server.log" || fail "no refusal log line"
grep -q 'msg="ssh server stopped"' "$work/server.log" || fail "no stop log line"

step "the data file opens again after shutdown"
gh --json user list >/dev/null || fail "the file is not usable after shutdown"
echo "e2e_ssh: PASS"
