package web

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Catalogue is every piece of text the pages show, by message ID. A
// council writing in another language (Welsh: Lang "cy") gives its own
// Catalogue with every ID of English translated; New refuses one that
// misses an ID. Values may hold {name} placeholders, filled by the page.
type Catalogue struct {
	Lang     string // the pages' lang attribute, e.g. "en" or "cy"
	Messages map[string]string
}

// English is the catalogue the pages use unless told otherwise.
func English() Catalogue {
	return Catalogue{Lang: "en", Messages: maps.Clone(english)}
}

// english is every page's text: the messages below and residentText
// (the resident's pages after the apply journey's first steps).
var english = joinText(map[string]string{
	"error_prefix":           "Error",
	"error_title_prefix":     "Error: ",
	"error_summary_title":    "There is a problem",
	"warning":                "Warning",
	"skip_link":              "Skip to main content",
	"footer_support_links":   "Support links",
	"footer_licence_before":  "All content is available under the",
	"footer_licence_name":    "Open Government Licence v3.0",
	"footer_licence_after":   ", except where otherwise stated",
	"footer_crown_copyright": "© Crown copyright",
	"footer_copyright":       "© {council}",
	"service_name":           "Apply for a carer or disabled resident parking permit",
	"continue":               "Continue",
	"back":                   "Back",
	"change":                 "Change",

	"start_title":    "Apply for a carer or disabled resident parking permit",
	"start_lede":     "Use this service to apply for a parking permit from {council} for:",
	"start_button":   "Start now",
	"start_before":   "Before you start",
	"start_evidence": "You will need your vehicle's registration number and a copy of the documents the permit asks for (for example proof of care or your vehicle's V5C). You can upload them as files.",
	"start_sign_in":  "Already applied? Sign in to see your permits.",

	"type_title":    "Which permit do you want to apply for?",
	"type_required": "Choose which permit you want to apply for",

	"address_title":            "What is the address of the property?",
	"address_postcode":         "Postcode",
	"address_postcode_hint":    "For example LE11 3AB",
	"address_house":            "House number or name",
	"address_house_hint":       "Leave blank to see every address at the postcode",
	"address_postcode_missing": "Enter the postcode of the property",
	"address_postcode_invalid": "Enter a real postcode, like LE11 3AB",
	"address_house_too_long":   "The house number or name must be 100 characters or fewer",

	"property_title":        "Choose the property",
	"property_required":     "Choose the property the permit is for",
	"property_none":         "We could not find an address matching {postcode} and “{house}”.",
	"property_search_again": "Search again",
	"property_unknown":      "The property you chose is no longer in the council's address list; search again",
	"outside_zone_title":    "This property is not in a permit zone",
	"outside_zone":          "{address} is not in one of {council}'s permit zones, so no permit can be issued for it.",
	"outside_zone_covered":  "{council} issues these permits only in: {zones}.",
	"outside_zone_contact":  "If you think this is wrong, contact {council}.",

	"signin_title":          "Sign in",
	"signin_token":          "Your account key",
	"signin_token_hint":     "The key you were given when your account was opened",
	"signin_token_required": "Enter your account key",
	"signin_failed":         "The account key is not right; check it and try again",
	"signin_button":         "Sign in",
	"signed_in_as":          "Signed in as {name}",
	"sign_out":              "Sign out",

	"account_title":       "Your details",
	"account_name":        "Full name",
	"account_email":       "Email address",
	"account_email_hint":  "We will send you updates about your application",
	"account_phone":       "Phone number (optional)",
	"account_key_title":   "Your account has been opened",
	"account_key_warning": "Copy your account key now: it is shown only once and you need it to sign in again.",

	"account_email_required": "Enter your email address",

	"vehicle_title":    "What is the vehicle's registration number?",
	"vehicle_hint":     "The number plate of the vehicle the permit is for, for example AB12 CDE",
	"vehicle_required": "Enter the vehicle's registration number",
	"vehicle_invalid":  "Enter a registration number like AB12 CDE, using only letters and numbers",

	"check_title":           "Check your answers before applying",
	"check_type":            "Permit",
	"check_address":         "Address",
	"check_vehicle":         "Vehicle",
	"check_price":           "Price",
	"check_free":            "Free",
	"check_pay":             "{price}, paid by card",
	"check_dates":           "Valid",
	"check_dates_value":     "From {from} to {to}",
	"check_refused":         "You cannot apply for this permit",
	"check_evidence":        "You will need to send",
	"check_submit":          "Accept and send",
	"check_declaration":     "By sending this application you confirm that the details you have given are correct.",
	"check_evidence_needed": "Send the documents this permit needs: {evidence}",
	"check_vrm_in_use":      "This vehicle already has a permit of this type at this address",
	"check_payment_failed":  "Your card payment did not go through; nothing has been taken. Try again",

	"done_title":      "Application sent",
	"done_reference":  "Your reference",
	"done_next":       "{council} will review your application by {due}. We will email you when it has been decided.",
	"done_next_title": "What happens next",

	"permits_title":     "Your permits",
	"permits_none":      "You have no permits yet.",
	"permit_reference":  "Reference",
	"permit_status":     "Status",
	"done_your_permits": "See your permits",

	"status_awaiting_payment": "Waiting for your card payment",
	"status_pending_review":   "Waiting for the council's review",
	"status_rejected":         "Refused",
	"status_cancelled":        "Cancelled",
	"status_withdrawn":        "Withdrawn",
	"status_ended":            "Ended",
	"status_upcoming":         "Approved, not started yet",
	"status_current":          "Current",
	"status_expired":          "Expired",
	"status_approved":         "Approved",
	"apply_another":           "Apply for a permit",

	"not_found_title": "Page not found",
	"not_found":       "If you typed the web address, check it is correct.",
	"refused_title":   "Sorry, this form could not be sent",
	"refused":         "The form was sent from another website, so we did not act on it. Go back to the page and try again.",
	"problem_title":   "Sorry, there is a problem with the service",
	"problem":         "Try again later.",
}, residentText, officerText)

// joinText is the union of catalogues' messages (no ID in two of them).
func joinText(parts ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, p := range parts {
		for k, v := range p {
			if _, dup := out[k]; dup {
				panic("web: message " + k + " is in two catalogues")
			}
			out[k] = v
		}
	}
	return out
}

// text returns the message id with its {placeholders} filled from args,
// given in pairs ("council", "Leicestershire County Council").
func (c Catalogue) text(id string, args ...string) string {
	s, ok := c.Messages[id]
	if !ok {
		// New checks catalogues against English, so this is a bug in a page.
		panic(fmt.Sprintf("web: no message %q in the catalogue", id))
	}
	if len(args) == 0 {
		return s
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+args[i]+"}", args[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// missing lists the IDs of English that c does not have.
func (c Catalogue) missing() []string {
	var out []string
	for id := range english {
		if _, ok := c.Messages[id]; !ok {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}
