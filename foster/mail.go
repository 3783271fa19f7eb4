package foster

import (
	"strings"

	"parentline/interest"
)

// mailText is the confirmation mail for a submission: the municipalities it
// went to with their record ids (ids[i] is the record of c.Units[i]) and the
// link to Mina sidor. It holds no personnummer and no answer but the name
// the person gave.
func mailText(units []interest.Unit, c interest.Checked, ids []string, link, lang string) (subject, body string) {
	names := make(map[string]string, len(units))
	for _, u := range units {
		names[u.Code] = u.Name
	}
	var list strings.Builder
	for i, code := range c.Units {
		name := names[code]
		if name == "" {
			name = code
		}
		list.WriteString("- " + name)
		if lang == "en" {
			list.WriteString(" (municipality code " + code + ")")
		} else {
			list.WriteString(" (kommunkod " + code + ")")
		}
		if len(ids) == len(c.Units) {
			if lang == "en" {
				list.WriteString(", reference " + ids[i])
			} else {
				list.WriteString(", ärendenummer " + ids[i])
			}
		}
		list.WriteString("\n")
	}
	if len(ids) != len(c.Units) && len(ids) > 0 {
		if lang == "en" {
			list.WriteString("References: ")
		} else {
			list.WriteString("Ärendenummer: ")
		}
		list.WriteString(strings.Join(ids, ", ") + "\n")
	}
	name := strings.TrimSpace(c.Name)
	contactSv, contactEn := "Kommunen hör av sig till dig.", "The municipality will contact you."
	if len(c.Units) > 1 {
		contactSv, contactEn = "Kommunerna hör av sig till dig.", "The municipalities will contact you."
	}
	if lang == "en" {
		greeting := "Hello,"
		if name != "" {
			greeting = "Hello " + name + ","
		}
		return "Confirmation: your registration of interest in foster care has been received",
			greeting + "\n\n" +
				"Thank you for your registration of interest. It has been received by:\n\n" + list.String() + "\n" +
				"Each municipality gets a registration of its own. Your answers, including those about your health, " +
				"are encrypted so that only the foster care staff of that municipality can read them. " +
				"They are not in this e-mail.\n\n" +
				contactEn + " To follow the status of your registration, or to withdraw it, " +
				"log in to My pages (Mina sidor): " + link + "\n\n" +
				"Kind regards\nThe foster care e-service\n\n" +
				"--\nThis e-mail was sent automatically; replies are not read.\n"
	}
	greeting := "Hej!"
	if name != "" {
		greeting = "Hej " + name + "!"
	}
	return "Bekräftelse: din intresseanmälan om familjehem har kommit in",
		greeting + "\n\n" +
			"Tack för din intresseanmälan. Den har kommit in till:\n\n" + list.String() + "\n" +
			"Varje kommun får en egen anmälan. Dina svar, också svaren om din hälsa, är krypterade så att bara " +
			"de som arbetar med familjehem i kommunen kan läsa dem. De står inte i det här mejlet.\n\n" +
			contactSv + " Logga in på Mina sidor för att följa status på din anmälan " +
			"eller ta tillbaka den: " + link + "\n\n" +
			"Med vänliga hälsningar\nE-tjänsten för familjehem\n\n" +
			"--\nDet här mejlet skickades automatiskt och går inte att svara på.\n"
}
