package booking

import (
	"fmt"
	"strings"
	"time"
)

// ConfirmationPhrase is the phrase the seed tells citizens to look for: the
// confirmation mail to both parties contains it, and no other mail does.
const ConfirmationPhrase = "bekräftelse på att ärendet skickats in"

var (
	svDays   = [...]string{"söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"}
	svMonths = [...]string{"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
		"september", "oktober", "november", "december"}
)

// when is a moment in the store's calendar: "tisdag 2 juni 2026 kl. 10.00",
// "Tuesday 2 June 2026 at 10:00".
func (s *Store) when(t time.Time, lang string) string {
	t = t.In(s.opts.Location)
	if lang == "en" {
		return t.Format("Monday 2 January 2006 at 15:04")
	}
	return fmt.Sprintf("%s %d %s %d kl. %s", svDays[t.Weekday()], t.Day(), svMonths[t.Month()-1], t.Year(), t.Format("15.04"))
}

// span is a meeting's time: "tisdag 2 juni 2026 kl. 10.00–11.00".
func (s *Store) span(m Meeting, lang string) string {
	end := m.End().In(s.opts.Location)
	if lang == "en" {
		return s.when(m.Start, lang) + "–" + end.Format("15:04")
	}
	return s.when(m.Start, lang) + "–" + end.Format("15.04")
}

// meetingBlock lists a meeting's time, form, place and counsellor.
func (s *Store) meetingBlock(m Meeting, lang string) string {
	if lang == "en" {
		return "Time: " + s.span(m, lang) + "\nForm: " + m.Form.Label(lang) + "\nPlace: " + m.Place.Label(lang) +
			"\nCounsellor: " + m.Counselor
	}
	return "Tid: " + s.span(m, lang) + "\nSamtalsform: " + m.Form.Label(lang) + "\nPlats: " + m.Place.Label(lang) +
		"\nFamiljerådgivare: " + m.Counselor
}

// compose joins the Swedish text and its English version into one body.
func (s *Store) compose(sv, en string) string {
	return "Hej!\n\n" + strings.TrimSpace(sv) +
		"\n\nFrågor? Ring " + s.opts.ContactPhone + " eller mejla " + s.opts.ContactEmail + "." +
		"\n\nMed vänliga hälsningar\nFamiljerådgivningen, Östersunds kommun" +
		"\n\n---- In English ----\n\nHello,\n\n" + strings.TrimSpace(en) +
		"\n\nQuestions? Call " + s.opts.ContactPhone + " or e-mail " + s.opts.ContactEmail + "." +
		"\n\nKind regards\nFamily Counselling (Familjerådgivningen), Östersund municipality" +
		"\n\n--\nDet här mejlet skickades automatiskt och går inte att svara på.\nThis e-mail was sent automatically; replies are not read.\n"
}

func (s *Store) feeSentence(lang string) string {
	h := itoa(int(s.opts.FeeWindow / time.Hour))
	if lang == "en" {
		return "If you cancel, do not come, or move the time later than " + h + " hours before the meeting, " +
			"the session fee of " + itoa(s.opts.Fee) + " SEK still has to be paid."
	}
	return "Om ni lämnar återbud, uteblir från eller ombokar tiden senare än " + h + " timmar innan mötet " +
		"behöver ni ändå betala samtalsavgiften på " + itoa(s.opts.Fee) + " kronor."
}

func (s *Store) feeCharged(lang string) string {
	h := itoa(int(s.opts.FeeWindow / time.Hour))
	if lang == "en" {
		return "The change was made later than " + h + " hours before the meeting, so the session fee of " +
			itoa(s.opts.Fee) + " SEK still has to be paid. Family Counselling will send an invoice."
	}
	return "Ändringen gjordes senare än " + h + " timmar före mötet. Därför behöver ni ändå betala samtalsavgiften på " +
		itoa(s.opts.Fee) + " kronor. Familjerådgivningen skickar en faktura."
}

func (s *Store) changeHint(lang string) string {
	if lang == "en" {
		return "To cancel or move the time, log in to My pages (Mina sidor): " + s.base + PathMyPages +
			", e-mail " + s.opts.ContactEmail + " or call " + s.opts.ContactPhone + "."
	}
	return "Vill ni av- eller omboka tiden? Logga in på Mina sidor: " + s.base + PathMyPages +
		", mejla " + s.opts.ContactEmail + " eller ring " + s.opts.ContactPhone + "."
}

// termsText is the sentence shown before a cancellation or move is confirmed.
func (s *Store) termsText(rec bookingRecord, t Terms, move bool) Message {
	verbSv, verbEn := "avbokar", "cancel"
	if move {
		verbSv, verbEn = "ombokar", "move the time"
	}
	switch {
	case rec.State != StateConfirmed:
		return Message{
			Sv: "Bokningen är inte bekräftad av medsökande ännu. Det kostar ingenting att avboka den.",
			En: "The co-applicant has not confirmed the booking yet. Cancelling it costs nothing."}
	case t.Fee:
		h := itoa(int(s.opts.FeeWindow / time.Hour))
		return Message{
			Sv: "Mötet börjar om mindre än " + h + " timmar. Om du " + verbSv + " nu behöver ni ändå betala samtalsavgiften på " +
				itoa(s.opts.Fee) + " kronor.",
			En: "The meeting starts in less than " + h + " hours. If you " + verbEn + " now, the session fee of " +
				itoa(s.opts.Fee) + " SEK still has to be paid."}
	default:
		return Message{
			Sv: "Det kostar ingenting om du " + verbSv + " senast " + s.when(t.FreeUntil, "sv") + ". Därefter kostar det " +
				itoa(s.opts.Fee) + " kronor.",
			En: "It costs nothing if you " + verbEn + " by " + s.when(t.FreeUntil, "en") + ". After that it costs " +
				itoa(s.opts.Fee) + " SEK."}
	}
}

// The mail jobs. None of them contains a personnummer; the invitation is
// the only one with a token.

// mailInvitation queues the co-applicant's invitation with the link. It
// does not name the applicant: the address may be wrong, and the link shows
// the booking only after an e-ID login.
func (t *txn) mailInvitation(rec bookingRecord, token string) (uint64, error) {
	s := t.s
	link := s.base + PathCoSign + "?t=" + token
	sv := "Du har angetts som medsökande i en bokning av tid hos Familjerådgivningen i Östersunds kommun.\n\n" +
		s.meetingBlock(rec.Meeting, "sv") + "\n\n" +
		"För att bokningen ska gälla måste du signera den med BankID senast " + s.when(rec.HoldUntil, "sv") +
		". Annars släpps tiden och kan bokas av någon annan.\n\n" +
		"Öppna länken, legitimera dig med BankID, läs igenom ärendet och klicka på \"Signera ärende\". " +
		"Där kan du också tacka nej.\n" + link + "\n\n" +
		"Länken är personlig. Dela den inte med någon annan. Känner du inte till bokningen kan du bortse från det här mejlet."
	en := "You have been named as co-applicant in a booking with Family Counselling (Familjerådgivningen), Östersund municipality.\n\n" +
		s.meetingBlock(rec.Meeting, "en") + "\n\n" +
		"For the booking to be valid you must sign it with BankID by " + s.when(rec.HoldUntil, "en") +
		". Otherwise the time is released and someone else can book it.\n\n" +
		"Open the link, identify yourself with BankID, read through the case and click \"Signera ärende\" (Sign case). " +
		"You can also decline there.\n" + link + "\n\n" +
		"The link is personal. Do not share it. If you do not know about this booking, you can ignore this e-mail."
	return t.enqueue("invitation", rec.ID, []string{rec.CoEmail},
		"Signera bokningen hos Familjerådgivningen / Please sign the booking with Family Counselling", s.compose(sv, en))
}

// mailPending queues the applicant's receipt: received, not yet confirmed.
func (t *txn) mailPending(rec bookingRecord) error {
	s := t.s
	sv := "Vi har tagit emot din bokning hos Familjerådgivningen. Den är inte klar ännu.\n\n" +
		s.meetingBlock(rec.Meeting, "sv") + "\n\n" +
		"Medsökande har fått ett mejl till " + rec.CoEmail + " med en länk för att signera bokningen med BankID, " +
		"och har till " + s.when(rec.HoldUntil, "sv") + " på sig. Signerar medsökande inte i tid släpps tiden " +
		"och kan bokas av någon annan. Stämmer inte adressen? Avboka på Mina sidor och boka igen: " + s.base + PathMyPages + "\n\n" +
		"När båda har signerat får ni var sitt mejl som bekräftar bokningen. Får du inget sådant mejl, hör av dig till oss.\n\n" +
		"Om samma person står som både sökande och medsökande kommer tiden att avbokas och du får boka en ny tid."
	en := "We have received your booking with Family Counselling. It is not complete yet.\n\n" +
		s.meetingBlock(rec.Meeting, "en") + "\n\n" +
		"The co-applicant has been sent an e-mail at " + rec.CoEmail + " with a link to sign the booking with BankID, " +
		"and has until " + s.when(rec.HoldUntil, "en") + " to do so. If the co-applicant does not sign in time, the time is " +
		"released and someone else can book it. Wrong address? Cancel on My pages and book again: " + s.base + PathMyPages + "\n\n" +
		"When both of you have signed, you each get an e-mail confirming the booking. If you do not get one, please contact us.\n\n" +
		"If the same person is both applicant and co-applicant, the time will be cancelled and you will have to book a new one."
	_, err := t.enqueue("pending", rec.ID, []string{rec.Applicant.email()},
		"Din bokning väntar på medsökande / Your booking is waiting for the co-applicant", s.compose(sv, en))
	return err
}

// mailConfirmed queues the confirmation, one mail to each party.
func (t *txn) mailConfirmed(rec bookingRecord) error {
	s := t.s
	sv := "Det här är din " + ConfirmationPhrase + ". Båda har signerat bokningen och tiden är bokad.\n\n" +
		s.meetingBlock(rec.Meeting, "sv") + "\n\n" + s.changeHint("sv") + "\n" + s.feeSentence("sv") + "\n\n" +
		"Har ni frågor inför mötet är ni välkomna att höra av er."
	en := "This is your confirmation that the case has been submitted. Both of you have signed and the time is booked.\n\n" +
		s.meetingBlock(rec.Meeting, "en") + "\n\n" + s.changeHint("en") + "\n" + s.feeSentence("en") + "\n\n" +
		"If you have questions before the meeting, you are welcome to contact us."
	return t.enqueueBoth("confirmation", rec,
		"Bekräftelse: er tid hos Familjerådgivningen är bokad / Confirmation: your appointment is booked", s.compose(sv, en))
}

// mailReleased tells the applicant their hold was released: declined,
// expired or refused because the same person signed twice.
func (t *txn) mailReleased(rec bookingRecord, why State) error {
	s := t.s
	var sv, en, subject string
	switch why {
	case StateDeclined:
		subject = "Medsökande tackade nej – tiden är släppt / The co-applicant declined – the time is released"
		sv = "Medsökande har tackat nej till bokningen. Tiden har släppts och bokningen gäller inte."
		en = "The co-applicant has declined the booking. The time has been released and the booking is not valid."
	case StateExpired:
		subject = "Medsökande signerade inte i tid – tiden är släppt / The co-applicant did not sign in time – the time is released"
		sv = "Medsökande signerade inte bokningen i tid (senast " + s.when(rec.HoldUntil, "sv") + "). " +
			"Tiden har släppts och bokningen gäller inte."
		en = "The co-applicant did not sign the booking in time (by " + s.when(rec.HoldUntil, "en") + "). " +
			"The time has been released and the booking is not valid."
	default: // StateRefusedSamePerson
		subject = "Tiden är avbokad: samma person signerade två gånger / The time is cancelled: the same person signed twice"
		sv = "Samma person stod som både sökande och medsökande. Därför har tiden avbokats, och du får boka en ny tid. " +
			"Ni behöver signera med var sitt BankID."
		en = "The same person was both applicant and co-applicant, so the time has been cancelled and you will have to book a new one. " +
			"Each of you needs to sign with your own BankID."
	}
	sv += "\n\n" + s.meetingBlock(rec.Meeting, "sv") + "\n\nDu kan boka en ny tid här: " + s.base + PathBook
	en += "\n\n" + s.meetingBlock(rec.Meeting, "en") + "\n\nYou can book a new time here: " + s.base + PathBook
	_, err := t.enqueue("released", rec.ID, []string{rec.Applicant.email()}, subject, s.compose(sv, en))
	return err
}

// mailCancelled queues the cancellation receipts: to both parties of a
// confirmed booking; for one awaiting co-signing to the applicant, and to
// the co-applicant only if their invitation had already gone out.
func (t *txn) mailCancelled(rec bookingRecord, fee, wasConfirmed, inviteUnsent bool) error {
	s := t.s
	subject := "Er tid hos Familjerådgivningen är avbokad / Your appointment with Family Counselling is cancelled"
	sv := "Tiden är avbokad.\n\n" + s.meetingBlock(rec.Meeting, "sv")
	en := "The time has been cancelled.\n\n" + s.meetingBlock(rec.Meeting, "en")
	if fee {
		sv += "\n\n" + s.feeCharged("sv")
		en += "\n\n" + s.feeCharged("en")
	}
	sv += "\n\nDu kan boka en ny tid här: " + s.base + PathBook
	en += "\n\nYou can book a new time here: " + s.base + PathBook
	body := s.compose(sv, en)
	if wasConfirmed {
		return t.enqueueBoth("cancelled", rec, subject, body)
	}
	if _, err := t.enqueue("cancelled", rec.ID, []string{rec.Applicant.email()}, subject, body); err != nil {
		return err
	}
	if inviteUnsent || sameAddress(rec.CoEmail, rec.Applicant.email()) {
		return nil
	}
	wsv := "Bokningen som du blev ombedd att signera som medsökande har avbokats. Länken i det tidigare mejlet gäller inte längre.\n\n" +
		s.meetingBlock(rec.Meeting, "sv")
	wen := "The booking you were asked to sign as co-applicant has been cancelled. The link in the earlier e-mail is no longer valid.\n\n" +
		s.meetingBlock(rec.Meeting, "en")
	_, err := t.enqueue("withdrawn", rec.ID, []string{rec.CoEmail},
		"Bokningen är avbokad – länken gäller inte längre / The booking is cancelled – the link is no longer valid", s.compose(wsv, wen))
	return err
}

// mailRebooked queues the rebooking receipts to both parties.
func (t *txn) mailRebooked(rec bookingRecord, prev Meeting, fee bool) error {
	s := t.s
	sv := "Er tid hos Familjerådgivningen är ombokad.\n\nNy tid:\n" + s.meetingBlock(rec.Meeting, "sv") +
		"\n\nTidigare tid: " + s.span(prev, "sv")
	en := "Your appointment with Family Counselling has been moved.\n\nNew time:\n" + s.meetingBlock(rec.Meeting, "en") +
		"\n\nPrevious time: " + s.span(prev, "en")
	if fee {
		sv += "\n\n" + s.feeCharged("sv")
		en += "\n\n" + s.feeCharged("en")
	}
	sv += "\n\n" + s.changeHint("sv")
	en += "\n\n" + s.changeHint("en")
	return t.enqueueBoth("rebooked", rec,
		"Er tid hos Familjerådgivningen är ombokad / Your appointment with Family Counselling has been moved", s.compose(sv, en))
}

func (p partyRecord) email() string {
	if p.Contact == nil {
		return ""
	}
	return p.Contact.Email
}

func sameAddress(a, b string) bool { return strings.EqualFold(a, b) }

// enqueueBoth queues one mail to each party's address (once if they share it).
func (t *txn) enqueueBoth(kind string, rec bookingRecord, subject, text string) error {
	if _, err := t.enqueue(kind, rec.ID, []string{rec.Applicant.email()}, subject, text); err != nil {
		return err
	}
	if sameAddress(rec.CoEmail, rec.Applicant.email()) {
		return nil
	}
	_, err := t.enqueue(kind, rec.ID, []string{rec.CoEmail}, subject, text)
	return err
}
