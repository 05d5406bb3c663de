package web

import (
	"bytes"
	"encoding/json"
	"html/template"
)

// The types below are the options of the GOV.UK Frontend components the
// pages use, named as the components' Nunjucks macros name them (their
// JSON tags), so that the golden tests can feed each partial the
// package's own fixtures. Only the options the pages need exist; a
// fixture using another is skipped by the tests and listed.

// Content is a piece of text or, when HTML is set, of trusted markup.
type Content struct {
	Text string        `json:"text,omitempty"`
	HTML template.HTML `json:"html,omitempty"`
}

// Label is a form field's label.
type Label struct {
	Text          string        `json:"text,omitempty"`
	HTML          template.HTML `json:"html,omitempty"`
	Classes       string        `json:"classes,omitempty"`
	IsPageHeading bool          `json:"isPageHeading,omitempty"`
}

// Hint is a field's hint.
type Hint struct {
	Text    string        `json:"text,omitempty"`
	HTML    template.HTML `json:"html,omitempty"`
	Classes string        `json:"classes,omitempty"`
}

// ErrorMessage is the inline error beside a field.
type ErrorMessage struct {
	Text               string        `json:"text,omitempty"`
	HTML               template.HTML `json:"html,omitempty"`
	ID                 string        `json:"id,omitempty"`
	Classes            string        `json:"classes,omitempty"`
	VisuallyHiddenText *string       `json:"visuallyHiddenText,omitempty"`
}

// Button is a button or a link drawn as one.
type Button struct {
	Text          string        `json:"text,omitempty"`
	HTML          template.HTML `json:"html,omitempty"`
	Href          string        `json:"href,omitempty"`
	Name          string        `json:"name,omitempty"`
	Type          string        `json:"type,omitempty"`
	Value         string        `json:"value,omitempty"`
	ID            string        `json:"id,omitempty"`
	Classes       string        `json:"classes,omitempty"`
	Disabled      bool          `json:"disabled,omitempty"`
	IsStartButton bool          `json:"isStartButton,omitempty"`
}

// Input is a text input with its label, hint and error.
type Input struct {
	ID           string        `json:"id,omitempty"`
	Name         string        `json:"name"`
	Type         string        `json:"type,omitempty"`
	Value        string        `json:"value,omitempty"`
	Classes      string        `json:"classes,omitempty"`
	Autocomplete string        `json:"autocomplete,omitempty"`
	Inputmode    string        `json:"inputmode,omitempty"`
	Spellcheck   *bool         `json:"spellcheck,omitempty"`
	Label        Label         `json:"label"`
	Hint         *Hint         `json:"hint,omitempty"`
	ErrorMessage *ErrorMessage `json:"errorMessage,omitempty"`
}

// FileUpload is a file input (without the JavaScript-enhanced drop zone).
type FileUpload struct {
	ID           string        `json:"id,omitempty"`
	Name         string        `json:"name"`
	Multiple     bool          `json:"multiple,omitempty"`
	Label        Label         `json:"label"`
	Hint         *Hint         `json:"hint,omitempty"`
	ErrorMessage *ErrorMessage `json:"errorMessage,omitempty"`
}

// Legend is a fieldset's legend.
type Legend struct {
	Text          string        `json:"text,omitempty"`
	HTML          template.HTML `json:"html,omitempty"`
	Classes       string        `json:"classes,omitempty"`
	IsPageHeading bool          `json:"isPageHeading,omitempty"`
}

// Fieldset groups radios under a legend.
type Fieldset struct {
	Legend *Legend `json:"legend,omitempty"`
}

// RadioItem is one radio button.
type RadioItem struct {
	Value string        `json:"value"`
	Text  string        `json:"text,omitempty"`
	HTML  template.HTML `json:"html,omitempty"`
	ID    string        `json:"id,omitempty"`
	Hint  *Hint         `json:"hint,omitempty"`
	// Checked, when set, says whether the item is checked whatever the
	// group's Value.
	Checked *bool `json:"checked,omitempty"`
}

// Radios is a set of radio buttons in a fieldset.
type Radios struct {
	Name         string        `json:"name"`
	IDPrefix     string        `json:"idPrefix,omitempty"`
	Value        string        `json:"value,omitempty"`
	Classes      string        `json:"classes,omitempty"`
	Fieldset     *Fieldset     `json:"fieldset,omitempty"`
	Hint         *Hint         `json:"hint,omitempty"`
	ErrorMessage *ErrorMessage `json:"errorMessage,omitempty"`
	Items        []RadioItem   `json:"items"`
}

// ErrorLink is one entry of an error summary: the message and the field
// it links to.
type ErrorLink struct {
	Text string        `json:"text,omitempty"`
	HTML template.HTML `json:"html,omitempty"`
	Href string        `json:"href,omitempty"`
}

// ErrorSummary lists a page's errors at its top.
type ErrorSummary struct {
	TitleText       string      `json:"titleText,omitempty"`
	DescriptionText string      `json:"descriptionText,omitempty"`
	Classes         string      `json:"classes,omitempty"`
	ErrorList       []ErrorLink `json:"errorList,omitempty"`
}

// SummaryAction is a "Change" link of a summary list row.
type SummaryAction struct {
	Href               string `json:"href"`
	Text               string `json:"text,omitempty"`
	VisuallyHiddenText string `json:"visuallyHiddenText,omitempty"`
	Classes            string `json:"classes,omitempty"`
}

// SummaryActions are a row's actions.
type SummaryActions struct {
	Items   []SummaryAction `json:"items,omitempty"`
	Classes string          `json:"classes,omitempty"`
}

// SummaryCell is a row's key or value.
type SummaryCell struct {
	Text    string        `json:"text,omitempty"`
	HTML    template.HTML `json:"html,omitempty"`
	Classes string        `json:"classes,omitempty"`
}

// SummaryRow is one row of a summary list.
type SummaryRow struct {
	Key     SummaryCell     `json:"key"`
	Value   SummaryCell     `json:"value"`
	Actions *SummaryActions `json:"actions,omitempty"`
	Classes string          `json:"classes,omitempty"`
}

// SummaryList is a list of keys and values (check your answers).
type SummaryList struct {
	Rows    []SummaryRow `json:"rows"`
	Classes string       `json:"classes,omitempty"`
}

// Panel is the confirmation panel.
type Panel struct {
	TitleText    string        `json:"titleText,omitempty"`
	TitleHTML    template.HTML `json:"titleHtml,omitempty"`
	Text         string        `json:"text,omitempty"`
	HTML         template.HTML `json:"html,omitempty"`
	HeadingLevel int           `json:"headingLevel,omitempty"`
	Classes      string        `json:"classes,omitempty"`
}

// InsetText is inset text.
type InsetText struct {
	Text    string        `json:"text,omitempty"`
	HTML    template.HTML `json:"html,omitempty"`
	ID      string        `json:"id,omitempty"`
	Classes string        `json:"classes,omitempty"`
}

// WarningText is warning text with its icon.
type WarningText struct {
	Text             string        `json:"text,omitempty"`
	HTML             template.HTML `json:"html,omitempty"`
	IconFallbackText string        `json:"iconFallbackText,omitempty"`
	Classes          string        `json:"classes,omitempty"`
}

// GenericHeader is the header of a service that is not GOV.UK: the
// council's name, no crown.
type GenericHeader struct {
	LogoText         string `json:"logoText,omitempty"`
	URL              string `json:"url,omitempty"`
	Classes          string `json:"classes,omitempty"`
	ContainerClasses string `json:"containerClasses,omitempty"`
}

// FooterLink is a link in the footer's meta list.
type FooterLink struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

// FooterMeta is the footer's meta section.
type FooterMeta struct {
	VisuallyHiddenTitle string        `json:"visuallyHiddenTitle,omitempty"`
	Items               []FooterLink  `json:"items,omitempty"`
	Text                string        `json:"text,omitempty"`
	HTML                template.HTML `json:"html,omitempty"`
}

// Footer is the page footer, without the crown a council must not show.
type Footer struct {
	Meta           *FooterMeta `json:"meta,omitempty"`
	ContentLicence *Content    `json:"contentLicence,omitempty"`
	Copyright      *Content    `json:"copyright,omitempty"`
	Classes        string      `json:"classes,omitempty"`
	// CopyrightHref is where the copyright line links: the council's
	// page rather than the Crown copyright one (not a macro option).
	CopyrightHref string `json:"-"`
	// NoContentLicence leaves out the licence statement (the macro's
	// contentLicence: null).
	NoContentLicence bool `json:"-"`
}

// UnmarshalJSON reads the macro's options, where contentLicence null
// means no licence statement.
func (f *Footer) UnmarshalJSON(b []byte) error {
	type plain Footer
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p plain
	if err := dec.Decode(&p); err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if v, ok := raw["contentLicence"]; ok && string(v) == "null" {
		p.NoContentLicence = true
	}
	*f = Footer(p)
	return nil
}
