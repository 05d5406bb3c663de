package evidence

import (
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

// compactVRM writes a registration that ParseVRM refused without
// its spaces, for a message.
func compactVRM(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

var honorifics = [...]string{"mr", "mrs", "ms", "miss", "mx", "dr", "sir", "dame", "lady", "lord", "rev", "revd", "prof"}

// Names are read as words: apostrophes vanish (O'Brien = OBrien), any other
// character that is not a letter or digit separates words (Smith-Jones =
// Smith Jones, J.Smith = J Smith), case is ignored, and leading titles are
// dropped while a word remains after them. The helpers below do this on the
// strings as given, without building new ones: Check runs it for every
// named document.

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == 'ʼ' || r == '`' }

func isNameRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || isApostrophe(r) }

// nextWord returns the first word of s, apostrophes still in it, and what
// follows it; w is "" when s has no more words.
func nextWord(s string) (w, rest string) {
	start := strings.IndexFunc(s, isNameRune)
	if start < 0 {
		return "", ""
	}
	s = s[start:]
	end := strings.IndexFunc(s, func(r rune) bool { return !isNameRune(r) })
	if end < 0 {
		return s, ""
	}
	return s[:end], s[end:]
}

// nextLetter returns the first rune of w that is not an apostrophe, lower
// case, and the rest of w; ok is false at the end of w.
func nextLetter(w string) (r rune, rest string, ok bool) {
	for w != "" {
		r, n := utf8.DecodeRuneInString(w)
		w = w[n:]
		if !isApostrophe(r) {
			return unicode.ToLower(r), w, true
		}
	}
	return 0, "", false
}

// wordCompare reports whether a equals b as name words, and whether a,
// read that way, is a prefix of b.
func wordCompare(a, b string) (equal, prefix bool) {
	for {
		ra, restA, okA := nextLetter(a)
		rb, restB, okB := nextLetter(b)
		switch {
		case !okA:
			return !okB, true
		case !okB || ra != rb:
			return false, false
		}
		a, b = restA, restB
	}
}

func wordEqual(a, b string) bool {
	eq, _ := wordCompare(a, b)
	return eq
}

// isInitialOf reports whether initial is one letter that starts word.
func isInitialOf(initial, word string) bool {
	_, rest, ok := nextLetter(initial)
	if !ok {
		return false
	}
	if _, _, more := nextLetter(rest); more {
		return false
	}
	_, prefix := wordCompare(initial, word)
	return prefix
}

func isHonorific(w string) bool {
	for _, h := range honorifics {
		if wordEqual(w, h) {
			return true
		}
	}
	return false
}

// nameParts returns the first and last words of a name once leading
// titles are dropped, and how many words remain. Words made only of
// apostrophes are not words.
func nameParts(s string) (first, last string, n int) {
	titles := true
	for w, rest := nextWord(s); w != ""; w, rest = nextWord(rest) {
		if _, _, ok := nextLetter(w); !ok {
			continue
		}
		switch {
		case titles && isHonorific(w):
			if n == 0 {
				first = w // kept only if nothing else follows
			}
		case titles:
			titles, first, n = false, w, 0
		}
		last = w
		n++
	}
	if titles && n > 1 {
		// Only titles: keep the last one as the name.
		first, n = last, 1
	}
	return first, last, n
}

// sameName applies the rule in the package comment: equal surnames, and
// first given names equal or one the other's initial.
func sameName(shown, holder string) bool {
	hFirst, hLast, hn := nameParts(holder)
	if hn == 0 {
		return true // nothing to compare against
	}
	dFirst, dLast, dn := nameParts(shown)
	if dn == 0 || !wordEqual(dLast, hLast) {
		return false
	}
	if dn == 1 || hn == 1 {
		return true
	}
	return wordEqual(dFirst, hFirst) || isInitialOf(dFirst, hFirst) || isInitialOf(hFirst, dFirst)
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

// Describe says in one sentence what meets a requirement, for an applicant
// building an application: the documents accepted, each with the age limit
// its kind sets. For example "Proof of residency at the new address: one of
// a tenancy agreement, a utility bill dated in the last 3 months or a letter
// of completion." A kind the rules do not know is named by its identifier.
func (r *Rules) Describe(q Requirement) string {
	title := strings.TrimSpace(q.Title)
	if title == "" {
		title = strings.ReplaceAll(q.Name, "_", " ")
	}
	var b strings.Builder
	switch len(q.OneOf) {
	case 0:
		b.WriteString(capitalise(title))
	case 1:
		kt := kindTitle(r, q.OneOf[0])
		if strings.EqualFold(kt, title) {
			b.WriteString(capitalise(title))
			if age := r.ageWords(q.OneOf[0]); age != "" {
				b.WriteString(", ")
				b.WriteString(age)
			}
		} else {
			b.WriteString(capitalise(title))
			b.WriteString(": ")
			b.WriteString(r.kindPhrase(q.OneOf[0]))
		}
	default:
		b.WriteString(capitalise(title))
		b.WriteString(": one of ")
		for i, k := range q.OneOf {
			switch {
			case i == len(q.OneOf)-1:
				b.WriteString(" or ")
			case i > 0:
				b.WriteString(", ")
			}
			b.WriteString(r.kindPhrase(k))
		}
	}
	b.WriteString(".")
	return b.String()
}

// kindPhrase is a kind with its article and age limit: "a utility bill
// dated in the last 3 months".
func (r *Rules) kindPhrase(k Kind) string {
	s := withArticle(kindTitle(r, k))
	if age := r.ageWords(k); age != "" {
		s += " " + age
	}
	return s
}

// ageWords is "dated in the last 3 months" for a kind with an age limit,
// or "" for none.
func (r *Rules) ageWords(k Kind) string {
	kr := r.lookup(k)
	if kr == nil || kr.MaxAgeMonths <= 0 {
		return ""
	}
	return "dated in the last " + monthsWords(kr.MaxAgeMonths)
}
