package mypages

import (
	"fmt"
	"strings"
	"time"

	"parentline/booking"
	"parentline/internal/field"
)

// msg is a text in Swedish and English.
type msg = field.Message

// The handlers' and the views' own texts, Swedish first.
var texts = map[string]msg{
	"bad_json": {Sv: "Ogiltig begäran: skicka ett JSON-objekt med de fält som behövs.",
		En: "Invalid request: send a JSON object with the fields needed."},
	"internal": {Sv: "Något gick fel. Inget har ändrats. Försök igen om en stund.",
		En: "Something went wrong. Nothing was changed. Please try again in a moment."},
	"not_found": {Sv: "Det finns ingen sådan anmälan eller sådant samtycke hos dig.",
		En: "You have no such registration or consent."},
	"not_erasable": {Sv: "Anmälan kan inte raderas just nu.", En: "The registration cannot be erased right now."},
	"fields": {Sv: "Några uppgifter behöver rättas. Se markeringarna vid fälten.",
		En: "Some details need correcting. See the notes by the fields."},
	"nothing_to_correct": {Sv: "Fyll i den eller de uppgifter du vill ändra.",
		En: "Fill in the detail or details you want to change."},
	"address_part": {Sv: "Fyll i gatuadress, postnummer och ort, eller lämna alla tre tomma.",
		En: "Fill in street address, postcode and town, or leave all three empty."},
	"postal_code": {Sv: "Skriv postnumret med fem siffror, till exempel 831 30.",
		En: "Enter the postcode as five digits, for example 831 30."},
	"city": {Sv: "Skriv orten (högst 100 tecken, utan specialtecken).",
		En: "Enter the town (at most 100 characters, no special characters)."},
	"corrected": {Sv: "Dina uppgifter är ändrade i %s.", En: "Your details have been changed in %s."},
	"corrected_none": {Sv: "Du har inga bokningar eller anmälningar där kontaktuppgifterna kan ändras.",
		En: "You have no bookings or registrations whose contact details can be changed."},
	"n_bookings":      {Sv: "%d bokning|%d bokningar", En: "%d booking|%d bookings"},
	"n_registrations": {Sv: "%d anmälan|%d anmälningar", En: "%d registration|%d registrations"},
	"and":             {Sv: " och ", En: " and "},
	"withdrawn": {Sv: "Anmälan %s är borttagen. Uppgifterna är raderade.",
		En: "The registration %s has been withdrawn. Its details are erased."},
	"consent_deleted": {Sv: "Samtycket är återkallat och anmälan %s är raderad.",
		En: "The consent has been withdrawn and the registration %s is erased."},
	"consent_kept": {Sv: "Samtycket är återkallat. Anmälan %s finns kvar hos mottagaren, som ser att du har återkallat samtycket.",
		En: "The consent has been withdrawn. The registration %s stays with the recipient, who can see that you have withdrawn the consent."},
	"effect_delete": {Sv: "Om du återkallar samtycket raderas anmälan %s direkt. Det påverkar inte det som redan gjorts med stöd av samtycket.",
		En: "If you withdraw the consent, the registration %s is erased at once. This does not affect what was already done on the basis of the consent."},
	"effect_keep": {Sv: "Om du återkallar samtycket får mottagaren inte längre behandla uppgifterna med stöd av det, och ser att du har återkallat det. Anmälan %s raderas inte härifrån: %s",
		En: "If you withdraw the consent, the recipient may no longer process the details on the basis of it, and can see that you have withdrawn it. The registration %s is not erased from here: %s"},
	"effect_withdrawn": {Sv: "Du återkallade samtycket %s.", En: "You withdrew the consent on %s."},
	"erase_done":       {Sv: "Det som kunde raderas är raderat.", En: "What could be erased has been erased."},
	"erase_none":       {Sv: "Det fanns inget som kunde raderas nu.", En: "There was nothing that could be erased now."},
	"sealed": {Sv: "Innehållet är krypterat till %s. Plattformen kan inte läsa det.",
		En: "The content is encrypted to %s. The platform cannot read it."},
	"draft_summary": {Sv: "Påbörjad anmälan: %s", En: "Started registration: %s"},
	"draft_deleted": {Sv: "Påbörjad anmälan (utkast): %s", En: "Started registration (draft): %s"},
	"chat_consent": {Sv: "Har du samtyckt till att chatten lämnar dina uppgifter till socialtjänsten? Chatten är anonym, så det ärendet syns inte här. Du återkallar samtycket med ärendets referens och koden du fick i chatten.",
		En: "Did you consent in the chat to your details being passed to social services? The chat is anonymous, so that case is not shown here. You withdraw the consent with the case reference and the code you got in the chat."},
	"protected_name": {Sv: "Visas inte (skyddade personuppgifter)", En: "Not shown (protected personal details)"},
}

func tx(lang, id string) string { return texts[id].In(lang) }

func txf(lang, id string, args ...any) string { return fmt.Sprintf(texts[id].In(lang), args...) }

// plural picks "one|many" by n.
func plural(lang, id string, n int) string {
	one, many, _ := strings.Cut(texts[id].In(lang), "|")
	if n == 1 {
		return fmt.Sprintf(one, n)
	}
	return fmt.Sprintf(many, n)
}

// Field labels of the records.
var labels = map[string]msg{
	"time":         {Sv: "Tid", En: "Time"},
	"form":         {Sv: "Samtalsform", En: "Kind of session"},
	"place":        {Sv: "Plats", En: "Place"},
	"counselor":    {Sv: "Familjerådgivare", En: "Counsellor"},
	"role":         {Sv: "Din roll", En: "Your role"},
	"status":       {Sv: "Status", En: "Status"},
	"pn":           {Sv: "Personnummer", En: "Personal identity number"},
	"eid_name":     {Sv: "Namn enligt e-legitimationen", En: "Name from the e-ID"},
	"name":         {Sv: "Namn du angav", En: "Name you gave"},
	"address":      {Sv: "Adress", En: "Address"},
	"email":        {Sv: "E-postadress", En: "E-mail address"},
	"mobile":       {Sv: "Mobilnummer", En: "Mobile number"},
	"co_email":     {Sv: "Medsökandes e-postadress", En: "The co-applicant's e-mail address"},
	"your_email":   {Sv: "Din e-postadress (dit bokningens mejl går)", En: "Your e-mail address (where the booking's mails go)"},
	"applicant":    {Sv: "Sökande", En: "Applicant"},
	"co_applicant": {Sv: "Medsökande", En: "Co-applicant"},
	"signed":       {Sv: "Du signerade", En: "You signed"},
	"fee":          {Sv: "Avgift", En: "Fee"},
	"booked":       {Sv: "Bokad", En: "Booked"},
	"ended":        {Sv: "Avslutad", En: "Ended"},
	"delete_at":    {Sv: "Raderas automatiskt", En: "Deleted automatically"},
	"registration": {Sv: "Anmälan", En: "Registration"},
	"recipient":    {Sv: "Mottagare", En: "Recipient"},
	"programme":    {Sv: "Program", En: "Programme"},
	"received":     {Sv: "Inkommen", En: "Received"},
	"status_at":    {Sv: "Status ändrad", En: "Status changed"},
	"delete_after": {Sv: "Raderas senast", En: "Deleted at the latest"},
	"consent":      {Sv: "Samtycke", En: "Consent"},
	"content":      {Sv: "Innehåll", En: "Content"},
}

func label(lang, id string) string { return labels[id].In(lang) }

// fromBooking is a booking.Message as a field.Message.
func fromBooking(m booking.Message) msg { return msg{Sv: m.Sv, En: m.En} }

var svMonths = [...]string{"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
	"september", "oktober", "november", "december"}

// date is a day: "2 juli 2026", "2 July 2026".
func date(t time.Time, loc *time.Location, lang string) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(loc)
	if lang == "en" {
		return t.Format("2 January 2006")
	}
	return fmt.Sprintf("%d %s %d", t.Day(), svMonths[t.Month()-1], t.Year())
}

// moment is a day and time: "2 juli 2026 kl. 10.00", "2 July 2026, 10:00".
func moment(t time.Time, loc *time.Location, lang string) string {
	if t.IsZero() {
		return ""
	}
	if lang == "en" {
		return date(t, loc, lang) + ", " + t.In(loc).Format("15:04")
	}
	return date(t, loc, lang) + " kl. " + t.In(loc).Format("15.04")
}

// span is a meeting's time: "1 december 2026 kl. 10.00–11.00".
func span(m booking.Meeting, loc *time.Location, lang string) string {
	end := m.End().In(loc)
	if lang == "en" {
		return moment(m.Start, loc, lang) + "–" + end.Format("15:04")
	}
	return moment(m.Start, loc, lang) + "–" + end.Format("15.04")
}

// pnText writes a 12-digit personnummer as YYYYMMDD-NNNN.
func pnText(pn string) string {
	if len(pn) == 12 {
		return pn[:8] + "-" + pn[8:]
	}
	return pn
}
