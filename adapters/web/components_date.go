package web

import (
	"strings"
	"unicode"
)

// DateInput is GOV.UK Frontend's date input: day, month and year boxes
// in a fieldset (dates on documents, the day a vehicle change starts).
type DateInput struct {
	ID           string        `json:"id"`
	NamePrefix   string        `json:"namePrefix,omitempty"`
	Classes      string        `json:"classes,omitempty"`
	Fieldset     *Fieldset     `json:"fieldset,omitempty"`
	Hint         *Hint         `json:"hint,omitempty"`
	ErrorMessage *ErrorMessage `json:"errorMessage,omitempty"`
	// Items are the boxes; none means day, month and year.
	Items []DateItem `json:"items,omitempty"`
}

// DateItem is one box of a date input.
type DateItem struct {
	Name         string `json:"name"`
	ID           string `json:"id,omitempty"`
	Label        string `json:"label,omitempty"`
	Value        string `json:"value,omitempty"`
	Classes      string `json:"classes,omitempty"`
	Autocomplete string `json:"autocomplete,omitempty"`
	Inputmode    string `json:"inputmode,omitempty"`
	// Error marks this box in error; nil leaves it to the input's
	// ErrorMessage (every box, when no box is marked).
	Error *bool `json:"error,omitempty"`
}

// dateItems turns a date input's boxes into the inputs the govukInput
// partial draws, as the Nunjucks macro does.
func dateItems(d DateInput) []Input {
	items := d.Items
	if len(items) == 0 {
		items = []DateItem{{Name: "day", Classes: "govuk-input--width-2"}, {Name: "month", Classes: "govuk-input--width-2"}, {Name: "year", Classes: "govuk-input--width-4"}}
	}
	anyError := false
	for _, it := range items {
		if (it.Error != nil && *it.Error) || strings.Contains(it.Classes, "govuk-input--error") {
			anyError = true
		}
	}
	prefix := ""
	if d.NamePrefix != "" {
		prefix = d.NamePrefix + "-"
	}
	out := make([]Input, 0, len(items))
	for _, it := range items {
		width := "2"
		if it.Name == "year" {
			width = "4"
		}
		hasError := (it.Error != nil && *it.Error) || strings.Contains(it.Classes, "govuk-input--error")
		var cls []string
		if !strings.Contains(it.Classes, "govuk-input--error") &&
			(hasError || ((it.Error == nil || *it.Error) && d.ErrorMessage != nil && !anyError)) {
			cls = append(cls, "govuk-input--error")
		}
		if !strings.Contains(it.Classes, "govuk-input--width-") {
			cls = append(cls, "govuk-input--width-"+width)
		}
		if it.Classes != "" {
			cls = append(cls, it.Classes)
		}
		label := it.Label
		if label == "" {
			label = capitalise(it.Name)
		}
		id := it.ID
		if id == "" {
			id = d.ID + "-" + it.Name
		}
		mode := it.Inputmode
		if mode == "" {
			mode = "numeric"
		}
		out = append(out, Input{ID: id, Name: prefix + it.Name, Value: it.Value, Type: "text", Inputmode: mode, Autocomplete: it.Autocomplete,
			Classes: strings.TrimSpace("govuk-date-input__input " + strings.Join(cls, " ")),
			Label:   Label{Text: label, Classes: "govuk-date-input__label"}})
	}
	return out
}

// capitalise is Nunjucks' capitalize: the first letter upper case, the
// rest lower.
func capitalise(s string) string {
	r := []rune(strings.ToLower(s))
	if len(r) > 0 {
		r[0] = unicode.ToUpper(r[0])
	}
	return string(r)
}
