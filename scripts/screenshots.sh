#!/usr/bin/env bash
# README screenshots, rendered from real captures: runs the real binary on
# the demo district in tmux at 120x40, captures the privilege matrix and the
# users screen with their colors (tmux capture-pane -e), converts them to
# HTML with aha (dark background, monospace) and to PNG with headless
# chromium, into docs/screenshots/. Not run in CI (it needs chromium).
#   scripts/screenshots.sh            # writes docs/screenshots/{matrix,users,metrics,review}.png
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/screenshots
mkdir -p "$out"

missing=()
command -v tmux >/dev/null || missing+=(tmux)
command -v aha >/dev/null || missing+=(aha)
command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get install -y "${missing[@]}" fonts-dejavu-core
fi

tmp=$(mktemp -d)
S="gatehouse-shots-$$"
cleanup() {
  tmux kill-session -t "$S" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/gatehouse" .
export GATEHOUSE_DB="$tmp/g.db"

# governance on the demo district, set up with the CLI before the console
# holds the file: a guard, a requestable group with a request, a review
gh() { "$tmp/gatehouse" --demo "$@" >/dev/null; }
owner=$(id -un | tr '[:upper:] ' '[:lower:].')
gh guard add "two group admins" --min-holders groups:edit=2
gh guard add "assign or close" --never-together ticket.assign,ticket.close
gh group requestable Technicians --max-hours 8
gh review start --group "Building Administrator" --reviewer "$owner" --due "$(date -d '+14 days' +%F)" --on-miss revoke

cols=120 rows=40
tmux new-session -d -s "$S" -x $cols -y $rows -e COLORTERM= "'$tmp/gatehouse' --demo; sleep 60"

keys() { tmux send-keys -t "$S" "$@"; sleep 0.3; }
typed() { tmux send-keys -t "$S" -l "$1"; sleep 0.3; }
wait_for() {
  for _ in $(seq 1 100); do
    tmux capture-pane -p -t "$S" | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  echo "screenshots: the screen never showed \"$1\":" >&2
  tmux capture-pane -p -t "$S" >&2
  exit 1
}

# move KEY TEXT: press KEY until the screen shows TEXT (at most 60 times).
move() {
  for _ in $(seq 1 60); do
    tmux capture-pane -p -t "$S" | grep -qF -- "$2" && return 0
    tmux send-keys -t "$S" "$1"
    sleep 0.05
  done
  wait_for "$2"
}

# shot NAME: capture the pane and render docs/screenshots/NAME.png.
shot() {
  local name=$1 ans="$tmp/$1.ans" html="$tmp/$1.html"
  tmux capture-pane -e -p -t "$S" >"$ans"
  # aha does not know faint (2) and loses reverse video when tmux follows
  # it with default-color codes: make faint a grey and drop those codes.
  perl -pi -e 's/\e\[0;7m(\e\[39m)?(\e\[49m)?/\e[0;7m/g; s/\e\[2m/\e[38;5;245m/g' "$ans"
  {
    cat <<'HEAD'
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>gatehouse</title>
<style>
html, body { margin: 0; background: #1a1b26; }
pre { margin: 0; padding: 16px 18px; color: #d8d8d8; background: #1a1b26;
      font-family: "DejaVu Sans Mono", monospace; font-size: 14px; line-height: 17px; }
</style></head><body><pre>
HEAD
    aha --no-header --black <"$ans"
    echo '</pre></body></html>'
  } >"$html"
  # 120 columns of 14px DejaVu Sans Mono are about 1012px; 40 lines 680px.
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --disable-background-networking --disable-component-update --disable-sync --no-first-run \
    --user-data-dir="$tmp/chromium" \
    --screenshot="$PWD/$out/$name.png" --window-size=1050,714 "file://$html" >/dev/null 2>&1
  echo "wrote $out/$name.png"
}

wait_for "Riverside Unified School District"

# the privilege matrix of the Building Administrator group, cursor on an
# implied cell so the status line says why (R6)
keys 3
wait_for "Building Administrator"
keys g Enter
wait_for "Group Building Administrator"
move Right "discussion.view: implied by Post Messages"
sleep 0.3
shot matrix

# the users screen: paged list with groups, "—" for users without one
keys Escape
sleep 0.3
keys 4
wait_for "Users 1–"
keys Down Down Space Down Space
# on the user without a group: "—" in the Groups column, and why (R2)
move Down "nwright cannot log in"
sleep 0.3
shot users

# the Metrics screen: open/closed per building as two-tone bars, the weekly
# created and closed columns under it, and the trend sparklines
keys Escape
sleep 0.3
keys :
typed "go metrics"
keys Enter
wait_for "Weekly trends"
sleep 0.5
shot metrics

# the access review's Campaigns tab: the reviewer's checklist, one member
# kept with space (R19)
keys Escape
sleep 0.3
keys 7 BTab
wait_for "Review campaigns"
keys Enter
wait_for "undecided"
keys Space
wait_for "review #1: keep"
sleep 0.3
shot review
