package interest

// KindNotify is the outbox kind of the mail that tells a unit's shared
// mailbox (Unit.Notify) that a registration came in.
const KindNotify = "notify"

// notifyText is that mail: the unit, the form, the record's reference and
// the staff page, in Swedish (it goes to the municipality). It says nothing
// about who registered or what they answered: that is sealed to the
// unit's readers, and a mailbox is not one of them. A registration
// withdrawn before the mail went out is not told (the job refers to it).
func notifyText(fi *formInfo, unit Unit, id, staffLink string) (subject, body string) {
	subject = "Ny intresseanmälan till " + unit.Name + ": " + id
	body = "En ny intresseanmälan har kommit in till " + unit.Name + ".\n\n" +
		"Formulär: " + fi.Title.Sv + "\n" +
		"Ärendenummer: " + id + "\n\n" +
		"Logga in och läs den med er nyckelfil:\n" + staffLink + "\n\n" +
		"Anmälan är krypterad till era nycklar. Det här meddelandet säger " +
		"inget om vem som anmält sig eller vad hen svarat.\n\n" +
		"Meddelandet skickades automatiskt; svara inte på det.\n"
	return subject, body
}
