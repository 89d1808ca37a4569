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
  go test -run '^$' -fuzz "^${name}\$" -fuzztime "$t" "./$pkg" 2>&1 | grep -v '^fuzz: elapsed'
done
