#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME (default 30s), one after another (go
# test fuzzes one target per run). A crasher is written under the package's
# testdata/fuzz/<Target>/: commit it, so plain `go test` replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${FUZZTIME:-30s}
for target in domain:FuzzParseUsersCSV domain:FuzzParseQuery store:FuzzDecoders store:FuzzOpenDamagedFile internal/mail:FuzzParse; do
  pkg=${target%%:*} name=${target##*:}
  echo "== fuzz $name ($pkg, $t)"
  # Go's fuzzer can end a run with "context deadline exceeded" when a
  # worker is slow to stop on a busy machine, without any failing input:
  # that run is repeated once; a real crasher fails at once
  for try in 1 2; do
    if out=$(go test -run '^$' -fuzz "^${name}\$" -fuzztime "$t" "./$pkg" 2>&1); then
      grep -v '^fuzz: elapsed' <<<"$out"
      break
    fi
    grep -v '^fuzz: elapsed' <<<"$out"
    if [ "$try" = 2 ] || ! grep -q 'context deadline exceeded' <<<"$out" || grep -q 'Failing input written' <<<"$out"; then
      exit 1
    fi
    echo "== fuzz $name again: the fuzzer timed out stopping, with no failing input"
  done
done
