#!/bin/sh
# refresh-axe-core.sh [VERSION] — vendor axe-core (the accessibility rules
# engine the real-browser tests inject into every page) from the npm
# registry into adapters/web/testdata/axe: axe.min.js as shipped, with its
# licence (MPL-2.0) and third-party notices. Only the tests use it; the
# build never does. VERSION defaults to the newest 4.x.
set -eu
version="${1:-4}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/adapters/web/testdata/axe"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "axe-core@$version" >/dev/null && tar xzf axe-core-*.tgz)
pkg="$tmp/package"
got="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$pkg/package.json")"
licence="$(sed -n 's/^  "license": "\(.*\)",$/\1/p' "$pkg/package.json")"
[ "$licence" = MPL-2.0 ] || { echo "axe-core $got is licensed $licence, not MPL-2.0: check before vendoring" >&2; exit 1; }
mkdir -p "$out"
cp "$pkg/axe.min.js" "$pkg/LICENSE" "$pkg/LICENSE-3RD-PARTY.txt" "$out/"
printf '%s\n' "$got" >"$out/VERSION"
cat >"$out/NOTICE.md" <<NOTE
# axe-core $got (vendored for tests)

From the npm package \`axe-core@$got\` (https://github.com/dequelabs/axe-core), by
scripts/refresh-axe-core.sh; do not edit by hand. Licence: Mozilla Public License 2.0
(LICENSE here; third-party notices in LICENSE-3RD-PARTY.txt), unchanged. Used only by
adapters/web's real-browser tests, which inject it into each page; never built into a program.
NOTE
echo "vendored axe-core $got into $out"
