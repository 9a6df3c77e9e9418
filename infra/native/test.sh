#!/usr/bin/env bash
# What `npm test` runs: lint, typecheck and the vitest suite, on Node 24, from any state of
# the checkout (fresh clone included). Extra arguments go to vitest:
#   npm test -- apps/api/test/users.int.test.ts
# Postgres and Redis for the tests are started by vitest's globalSetup
# (services.sh up --profile test), so this script does not start them.
#
# Lint and typecheck failures do not stop the tests: one run reports every kind of failure.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$REPO_ROOT/infra/native/node-runtime.sh"

cd "$REPO_ROOT"
ensure_node_modules
log "==> prisma client"
npm run --silent db:generate

failed=()

# Runs one check and records its name if it fails.
check() {
  local name=$1
  shift
  log "==> $name"
  if ! "$@"; then
    failed+=("$name")
  fi
}

check lint npm run --silent lint
check typecheck npm run --silent typecheck
# --no: use the vitest in node_modules, never download one. The JSON report feeds the
# one-line summary below, in the "N passed, N failed" form CI systems read.
results="$REPO_ROOT/.local/vitest-results.json"
rm -f "$results"
check tests npx --no -- vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@"
if [[ -f $results ]]; then
  node -e 'const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);' "$results"
fi

if ((${#failed[@]} > 0)); then
  log "FAILED: ${failed[*]}"
  exit 1
fi
log "lint, typecheck and tests passed"
