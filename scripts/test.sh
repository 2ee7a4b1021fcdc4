#!/usr/bin/env bash
# The one test command (npm test): type-check, lint, format check, then every test file.
# Node 20's `node --test` does not expand globs, so the files are listed explicitly.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== typecheck"; npx tsc -p tsconfig.json
echo "== lint"; npx eslint .
echo "== format"; npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }
# The API reference builds, and every public export has TSDoc (validation warnings are errors).
echo "== docs"; npx typedoc --out "$(mktemp -d)" >/dev/null || npx typedoc --out "$(mktemp -d)"

# The relay tests need RabbitMQ with its STOMP plugin: make it ready (a missing broker fails the run).
echo "== services"; bash scripts/services.sh
# The TLS tests make a throwaway certificate with openssl.
if ! command -v openssl >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq openssl >/dev/null
fi

mapfile -t unit < <(find test/unit -name '*.test.ts' | sort)
# Failover tests restart RabbitMQ: they run alone, after everything else.
mapfile -t integration < <(find test/integration -name '*.test.ts' -not -path '*/failover/*' 2>/dev/null | sort)
mapfile -t failover < <(find test/integration/failover -name '*.test.ts' 2>/dev/null | sort)
mapfile -t browser < <(find test/browser -name '*.test.ts' 2>/dev/null | sort)
# The packed package in a fresh strict TypeScript project (needs the npm registry or npm's cache).
mapfile -t package < <(find test/package -maxdepth 1 -name '*.test.ts' 2>/dev/null | sort)
# Property-based fuzzing, a bounded number of cases here (FUZZ_RUNS; `npm run fuzz` runs many more).
mapfile -t fuzz < <(find test/fuzz -name '*.fuzz.ts' 2>/dev/null | sort)
if [ "${#browser[@]}" -gt 0 ]; then bash scripts/ensure-chromium.sh; fi
files=("${unit[@]}" "${integration[@]}" "${browser[@]}" "${package[@]}" "${fuzz[@]}")
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
echo "== tests (${#files[@]} files)"
node --import tsx --test --test-concurrency=2 --test-timeout=120000 "${files[@]}"
if [ "${#failover[@]}" -gt 0 ]; then
  echo "== failover tests (${#failover[@]} files, one at a time)"
  node --import tsx --test --test-concurrency=1 --test-timeout=300000 "${failover[@]}"
fi
