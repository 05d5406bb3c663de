// Package web serves the resident web pages of a permit scheme, built on
// GOV.UK Frontend: plain html/template, one partial per GOV.UK Frontend
// component (templates/components), a layout with the generic header
// carrying the council's name (a council is not GOV.UK: no crown, no GDS
// Transport font) and no JavaScript needed by any page.
//
// It decides how pages look and what they ask, never a permit rule:
// every action goes through permit.Service, and every refusal the pages
// show is the service's decision put in the council's words. The words
// come from one Catalogue keyed by message ID, so that a Welsh council
// can give its own.
//
// GOV.UK Frontend's built CSS and JavaScript are vendored in
// assets/govuk-frontend by scripts/refresh-govuk-frontend.sh (see the
// NOTICE.md there for the version and licence) and embedded in the
// binary: building needs only Go. The golden tests render every partial
// with the fixtures the govuk-frontend package ships for its component
// (testdata/fixtures) and compare the HTML structurally.
//
// Security: cross-site form posts are refused
// (net/http.CrossOriginProtection: Sec-Fetch-Site, then Origin), every
// answer carries a Content Security Policy without inline script and
// X-Content-Type-Options: nosniff, and cookies are HttpOnly, SameSite=Lax
// and Secure behind https.
package web
