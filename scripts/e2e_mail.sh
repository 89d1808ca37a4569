#!/usr/bin/env bash
# End-to-end check of mail with real parts: a real SMTP server (mailpit,
# with its HTTP API to read what arrived) on loopback, the real binary
# delivering from `gatehouse serve`, and messages fed back through
# `gatehouse mailgate` (handed to the server over the socket beside the
# data file). Checks recipients by R5, the headers, the body by email
# content privileges, a reply landing as a post, a bounce dropped, a
# stranger refused with 67. Cleans up after itself; exits non-zero on
# the first failure.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-e2e-mail.XXXXXX")
mailpit_pid="" server_pid=""
mailpit=${MAILPIT:-$(command -v mailpit || echo "$(go env GOPATH)/bin/mailpit")}

cleanup() {
	for pid in "$server_pid" "$mailpit_pid"; do
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
	done
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "e2e_mail: FAIL: $*" >&2
	echo "--- server log" >&2
	cat "$work/server.log" >&2 2>/dev/null || true
	echo "--- mailpit log" >&2
	tail -20 "$work/mailpit.log" >&2 2>/dev/null || true
	exit 1
}
step() { echo "e2e_mail: $*"; }

[ -x "$mailpit" ] || fail "mailpit not found (go install github.com/axllent/mailpit@v1.33.1)"
command -v jq >/dev/null || fail "jq not found"

step "building the binary"
(cd "$root" && go build -o "$work/gatehouse" .)
export GATEHOUSE_DB="$work/g.db"
gh() { "$work/gatehouse" "$@"; }

# mailpit on two free loopback ports (a random pick, tried a few times)
for _ in 1 2 3 4 5; do
	smtp_port=$((20000 + RANDOM % 20000)) http_port=$((20000 + RANDOM % 20000))
	"$mailpit" --smtp "127.0.0.1:$smtp_port" --listen "127.0.0.1:$http_port" --database "$work/mailpit.db" \
		>"$work/mailpit.log" 2>&1 &
	mailpit_pid=$!
	for _ in $(seq 50); do
		if curl -fs "http://127.0.0.1:$http_port/api/v1/messages" >/dev/null 2>&1; then break 2; fi
		kill -0 "$mailpit_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$mailpit_pid" 2>/dev/null || true
	wait "$mailpit_pid" 2>/dev/null || true
	mailpit_pid=""
done
[ -n "$mailpit_pid" ] || fail "mailpit did not start"
api="http://127.0.0.1:$http_port/api/v1"
step "mailpit on smtp $smtp_port, http $http_port"

step "a district: EAST and WEST, a reporter, a technician, a principal per building"
gh building create EAST --name "East School" >/dev/null
gh building create WEST --name "West School" >/dev/null
gh user create alice --first Alice --last Ames --email alice@school.example >/dev/null
gh user join alice Users >/dev/null
gh user set alice --buildings EAST >/dev/null
gh user create tom --first Tom --last Tech --email tom@school.example >/dev/null
gh user join tom Technicians >/dev/null
gh user create pat --first Pat --last Principal --email pat@school.example >/dev/null
gh user join pat "Building Administrator" >/dev/null
gh user set pat --buildings EAST >/dev/null
gh user create wes --first Wes --last West --email wes@school.example >/dev/null
gh user join wes "Building Administrator" >/dev/null
gh user set wes --buildings WEST >/dev/null
# email content privileges: principals (and every user, R1) get no
# signature, technicians do
gh group revoke "Building Administrator" email.signature >/dev/null
gh group revoke Users email.signature >/dev/null
gh mail set --host 127.0.0.1 --port "$smtp_port" --tls none --from helpdesk@school.example >/dev/null
grep -q "Password: *(none)" <<<"$(gh mail show)" || fail "mail show"

step "a ticket reported by mail, then assigned, while no server runs (queued)"
cat >"$work/report.eml" <<'EOF'
From: Alice Ames <alice@school.example>
To: helpdesk@school.example
Subject: Projector in room 12 is dead
Message-ID: <report-1@mua.school.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

The projector in room 12 shows no picture.
--b1
Content-Type: image/png
Content-Disposition: attachment; filename="projector.png"
Content-Transfer-Encoding: base64

iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==
--b1--
EOF
out=$(gh mailgate <"$work/report.eml") || fail "mailgate report: $out"
grep -q "ticket T-000001 reported by alice with 1 attachment" <<<"$out" || fail "mailgate said: $out"
grep -q projector.png <<<"$(gh ticket attachments 1)" || fail "the attachment is not on the ticket"
gh ticket assign 1 tom >/dev/null
grep -q queued <<<"$(gh outbox list)" || fail "nothing queued: $(gh outbox list)"

step "gatehouse serve delivers the queue"
"$work/gatehouse" serve --listen 127.0.0.1:0 >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
	[ -S "$GATEHOUSE_DB.mail.sock" ] && break
	sleep 0.1
done
[ -S "$GATEHOUSE_DB.mail.sock" ] || fail "no mail socket beside the data file"

# wait_count N: mailpit holds N messages within 10 s
wait_count() {
	for _ in $(seq 100); do
		[ "$(curl -fs "$api/messages" | jq .total)" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "mailpit holds $(curl -fs "$api/messages" | jq .total) messages, want $1"
}
wait_count 2
msgs=$(curl -fs "$api/messages")
to=$(echo "$msgs" | jq -r '[.messages[].To[].Address] | sort | join(",")')
[ "$to" = "pat@school.example,tom@school.example" ] || fail "recipients by R5: $to (wes of WEST must not get EAST's ticket)"

id_of() { jq -r --arg a "$1" 'first(.messages[] | select(.To[0].Address == $a) | .ID)' <<<"$msgs"; }
tom_id=$(id_of tom@school.example) pat_id=$(id_of pat@school.example)
h=$(curl -fs "$api/message/$tom_id/headers")
[ "$(echo "$h" | jq -r '."Auto-Submitted"[0]')" = "auto-generated" ] || fail "Auto-Submitted: $h"
[ "$(echo "$h" | jq -r '."X-Auto-Response-Suppress"[0]')" = "All" ] || fail "X-Auto-Response-Suppress: $h"
[ "$(echo "$h" | jq -r '.References[0]')" = "<t-000001.thread@school.example>" ] || fail "References: $h"
msgid=$(echo "$h" | jq -r '."Message-Id"[0]')
grep -q '^<t-000001\.m[0-9]*@school.example>$' <<<"$msgid" || fail "Message-ID $msgid"
tom=$(curl -fs "$api/message/$tom_id")
grep -qF "[T-000001] Projector in room 12 is dead" <<<"$(jq -r .Subject <<<"$tom")" || fail "subject: $(echo "$tom" | jq -r .Subject)"
grep -q "was assigned to tom" <<<"$(jq -r .Text <<<"$tom")" || fail "tom's body: $(echo "$tom" | jq -r .Text)"
grep -q "helpdesk (gatehouse)" <<<"$(jq -r .Text <<<"$tom")" || fail "tom (Technicians) should get the signature"
pat=$(curl -fs "$api/message/$pat_id" | jq -r .Text)
grep -q "Hello Pat Principal" <<<"$pat" || fail "pat's body: $pat"
if grep -q "helpdesk (gatehouse)" <<<"$pat"; then fail "pat's group lacks email.signature, yet the body has one"; fi

step "a reply through mailgate (handed to the server) lands as a post"
printf 'From: Tom Tech <tom@school.example>\nTo: helpdesk@school.example\nSubject: Re: [T-000001] Projector in room 12 is dead\nIn-Reply-To: %s\nReferences: <t-000001.thread@school.example> %s\n\nI will replace the lamp at 3pm.\n' \
	"$msgid" "$msgid" >"$work/reply.eml"
out=$(gh mailgate <"$work/reply.eml") || fail "mailgate reply: $out"
grep -q "reply posted on T-000001 by tom" <<<"$out" || fail "mailgate said: $out"

step "a new report while the server runs is delivered within seconds"
before=$(curl -fs "$api/messages" | jq .total)
printf 'From: alice@school.example\nSubject: Heater off in the gym\n\nIt is cold.\n' | gh mailgate >/dev/null || fail "mailgate while serving"
wait_count $((before + 1))

step "a bounce is dropped (0), a stranger refused (67)"
cat >"$work/bounce.eml" <<'EOF'
Return-Path: <>
From: Mail Delivery System <MAILER-DAEMON@mx.school.example>
To: helpdesk@school.example
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="DSN"

--DSN
Content-Type: text/plain

Your message could not be delivered.
--DSN
Content-Type: message/delivery-status

Final-Recipient: rfc822; nobody@school.example
Action: failed
Status: 5.1.1
--DSN--
EOF
out=$(gh mailgate <"$work/bounce.eml") || fail "a bounce must exit 0: $out"
grep -q "dropped" <<<"$out" || fail "bounce: $out"
set +e
out=$(printf 'From: someone@elsewhere.example\nSubject: hi\n\nhello\n' | gh mailgate 2>&1)
rc=$?
set -e
[ "$rc" -eq 67 ] || fail "a stranger should exit 67, got $rc: $out"

step "mail send reaches the server too"
grep -q "sent" <<<"$(gh mail send)" || fail "mail send through the socket"

step "after the server stops: the post, the audit entries, the outbox states"
kill -TERM "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""
grep -q "I will replace the lamp at 3pm." <<<"$(gh ticket messages 1)" || fail "the reply is not a post: $(gh ticket messages 1)"
grep -q "mail dropped" <<<"$(gh audit --entity mail)" || fail "no audit entry for the dropped bounce"
grep -q " sent " <<<"$(gh outbox list)" || fail "outbox states: $(gh outbox list)"
jq -e 'all(.[]; .state != "queued")' >/dev/null <<<"$(gh outbox list --json)" || fail "messages left queued: $(gh outbox list)"
step "ok"
