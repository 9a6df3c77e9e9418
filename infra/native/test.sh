#!/usr/bin/env bash
# What `npm test` runs: lint, typecheck, the vitest suite, then the browser tests, on Node 24,
# from any state of the checkout (fresh clone included). Extra arguments go to vitest, and
# then the browser tests are skipped (a subset was asked for):
#   npm test -- apps/api/test/users.int.test.ts
# Postgres and Redis for vitest are started by its globalSetup (services.sh up --profile
# test); the browser tests start the e2e stack themselves (apps/web/playwright.config.ts).
#
# A failure does not stop the later steps: one run reports every kind of failure.
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
# --no: use the vitest in node_modules, never download one. The JSON reports of vitest and
# Playwright feed the one-line summary below, in the "N passed, N failed" form CI reads.
results="$REPO_ROOT/.local/vitest-results.json"
e2e_results="$REPO_ROOT/.local/e2e/results.json"
rm -f "$results" "$e2e_results"
check tests npx --no -- vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@"

# Debian's Chromium, installed when missing (as root; otherwise the step fails and says how).
browser_ready() {
  local missing
  missing="$(missing_browser_packages)"
  [[ -z $missing ]] && return 0
  if is_root; then
    # shellcheck disable=SC2086 # one package name per word
    apt_install $missing
  else
    log "the browser tests need Chromium: sudo apt-get install -y $missing"
    return 1
  fi
}

if (($# == 0)); then
  if browser_ready; then
    check "browser tests" npx --no -- playwright test -c apps/web/playwright.config.ts
    log "browser test report: .local/e2e/report/index.html (failures: screenshots and traces in .local/e2e/test-results/)"
  else
    failed+=("browser tests")
  fi
else
  log "==> browser tests: skipped (arguments went to vitest); run them with npm run test:e2e"
fi

# Browser tests count like any other; an error outside a test (the e2e stack did not start)
# counts as one failure, so the line never reads "0 failed" when something broke.
node -e 'const fs = require("node:fs");
  const read = (path) => { try { return JSON.parse(fs.readFileSync(path, "utf8")); } catch { return null; } };
  const unit = read(process.argv[1]);
  const e2e = read(process.argv[2]);
  const total = { passed: 0, failed: 0, skipped: 0 };
  // The failed tests by name, just above the summary: the end of a long log says what broke.
  const root = process.cwd() + "/";
  for (const file of unit?.testResults ?? []) {
    for (const test of file.assertionResults) {
      if (test.status === "failed") console.log(`failed: ${file.name.replace(root, "")} > ${test.fullName}`);
    }
  }
  const e2eDir = (e2e?.config?.rootDir ?? root).replace(root, "");
  const failedSpecs = (suite) => [
    ...(suite.specs ?? []).filter((spec) => !spec.ok).map((spec) => `${e2eDir}/${spec.file}:${spec.line} > ${spec.title}`),
    ...(suite.suites ?? []).flatMap(failedSpecs),
  ];
  for (const spec of (e2e?.suites ?? []).flatMap(failedSpecs)) console.log(`failed: ${spec}`);
  for (const error of e2e?.errors ?? []) console.log(`failed: browser tests: ${String(error.message).split("\n")[0]}`);
  if (unit) {
    total.passed += unit.numPassedTests;
    total.failed += unit.numFailedTests;
    total.skipped += unit.numPendingTests + unit.numTodoTests;
  }
  if (e2e) {
    const { expected, unexpected, flaky, skipped } = e2e.stats;
    console.log(`browser tests: ${expected} passed, ${unexpected + flaky} failed, ${skipped} skipped`);
    total.passed += expected;
    total.failed += unexpected + flaky + (e2e.errors ?? []).length;
    total.skipped += skipped;
  }
  if (unit || e2e) console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);' \
  "$results" "$e2e_results"

if ((${#failed[@]} > 0)); then
  log "FAILED: ${failed[*]}"
  exit 1
fi
log "all checks passed"
