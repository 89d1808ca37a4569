#!/usr/bin/env bash
# Crash safety from the outside: runs KILLS (default 100) CLI writes of every
# kind against one data file, each SIGKILLed at a random moment (0-40 ms
# after start, so some finish first and some die mid-write). After each,
# `gatehouse check` must find the file consistent, and every write that was
# acknowledged (exit 0) before the kill must be there: bbolt commits are
# atomic, so a killed write leaves the file as it was or as it would be.
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${KILLS:-100}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/gatehouse" .
gh() { "$tmp/gatehouse" --db "$tmp/k.db" "$@"; }
gh group list >/dev/null # seeds the file; the owner is a superuser
gh building create KL --name "Kill loop" >/dev/null
gh user create kltech --first Kill --last Tech >/dev/null
gh user join kltech Technicians >/dev/null
gh ticket create --title "kill seed" --building KL >/dev/null

acked=() # one "verb name" per acknowledged write
present() { # verb name: is the acknowledged write in the file?
  case $1 in
    group) gh --json group show "$2" >/dev/null 2>&1 ;;
    user) gh --json user show "$2" >/dev/null 2>&1 ;;
    building) gh --json building show "$2" >/dev/null 2>&1 ;;
    team) gh --json team show "$2" >/dev/null 2>&1 ;;
    grant) gh --json group show "$2" 2>/dev/null | grep -q '"ticket.close"' ;;
    join) gh --json user show "$2" 2>/dev/null | grep -q '"Help Desk"' ;;
    ticket) gh --json ticket list 2>/dev/null | grep -q "\"title\": \"$2\"" ;;
    work) gh --json ticket show 1 2>/dev/null | grep -q "$2" ;;
    import) gh --json user show "$2" >/dev/null 2>&1 ;;
    *) return 1 ;;
  esac
}
killed=0
for i in $(seq 1 "$kills"); do
  case $((RANDOM % 9)) in
    0) verb=group name=kg$i args=(group create "kg$i" --description "killed maybe") ;;
    1) verb=user name=ku$i args=(user create "ku$i" --first Kill --last "User $i") ;;
    2) verb=building name=KB$i args=(building create "KB$i" --name "Building $i" --rooms "A,B") ;;
    3) verb=team name=kt$i args=(team create "kt$i") ;;
    4) verb=ticket name="kill $i" args=(ticket create --title "kill $i" --building KL) ;;
    5) verb=work name="work-$i-done" args=(ticket work 1 --minutes 5 --text "work-$i-done") ;;
    6) gh group create "kgg$i" >/dev/null
       verb=grant name=kgg$i args=(group grant "kgg$i" ticket.close) ;;
    7) gh user create "kj$i" >/dev/null
       verb=join name=kj$i args=(user join "kj$i" "Help Desk" --reason "kill $i") ;;
    8) printf 'username,first,last,groups\nki%d,Imported,Row,Users\nkii%d,Second,Row,Users\n' "$i" "$i" >"$tmp/i.csv"
       verb=import name=ki$i args=(import users "$tmp/i.csv") ;;
  esac
  "$tmp/gatehouse" --db "$tmp/k.db" "${args[@]}" >/dev/null 2>&1 &
  pid=$!
  sleep "0.0$((RANDOM % 40 / 10))$((RANDOM % 10))"
  kill -9 "$pid" 2>/dev/null || true
  rc=0
  { wait "$pid" || rc=$?; } 2>/dev/null # no "Killed" line from the shell
  if [ "$rc" = 0 ]; then acked+=("$verb|$name"); else killed=$((killed + 1)); fi
  if ! out=$(gh check 2>&1); then
    echo "killloop: after kill $i (${args[*]}, exit $rc) check failed: $out" >&2
    exit 1
  fi
  for a in "${acked[@]}"; do
    if ! present "${a%%|*}" "${a#*|}"; then
      echo "killloop: after kill $i an acknowledged write is missing: ${a/|/ }" >&2
      exit 1
    fi
  done
done
echo "killloop: $kills writes, $killed killed before they answered, ${#acked[@]} acknowledged and all present; check clean after each"
