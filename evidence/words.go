package evidence

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file turns scheme data into the words of applicant-facing sentences
// and holds the lenient comparisons of names and registrations.

func blank(s string) bool { return strings.TrimSpace(s) == "" }

func isYes(s string) bool {
	s = strings.TrimSpace(s)
	return strings.EqualFold(s, "true") || strings.EqualFold(s, "yes")
}

// isV5CReference reports whether s is 11 digits, ignoring spaces people
// type between groups.
func isV5CReference(s string) bool {
	n := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			n++
		case unicode.IsSpace(r):
		default:
			return false
		}
	}
	return n == 11
}

// sameVRM compares registrations ignoring spaces and case, without
// allocating.
func sameVRM(a, b string) bool {
	for {
		a = strings.TrimLeftFunc(a, unicode.IsSpace)
		b = strings.TrimLeftFunc(b, unicode.IsSpace)
		if a == "" || b == "" {
			return a == b
		}
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if unicode.ToUpper(ra) != unicode.ToUpper(rb) {
			return false
		}
		a, b = a[na:], b[nb:]
	}
}

// compactVRM writes a registration the way sameVRM sees it: "AB12CDE".
func compactVRM(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

var honorifics = []string{"mr", "mrs", "ms", "miss", "mx", "dr", "sir", "dame", "lady", "lord", "rev", "revd", "prof"}

// nameWords splits a name into lower-case words: apostrophes vanish
// (O'Brien = OBrien), any other character that is not a letter or digit
// separates words (Smith-Jones = Smith Jones, J.Smith = J Smith), and
// leading titles are dropped while a word remains after them.
func nameWords(s string) []string {
	s = strings.Map(func(r rune) rune {
		if r == '\'' || r == '’' || r == 'ʼ' || r == '`' {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
	words := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for len(words) > 1 && slices.Contains(honorifics, words[0]) {
		words = words[1:]
	}
	return words
}

// sameName applies the rule in the package comment: equal surnames, and
// first given names equal or one the other's initial.
func sameName(shown, holder string) bool {
	h := nameWords(holder)
	if len(h) == 0 {
		return true // nothing to compare against
	}
	d := nameWords(shown)
	if len(d) == 0 || d[len(d)-1] != h[len(h)-1] {
		return false
	}
	if len(d) == 1 || len(h) == 1 {
		return true
	}
	a, b := d[0], h[0]
	return a == b || isInitialOf(a, b) || isInitialOf(b, a)
}

func isInitialOf(initial, word string) bool {
	r, n := utf8.DecodeRuneInString(initial)
	return n == len(initial) && r != utf8.RuneError && strings.HasPrefix(word, initial)
}

// fieldWords names a Document.Fields key inside "does not show ...".
func fieldWords(f string) string {
	switch f {
	case FieldTermStart:
		return "when the tenancy starts"
	case FieldTermEnd:
		return "when the tenancy ends"
	case FieldSigned:
		return "that it is signed"
	case FieldDocumentReference:
		return "its document reference number"
	case FieldVRM:
		return "the vehicle registration number"
	}
	return "the " + strings.Join(strings.FieldsFunc(f, func(r rune) bool { return r == '_' || r == '-' || unicode.IsSpace(r) }), " ")
}

func monthsWords(n int) string {
	if n == 1 {
		return "month"
	}
	return strconv.Itoa(n) + " months"
}

// missingSentence says what a requirement needs, e.g. "Proof of residency
// is required: one of a tenancy agreement, a utility bill or a bank
// statement."
func missingSentence(r *Rules, q Requirement) string {
	title := strings.TrimSpace(q.Title)
	if title == "" {
		title = strings.ReplaceAll(q.Name, "_", " ")
	}
	var b strings.Builder
	b.WriteString(capitalise(title))
	b.WriteString(" is required")
	switch len(q.OneOf) {
	case 0:
	case 1:
		kt := kindTitle(r, q.OneOf[0])
		if !strings.EqualFold(kt, title) {
			b.WriteString(": ")
			b.WriteString(withArticle(kt))
		}
	default:
		b.WriteString(": one of ")
		for i, k := range q.OneOf {
			switch {
			case i == len(q.OneOf)-1:
				b.WriteString(" or ")
			case i > 0:
				b.WriteString(", ")
			}
			b.WriteString(withArticle(kindTitle(r, k)))
		}
	}
	b.WriteString(".")
	return b.String()
}

func kindTitle(r *Rules, k Kind) string {
	if kr := r.lookup(k); kr != nil {
		return strings.TrimSpace(kr.Title)
	}
	return strings.ReplaceAll(string(k), "_", " ")
}

func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// withArticle puts "a" or "an" before a title by how it sounds, which
// spelling alone cannot always tell: "a utility bill", "an HMRC letter",
// "a V5C", "an hour's notice".
func withArticle(title string) string {
	return article(title) + " " + title
}

func article(title string) string {
	first, _, _ := strings.Cut(title, " ")
	if first == "" {
		return "a"
	}
	if len(first) > 1 && first == strings.ToUpper(first) && first != strings.ToLower(first) {
		// An initialism is read letter by letter.
		if strings.ContainsRune("AEFHILMNORSX", rune(first[0])) {
			return "an"
		}
		return "a"
	}
	w := strings.ToLower(first)
	for _, p := range []string{"one", "once", "eu", "ewe", "uni", "use", "usu", "uti", "ura", "ure", "uro", "ubi"} {
		if strings.HasPrefix(w, p) {
			return "a"
		}
	}
	for _, p := range []string{"hour", "honest", "honou", "heir"} {
		if strings.HasPrefix(w, p) {
			return "an"
		}
	}
	if strings.ContainsRune("aeiou", rune(w[0])) {
		return "an"
	}
	return "a"
}
