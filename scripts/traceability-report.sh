#!/usr/bin/env bash
# The traceability check alone (issue 9): parses docs/requirements.md, scans the citations in
# Crowd.OAuth.Core, Crowd.OAuth.Data and Crowd.OAuth.Api and the [Requirement] markers on tests,
# rewrites docs/traceability.md, and fails listing every MUST or Crowd requirement without a citation
# or a test. Needs no database.
#
#   scripts/traceability-report.sh [extra dotnet test arguments]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
set +e
dotnet test Crowd.OAuth.Tests -c Release --filter "Category=Traceability" "$@"
status=$?
set -e
echo "traceability: matrix in docs/traceability.md (exit $status)"
exit "$status"
