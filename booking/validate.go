package booking

import (
	"errors"
	netmail "net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"parentline/internal/personnummer"
)

// Limits, in characters.
const (
	MaxName      = 100
	MaxAddress   = 200
	MaxEmail     = 254
	MaxCounselor = 100
	MaxProof     = 200_000 // each of signature and OCSP response
)

// Slot lengths, in minutes.
const (
	MinMinutes = 30
	MaxMinutes = 180
)

// MaxAhead is how far ahead a slot may be published.
const MaxAhead = 400 * 24 * time.Hour

// clockSkew is how far in the future an e-ID's signing time may be.
const clockSkew = 5 * time.Minute

// cleanText trims s and reports whether it is valid UTF-8 without control
// characters (line breaks allowed if multiline).
func cleanText(s string, multiline bool) (string, bool) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return s, false
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r')) {
			return s, false
		}
	}
	return s, true
}

func checkName(s string) (string, *Message) {
	s, ok := cleanText(s, false)
	switch {
	case !ok:
		return s, &Message{Sv: "Namnet innehåller tecken som inte är tillåtna.", En: "The name contains characters that are not allowed."}
	case s == "":
		return s, &Message{Sv: "Skriv ditt namn.", En: "Enter your name."}
	case utf8.RuneCountInString(s) > MaxName:
		return s, &Message{Sv: "Namnet får vara högst 100 tecken.", En: "The name may be at most 100 characters."}
	}
	return s, nil
}

func checkAddress(s string) (string, *Message) {
	s, ok := cleanText(s, true)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	switch {
	case !ok:
		return s, &Message{Sv: "Adressen innehåller tecken som inte är tillåtna.", En: "The address contains characters that are not allowed."}
	case s == "":
		return s, &Message{Sv: "Skriv din postadress: gata, postnummer och ort.", En: "Enter your postal address: street, postcode and town."}
	case utf8.RuneCountInString(s) > MaxAddress:
		return s, &Message{Sv: "Adressen får vara högst 200 tecken.", En: "The address may be at most 200 characters."}
	}
	return s, nil
}

// validEmail accepts a bare address local@domain.tld that net/mail (and so
// the mail package) also accepts as it is.
func validEmail(s string) bool {
	if s == "" || len(s) > MaxEmail || strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("<>,;\"()[]\\", r)
	}) {
		return false
	}
	a, err := netmail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.Contains(domain, "@") {
		return false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
	}
	tld := labels[len(labels)-1]
	return utf8.RuneCountInString(tld) >= 2 && !strings.ContainsFunc(tld, func(r rune) bool { return !unicode.IsLetter(r) })
}

func checkEmail(s string) (string, *Message) {
	s = strings.TrimSpace(s)
	if s == "" {
		return s, &Message{Sv: "Skriv din e-postadress.", En: "Enter your e-mail address."}
	}
	if !validEmail(s) {
		return s, &Message{Sv: "Skriv en giltig e-postadress, till exempel namn@exempel.se.",
			En: "Enter a valid e-mail address, for example name@example.com."}
	}
	return s, nil
}

func checkCoEmail(s string) (string, *Message) {
	s = strings.TrimSpace(s)
	if s == "" {
		return s, &Message{Sv: "Skriv medsökandes e-postadress. Dit skickas länken för att signera bokningen.",
			En: "Enter the co-applicant's e-mail address. The link to sign the booking is sent there."}
	}
	if !validEmail(s) {
		return s, &Message{Sv: "Skriv en giltig e-postadress till medsökande, till exempel namn@exempel.se. Kontrollera att den är rätt.",
			En: "Enter a valid e-mail address for the co-applicant, for example name@example.com. Check that it is right."}
	}
	return s, nil
}

// normalizeMobile returns a mobile number in E.164 form: a Swedish mobile
// (07X XXX XX XX, +46 7X…, 0046 7X…) as +467XXXXXXXX; another country's
// number given with + or 00 as + and its 8–15 digits.
func normalizeMobile(s string) (string, bool) {
	var digits strings.Builder
	plus := false
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0:
			plus = true
		case r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	d := digits.String()
	if !plus && strings.HasPrefix(d, "00") {
		d, plus = d[2:], true
	}
	switch {
	case !plus && len(d) == 10 && strings.HasPrefix(d, "07"):
		return "+46" + d[1:], true
	case plus && strings.HasPrefix(d, "46"):
		rest := strings.TrimPrefix(d[2:], "0") // "+46 (0)70…"
		if len(rest) == 9 && rest[0] == '7' {
			return "+46" + rest, true
		}
		return "", false
	case plus && len(d) >= 8 && len(d) <= 15 && d[0] != '0':
		return "+" + d, true
	}
	return "", false
}

func checkMobile(s string) (string, *Message) {
	if strings.TrimSpace(s) == "" {
		return "", &Message{Sv: "Skriv ditt mobilnummer.", En: "Enter your mobile number."}
	}
	n, ok := normalizeMobile(s)
	if !ok {
		return "", &Message{Sv: "Skriv ett mobilnummer, till exempel 070-123 45 67 eller +46 70 123 45 67.",
			En: "Enter a mobile number, for example 070-123 45 67 or +46 70 123 45 67."}
	}
	return n, nil
}

// checkIdentity checks what an e-ID gave and returns the personnummer in
// its 12-digit form.
func checkIdentity(id Identity, now time.Time, errs FieldErrors) Identity {
	n, err := personnummer.Parse(id.Personnummer, now)
	if err != nil {
		var pe *personnummer.Error
		if errors.As(err, &pe) {
			errs[FieldPersonnummer] = Message{Sv: pe.Sv, En: pe.En}
		} else {
			errs[FieldPersonnummer] = Message{Sv: ErrIdentity.Sv, En: ErrIdentity.En}
		}
	}
	name, ok := cleanText(id.Name, false)
	if !ok || name == "" || utf8.RuneCountInString(name) > 200 {
		errs[FieldIdentityName] = Message{Sv: ErrIdentity.Sv, En: ErrIdentity.En}
	}
	return Identity{Personnummer: n.Long(), Name: name}
}

func checkProof(p Proof, now time.Time, errs FieldErrors) Proof {
	p.Signature = strings.TrimSpace(p.Signature)
	p.OCSP = strings.TrimSpace(p.OCSP)
	if p.Signature == "" || p.OCSP == "" || len(p.Signature) > MaxProof || len(p.OCSP) > MaxProof ||
		!utf8.ValidString(p.Signature) || !utf8.ValidString(p.OCSP) ||
		p.SignedAt.IsZero() || p.SignedAt.After(now.Add(clockSkew)) {
		errs[FieldSignature] = Message{Sv: "Signeringen kunde inte läsas. Signera igen med BankID.",
			En: "The signature could not be read. Please sign again with BankID."}
	}
	p.SignedAt = p.SignedAt.UTC()
	return p
}

// normalize checks a booking's input and returns it trimmed and normalized:
// personnummer in 12 digits, mobile in E.164. The error is FieldErrors.
func (in BookInput) normalize(now time.Time) (BookInput, error) {
	errs := FieldErrors{}
	var m *Message
	out := BookInput{SlotID: normID(in.SlotID)}
	out.Applicant = checkIdentity(in.Applicant, now, errs)
	if out.Contact.Name, m = checkName(in.Contact.Name); m != nil {
		errs[FieldName] = *m
	}
	if out.Contact.Address, m = checkAddress(in.Contact.Address); m != nil {
		errs[FieldAddress] = *m
	}
	if out.Contact.Email, m = checkEmail(in.Contact.Email); m != nil {
		errs[FieldEmail] = *m
	}
	if out.Contact.Mobile, m = checkMobile(in.Contact.Mobile); m != nil {
		errs[FieldMobile] = *m
	}
	if out.CoApplicantEmail, m = checkCoEmail(in.CoApplicantEmail); m != nil {
		errs[FieldCoApplicantEmail] = *m
	}
	out.Proof = checkProof(in.Proof, now, errs)
	if len(errs) > 0 {
		return BookInput{}, errs
	}
	return out, nil
}

// normalize checks a slot to publish. The error is FieldErrors.
func (in SlotInput) normalize(now time.Time, by string) (SlotInput, error) {
	errs := FieldErrors{}
	out := in
	out.Start = in.Start.UTC().Truncate(time.Minute)
	switch {
	case in.Start.IsZero():
		errs[FieldStart] = Message{Sv: "Ange när tiden börjar.", En: "Enter when the time starts."}
	case !out.Start.After(now):
		errs[FieldStart] = Message{Sv: "Tiden måste ligga i framtiden.", En: "The time must be in the future."}
	case out.Start.After(now.Add(MaxAhead)):
		errs[FieldStart] = Message{Sv: "Tider kan läggas ut högst ett år i förväg.", En: "Times can be published at most a year ahead."}
	}
	if in.Minutes < MinMinutes || in.Minutes > MaxMinutes {
		errs[FieldMinutes] = Message{Sv: "Längden måste vara mellan 30 och 180 minuter.", En: "The length must be between 30 and 180 minutes."}
	}
	if !in.Form.Valid() {
		errs[FieldForm] = Message{Sv: "Välj samtalsform: engångssamtal eller parterapi.", En: "Choose the kind of session: single session or couple therapy."}
	}
	if !in.Place.Valid() {
		errs[FieldPlace] = Message{Sv: "Välj plats: mottagningen i Östersund eller video.", En: "Choose the place: the office in Östersund or video."}
	}
	c, ok := cleanText(in.Counselor, false)
	c = strings.Join(strings.Fields(c), " ")
	if !ok || c == "" || utf8.RuneCountInString(c) > MaxCounselor {
		errs[FieldCounselor] = Message{Sv: "Skriv familjerådgivarens namn (högst 100 tecken).", En: "Enter the counsellor's name (at most 100 characters)."}
	}
	out.Counselor = c
	if strings.TrimSpace(by) == "" {
		errs[FieldBy] = Message{Sv: "Det framgår inte vem som lägger ut tiden.", En: "It is not known who is publishing the time."}
	}
	if len(errs) > 0 {
		return SlotInput{}, errs
	}
	return out, nil
}
