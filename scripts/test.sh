#!/usr/bin/env bash
# The one test command (npm test): type-check, lint, format check, then every test file.
# Node 20's `node --test` does not expand globs, so the files are listed explicitly.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== typecheck"; npx tsc -p tsconfig.json
echo "== lint"; npx eslint .
echo "== format"; npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }

mapfile -t unit < <(find test/unit -name '*.test.ts' | sort)
mapfile -t integration < <(find test/integration -name '*.test.ts' 2>/dev/null | sort)
mapfile -t browser < <(find test/browser -name '*.test.ts' 2>/dev/null | sort)
if [ "${#browser[@]}" -gt 0 ]; then bash scripts/ensure-chromium.sh; fi
files=("${unit[@]}" "${integration[@]}" "${browser[@]}")
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
echo "== tests (${#files[@]} files)"
node --import tsx --test --test-concurrency=2 --test-timeout=120000 "${files[@]}"
