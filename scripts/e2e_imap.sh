#!/usr/bin/env bash
# End-to-end check of `gatehouse mailgate --imap` against a real IMAP
# server: Debian's dovecot-imapd, run unprivileged (as nobody when this
# script runs as root) on a free loopback port with a temporary config,
# no TLS, one passwd-file user whose Maildir holds a report and a bounce.
# The poll makes a ticket of the report, drops the bounce, marks both
# \Seen, and a second poll finds nothing. Cleans up after itself.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-e2e-imap.XXXXXX")
dovecot_pid=""

cleanup() {
	if [ -n "$dovecot_pid" ] && kill -0 "$dovecot_pid" 2>/dev/null; then
		kill "$dovecot_pid" 2>/dev/null || true
		wait "$dovecot_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "e2e_imap: FAIL: $*" >&2
	echo "--- dovecot log" >&2
	tail -20 "$work/dv/dovecot.log" >&2 2>/dev/null || true
	exit 1
}
step() { echo "e2e_imap: $*"; }

dovecot=$(command -v dovecot || echo /usr/sbin/dovecot)
[ -x "$dovecot" ] || fail "dovecot not found (apt-get install dovecot-imapd)"

step "building the binary"
(cd "$root" && go build -o "$work/gatehouse" .)
export GATEHOUSE_DB="$work/g.db"
gh() { "$work/gatehouse" "$@"; }

# dovecot refuses to run its login process as root: as root, run it all
# as nobody in a directory nobody owns
dv="$work/dv"
mkdir -p "$dv/run" "$dv/state" "$dv/mail/helpdesk/Maildir/new" "$dv/mail/helpdesk/Maildir/cur" "$dv/mail/helpdesk/Maildir/tmp"
run=()
user=$(id -un) group=$(id -gn) uid=$(id -u) gid=$(id -g)
if [ "$uid" -eq 0 ]; then
	user=nobody group=$(id -gn nobody) uid=$(id -u nobody) gid=$(id -g nobody)
	run=(setpriv --reuid="$uid" --regid="$gid" --clear-groups)
	chmod 755 "$work"
fi
echo "helpdesk:{PLAIN}imap-s3cret" >"$dv/passwd"

# two messages waiting in the mailbox
cat >"$dv/mail/helpdesk/Maildir/new/1.report.eml" <<'EOF'
From: Alice Ames <alice@school.example>
To: helpdesk@school.example
Subject: Smartboard frozen in room 7
Message-ID: <imap-report-1@mua.school.example>

The smartboard in room 7 does not respond.
EOF
cat >"$dv/mail/helpdesk/Maildir/new/2.bounce.eml" <<'EOF'
Return-Path: <>
From: MAILER-DAEMON@mx.school.example
To: helpdesk@school.example
Subject: Undelivered Mail Returned to Sender
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b

Delivery failed.
--b--
EOF
[ "$uid" -ne "$(id -u)" ] && chown -R "$uid:$gid" "$dv"

start_dovecot() {
	port=$((20000 + RANDOM % 20000))
	cat >"$dv/dovecot.conf" <<EOF
base_dir = $dv/run
state_dir = $dv/state
log_path = $dv/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = $user
default_internal_user = $user
default_internal_group = $group
mail_location = maildir:$dv/mail/%u/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dv/passwd
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$dv/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
service stats {
  chroot =
}
EOF
	[ "$uid" -ne "$(id -u)" ] && chown "$uid:$gid" "$dv/dovecot.conf"
	"${run[@]}" "$dovecot" -F -c "$dv/dovecot.conf" >>"$dv/out.log" 2>&1 &
	dovecot_pid=$!
	for _ in $(seq 50); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
		kill -0 "$dovecot_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$dovecot_pid" 2>/dev/null || true
	wait "$dovecot_pid" 2>/dev/null || true
	dovecot_pid=""
	return 1
}
for _ in 1 2 3 4 5; do start_dovecot && break; done
[ -n "$dovecot_pid" ] || fail "dovecot did not start: $(cat "$dv/out.log" 2>/dev/null)"
step "dovecot on 127.0.0.1:$port"

step "a district with alice in EAST, IMAP settings with a password file"
gh building create EAST --name "East School" >/dev/null
gh user create alice --first Alice --last Ames --email alice@school.example >/dev/null
gh user join alice Users >/dev/null
gh user set alice --buildings EAST >/dev/null
printf 'imap-s3cret\n' >"$work/imap.pw"
gh mail set --from helpdesk@school.example --imap-host 127.0.0.1 --imap-port "$port" --imap-tls none \
	--imap-user helpdesk --imap-password-file "$work/imap.pw" >/dev/null
grep -q "IMAP password: *(set)" <<<"$(gh mail show)" || fail "mail show: $(gh mail show)"
if grep -q imap-s3cret <<<"$(gh mail show --json)"; then fail "mail show prints the IMAP password"; fi

step "mailgate --imap makes a ticket of the report and drops the bounce"
out=$(gh mailgate --imap) || fail "mailgate --imap: $out"
grep -q "2 unseen" <<<"$out" || fail "poll: $out"
grep -q "ticket T-000001 reported by alice" <<<"$out" || fail "poll: $out"
grep -q "dropped" <<<"$out" || fail "poll: $out"
grep -q "Smartboard frozen in room 7" <<<"$(gh ticket show 1)" || fail "ticket: $(gh ticket show 1)"
grep -q "mail dropped" <<<"$(gh audit --entity mail)" || fail "no audit entry for the bounce"

step "both are \\Seen: a second poll finds nothing"
out=$(gh mailgate --imap) || fail "second poll: $out"
grep -q "0 unseen" <<<"$out" || fail "second poll: $out"
step "ok"
