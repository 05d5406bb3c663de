#!/bin/sh
# refresh-govuk-frontend.sh [VERSION] — vendor GOV.UK Frontend's built assets
# from the npm registry into adapters/web (the only step that needs npm; the
# build needs only Go). VERSION defaults to the newest 6.x.
#
# What is kept, and how it is changed:
#   adapters/web/assets/govuk-frontend/govuk-frontend.min.css  the precompiled CSS,
#       with its @font-face rules removed and "GDS Transport" taken out of every
#       font-family: a council service is not GOV.UK and must not use that font,
#       so text falls back to the stack GOV.UK Frontend gives after it (arial).
#   adapters/web/assets/govuk-frontend/govuk-frontend.min.js   the ES module as shipped.
#   adapters/web/testdata/fixtures/COMPONENT.json              the package's own
#       fixtures of each component the pages use (golden tests of the partials).
#   adapters/web/assets/govuk-frontend/VERSION, NOTICE.md      version and licence.
# Fonts and images are not vendored: the pages use neither (no crown, no crest).
set -eu
version="${1:-6}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/adapters/web/assets/govuk-frontend"
fixtures="$root/adapters/web/testdata/fixtures"
components="button date-input error-message error-summary file-upload footer generic-header input inset-text panel radios summary-list warning-text"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "govuk-frontend@$version" >/dev/null && tar xzf govuk-frontend-*.tgz)
pkg="$tmp/package"
got="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$pkg/package.json")"
licence="$(sed -n 's/^  "license": "\(.*\)",$/\1/p' "$pkg/package.json")"
[ "$licence" = MIT ] || { echo "govuk-frontend $got is licensed $licence, not MIT: check before vendoring" >&2; exit 1; }

mkdir -p "$out" "$fixtures"
# Drop the @font-face rules and the GDS Transport family; nothing else changes.
sed -e 's/@font-face{[^}]*}//g' -e 's/font-family:GDS Transport,/font-family:/g' -e 's/font-family:GDS Transport\([;}]\)/font-family:arial,sans-serif\1/g' \
	-e 's|/\*# sourceMappingURL=[^*]*\*/||' "$pkg/dist/govuk/govuk-frontend.min.css" >"$out/govuk-frontend.min.css"
if grep -q 'GDS Transport\|/assets/fonts/' "$out/govuk-frontend.min.css"; then
	echo "govuk-frontend $got: the CSS still names GDS Transport or its fonts; update the sed expressions" >&2
	exit 1
fi
sed -e 's|//# sourceMappingURL=.*$||' "$pkg/dist/govuk/govuk-frontend.min.js" >"$out/govuk-frontend.min.js"
for c in $components; do
	cp "$pkg/dist/govuk/components/$c/fixtures.json" "$fixtures/$c.json"
done
printf '%s\n' "$got" >"$out/VERSION"
cat >"$out/NOTICE.md" <<NOTE
# GOV.UK Frontend $got (vendored)

From the npm package \`govuk-frontend@$got\` (https://github.com/alphagov/govuk-frontend),
by scripts/refresh-govuk-frontend.sh; do not edit these files by hand.

Licence: the code (CSS, JavaScript, templates and their fixtures) is released under
the MIT License, © Crown copyright (Government Digital Service); the package's
documentation and assets are © Crown copyright under the Open Government Licence v3.0.

Changed from the package: the CSS has no @font-face rules and names no GDS Transport
font (a council service must not use it; text is set in arial); source-map comments
are removed. Fonts and images are not included.
NOTE
echo "vendored govuk-frontend $got into $out"
