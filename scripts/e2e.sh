#!/usr/bin/env bash
# End-to-end: build the real binary, run the console in tmux on a temp file,
# drive it with send-keys, read the screen with capture-pane, and check the
# result with the CLI. Walks issue 3's "Done when" scenario: a "Principals"
# group with Building Administrator set and Report/Close/Reopen, two users
# (one membership expiring), the R4 elevation warning on Manage Buildings,
# view-as one principal, and the change in the audit trail. Then a glance at
# the demo district. Prints PASS/FAIL lines; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
S="gatehouse-e2e-$$"
cleanup() {
  tmux kill-session -t "$S" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

fails=0
pass() { echo "PASS $1"; }
fail() {
  echo "FAIL $1"
  fails=$((fails + 1))
  if [ -n "${2:-}" ]; then echo "---- screen ----"; echo "$2"; echo "----------------"; fi
}

command -v tmux >/dev/null || { echo "FAIL tmux is not installed"; exit 1; }
go build -o "$tmp/gatehouse" . || { echo "FAIL build"; exit 1; }
pass "build"
export GATEHOUSE_DB="$tmp/g.db"
gh() { "$tmp/gatehouse" "$@"; }

screen() { tmux capture-pane -p -t "$S" 2>/dev/null; }
# keys sends tmux key names (Enter, Tab, Space, Right, C-s, BTab, …).
keys() { tmux send-keys -t "$S" "$@"; sleep 0.15; }
# typed sends literal text.
typed() { tmux send-keys -t "$S" -l "$1"; sleep 0.15; }
# esc waits after Escape so tmux does not turn Esc+next key into alt+key.
esc() { tmux send-keys -t "$S" Escape; sleep 0.4; }
# wait_for TEXT: the screen shows TEXT within 5 s.
wait_for() {
  local i
  for i in $(seq 1 50); do
    if screen | grep -qF -- "$1"; then return 0; fi
    sleep 0.1
  done
  return 1
}
# check NAME TEXT: PASS when the screen shows TEXT.
check() {
  if wait_for "$2"; then pass "$1"; else fail "$1 (no \"$2\")" "$(screen)"; fi
}
# check_not NAME TEXT: PASS when the screen does not show TEXT.
check_not() {
  if screen | grep -qF -- "$2"; then fail "$1 (shows \"$2\")" "$(screen)"; else pass "$1"; fi
}
# cli_has NAME TEXT CMD...: PASS when the command's output contains TEXT.
cli_has() {
  local name=$1 text=$2 out
  shift 2
  out=$(gh "$@" 2>&1)
  if grep -qF -- "$text" <<<"$out"; then pass "$name"; else fail "$name (no \"$text\" in: gatehouse $*)" "$out"; fi
}
start() { start_sized 120 40 "$@"; }
# start_sized W H ARGS...: the console in a W×H terminal.
start_sized() {
  local w=$1 h=$2
  shift 2
  tmux kill-session -t "$S" 2>/dev/null
  tmux new-session -d -s "$S" -x "$w" -y "$h" "GATEHOUSE_DB='$GATEHOUSE_DB' '$tmp/gatehouse' $*; echo \"gatehouse exited \$?\"; sleep 30"
}
# quit presses q and expects the console to exit with status 0 (the file
# lock is released before the CLI checks).
quit() {
  keys q
  if wait_for "gatehouse exited 0"; then pass "console quits"; else fail "console quits" "$(screen)"; fi
  tmux kill-session -t "$S" 2>/dev/null
}

# ---------------------------------------------------------------- scenario
start
check "console opens on the groups list" "District Administrator"
check "built-in groups listed" "Building Administrator"

# create "Principals" with Building Administrator set
keys n
check "new group form" "New group"
typed "Principals"; keys Tab; typed "School principals"; keys Tab Tab Space Enter
check "group created" "saved group Principals"
check "detail opens on Privileges" "Group Principals"

# Report (first cell), Close and Reopen (cells 13 and 14 of Tickets)
keys Space
for _ in $(seq 13); do keys Right; done
keys Space Right Space
check "matrix toggles Close" "[x] Close Problem Report"
check "matrix marks unsaved" "unsaved (ctrl+s)"
keys C-s
check "matrix saved with ctrl+s" "saved group Principals"

# R4: Manage Buildings at Edit warns before saving; refuse, then undo
keys Tab Right Right Right
check "module levels tab" "buildings: Edit makes members full administrators (R4)"
keys Space Space C-s
check "elevation warning" "would make its members full administrators"
check "warning names the building restriction" "restriction would no longer apply"
keys n
check "warning refused" "cancelled"
keys Space
check_not "draft back to saved" "unsaved (ctrl+s)"
esc

# two users, listed with "—" until they join a group (R2)
keys 4
check "users screen" "Users 1–1 of 1"
for u in "pat Pat Lee" "sam Sam Ortiz"; do
  set -- $u
  keys n; typed "$1"; keys Tab; typed "$2"; keys Tab; typed "$3"; keys Enter
  check "user $1 created" "saved user $1"
done
check "users list shows — for users without a group" "—"

# find USER: filter the list (R15 prefix search) down to one user
find_user() {
  keys /
  keys BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace
  typed "$1"; keys Enter
  check "cursor on $1" "▸ $1 "
}

# pat joins Principals until a date (temporary), sam for good
until=$(date -d '+30 days' +%F)
find_user pat
keys Enter
check "user detail" "User pat"
keys n; typed "Principals"; keys Tab Tab; typed "$until"; keys Tab; typed "acting principal"; keys Enter
check "pat joined with an expiry" "pat joined Principals"
check "expiry shown" "$until"
esc
find_user sam
keys J; typed "Principals"; keys Enter
check "sam joined" "sam joined Principals"

# view the console as pat: read-only, their screens only, esc leaves
find_user pat
keys v
check "view-as banner" "VIEWING AS pat (Pat Lee) — read-only — esc to leave"
check "view-as shows pat's role" "building administrator"
check_not "view-as hides Groups from pat" "3 Groups"
esc
check "esc leaves view-as" "left view-as pat"

# the change in the audit trail
keys 8
check "audit screen" "Audit trail"
keys /; typed "entity:group"; keys Enter
check "audit shows the group change" "Principals"
check "audit shows the grant" "ticket.close"
quit

cli_has "CLI: Principals is a Building Administrator group" "Building Administrator: yes" group show Principals
cli_has "CLI: Principals holds ticket.close" "ticket.close" group show Principals
cli_has "CLI: Principals holds ticket.reopen" "ticket.reopen" group show Principals
cli_has "CLI: Principals holds ticket.report" "ticket.report" group show Principals
cli_has "CLI: Manage Buildings was not granted" "Modules:                -" group show Principals
cli_has "CLI: two members" "Members:                2" group show Principals
# the date typed in the console is the last day of access, as --until means
cli_has "CLI: pat's membership expires" "Principals  through $until" user show pat
cli_has "CLI: sam's membership does not" "Principals  -" user show sam

# ---------------------------------------------------------------- governance (R17–R20)
owner=$(id -un | tr '[:upper:] ' '[:lower:].') # the owner account is named after you
since=$(date -u +%FT%TZ)
sleep 1
cli_has "CLI: guard add" "guard sod added" guard add sod --never-together ticket.assign,ticket.close
cli_has "CLI: group requestable" "requestable for up to 8 hours" group requestable Technicians --max-hours 8
cli_has "CLI: sam asks for Technicians" "request #1" request Technicians --hours 4 --reason "covering the lab" --as sam
cli_has "CLI: review start" "review #1 of Principals started" review start --group Principals --reviewer "$owner" --due "$(date -d '+7 days' +%F)" --on-miss revoke
start
keys 1
check "Home names the open review" "Review #1 of Principals: 2 of 2 memberships undecided"
check "Home names the waiting request" "1 access request waits for a decision"
keys 7 Tab
check "Guards tab lists the guard" "never-together ticket.assign"
keys Tab
check "Requests tab lists sam's request" "covering the lab"
keys a
check "approving asks first" "Approve #1 sam → Technicians for 4h?"
keys y
check "the approval is saved" "approved request #1"
keys Tab
check "Campaigns tab lists the review" "Principals"
keys Enter
check "the checklist opens" "2 of 2 undecided"
keys Space
check "space keeps" "review #1: keep pat"
keys Down x
check "x asks before revoking" "Revoke sam's membership of Principals now?"
keys y
check "x revokes" "review #1: revoke sam"
quit
cli_has "CLI: sam holds Technicians until the approval's hours end" "Technicians" user show sam
cli_has "CLI: both memberships decided" "2/2" review list
cli_has "CLI: sam's revoke recorded" "revoke" review show 1
cli_has "CLI: the guard holds" "every guard holds" guard check
cli_has "CLI: access diff names sam's gain" "ticket.assignee" access diff --since "$since" --user sam
cli_has "CLI: access as-of lists pat" "pat" access as-of "$(date +%F)"

# ---------------------------------------------------------------- keymap file and My account
printf '[list]\nnew = "a"\nfrobnicate = "f"\n' >"$tmp/bad.toml"
out=$(gh --keys "$tmp/bad.toml" 2>&1)
if grep -qF 'bad.toml:3: unknown action "frobnicate" in [list]' <<<"$out"; then pass "a bad keymap file is refused naming the line"; else fail "a bad keymap file is refused naming the line" "$out"; fi
printf '[list]\nnew = "a"\n' >"$tmp/keys.toml"
for size in "80 24" "120 40"; do
  set -- $size
  tmux kill-session -t "$S" 2>/dev/null
  tmux new-session -d -s "$S" -x "$1" -y "$2" "GATEHOUSE_DB='$GATEHOUSE_DB' '$tmp/gatehouse' --keys '$tmp/keys.toml'; echo \"gatehouse exited \$?\"; sleep 30"
  keys 4
  check "keys.toml at $1x$2: the footer shows the remapped key" "a new"
  keys a
  check "keys.toml at $1x$2: the remapped key opens the form" "New user"
  esc; esc
  keys 1 m
  check "My account at $1x$2" "My account · $owner"
  keys o
  check "My account at $1x$2: o opens the notifications" "My notifications"
  keys Tab Tab Tab Space C-s
  check "My account at $1x$2: unticking closed turns it off" "you no longer get notifications for: closed"
  check "My account at $1x$2: the screen says so" "Notifications: off for closed"
  keys o Tab Tab Tab Space C-s
  check "My account at $1x$2: ticking it again turns it on" "you get every notification your groups subscribe you to"
  quit
done
cli_has "CLI: user notify turns an event off" "no longer gets notifications for: overdue" user notify "$owner" --off overdue
cli_has "CLI: user show lists it" "overdue" user show "$owner"
# ---------------------------------------------------------------- issue 13 at 80x24 and 120x40
# one meaning, never hidden: a viewer is refused at the key with the
# privilege named and offered no change keys; the palette keeps its
# selection on screen; a long refusal shows its reason; an audit entry
# opens as a diff; pat's end date reads "through" the day typed.
cli_has "CLI: a viewers group" "created standard group Viewers" group create Viewers
cli_has "CLI: Viewers see groups and users" "Viewers" group grant Viewers groups:view users:view
cli_has "CLI: vic" "vic" user create vic --first Vic --last Viewer
cli_has "CLI: vic joins Viewers" "vic joined group Viewers" user join vic Viewers
long=$(printf 'Bartholomew%.0s' $(seq 8))
for size in "80 24" "120 40"; do
  set -- $size
  at="${1}x$2"
  start_sized "$1" "$2" --as vic
  keys 3
  check "$at: vic sees Groups" "District Administrator"
  check_not "$at: no new-group key for a viewer" "n new"
  keys d
  check "$at: delete refused naming groups:edit" "vic lacks Manage Groups edit (groups:edit)"
  check_not "$at: refused before asking" "Delete group"
  keys 4
  find_user pat
  keys d
  check "$at: deleting pat refused naming users:edit" "vic lacks Manage Users edit (users:edit)"
  check_not "$at: refused before asking" "Delete user pat"
  tmux send-keys -t "$S" :; sleep 0.3
  for _ in $(seq 30); do tmux send-keys -t "$S" Down; done
  sleep 0.3
  check "$at: the palette keeps its selection on screen" "▸"
  esc
  quit
  start_sized "$1" "$2"
  keys 4
  find_user "$owner"
  keys x
  check "$at: deactivating yourself is refused with why" "you cannot deactivate your own account ($owner)"
  check_not "$at: refused before asking" "They can no longer log in"
  find_user pat
  keys Enter
  check "$at: pat's membership lists its last day" "Through"
  check "$at: pat's last day is the day typed" "$until"
  esc
  keys n; typed "bart"; keys Tab; typed "$long"; keys Enter
  check "$at: a long refusal shows its reason" "80 characters"
  esc
  check "$at: esc on the changed form asks" "Discard what you typed?"
  keys y
  keys 8 /; typed "entity:group"; keys Enter
  check "$at: audit lists group changes" "Principals"
  keys Enter
  check "$at: an audit entry opens on what changed" "What changed"
  check "$at: as a diff" "Manage Groups level: none → view"
  esc
  quit
done

# ---------------------------------------------------------------- demo district
start --demo
check "demo opens" "Riverside Unified School District"
check "demo opens on Home with the hint" "Welcome, "
check "the hint names the palette and help" ": commands · ? help"
tmux resize-window -t "$S" -x 80 -y 24; sleep 0.3
check "demo at 80x24: the hint stays whole" ": commands · ? help"
tmux resize-window -t "$S" -x 120 -y 40; sleep 0.3
# a pick field narrows while typing (issue 13, input that behaves)
keys 4 J; typed "district adm"
check "join: typing narrows the groups" "▸ District Administrator"
esc; esc; check "join: esc on a changed form asks" "Discard what you typed?"
keys y; esc
# a pasted description keeps its lines (bracketed paste into the textarea)
keys 2; check "the queue loads" "Tickets 1–"; keys n; check "report form opens" "Report a problem"
typed "Projector dead"; keys Tab
tmux set-buffer -- $'Room 12 projector.\nNo power light.'; tmux paste-buffer -p -t "$S"; sleep 0.3
check "report: pasted lines stay lines" "    No power light."
esc; keys y
keys 4 /; typed "nwright"; keys Enter
check "demo: a user without a group shows —" "nwright"
check "demo: — in the Group column" "—"
quit

echo
if [ "$fails" -gt 0 ]; then
  echo "e2e: $fails FAILED"
  exit 1
fi
echo "e2e: all passed"
