package programme

import (
	"strings"

	"parentline/interest"
)

// mailText is the confirmation mail: the programme, the district, the
// record id and the link to log in and see the status. It holds no
// personnummer and no answer but the name the person gave.
func mailText(units []interest.Unit, c interest.Checked, ids []string, link, lang string) (subject, body string) {
	district := ""
	if len(c.Units) > 0 {
		district = c.Units[0]
		for _, u := range units {
			if u.Code == district {
				district = u.Name
				break
			}
		}
	}
	programme := c.Label
	if programme == "" {
		programme = "ABC/Komet"
	}
	ref := strings.Join(ids, ", ")
	name := strings.TrimSpace(c.Name)
	if lang == "en" {
		greeting := "Hello,"
		if name != "" {
			greeting = "Hello " + name + ","
		}
		return "Confirmation: your registration for the parenting programme " + programme,
			greeting + "\n\n" +
				"Thank you for your registration of interest in the parenting programme " + programme + ". " +
				"The city district " + district + " has received it.\n\n" +
				"Reference: " + ref + "\n\n" +
				"The district's coordinator will contact you. Log in to see the status of your registration, " +
				"or to withdraw it, on My pages (Mina sidor): " + link + "\n\n" +
				"Kind regards\nParenting support, " + district + "\n\n" +
				"--\nThis e-mail was sent automatically; replies are not read.\n"
	}
	greeting := "Hej!"
	if name != "" {
		greeting = "Hej " + name + "!"
	}
	return "Bekräftelse: din anmälan till föräldrastödsprogrammet " + programme,
		greeting + "\n\n" +
			"Tack för din intresseanmälan till föräldrastödsprogrammet " + programme + ". " +
			"Stadsdelen " + district + " har tagit emot den.\n\n" +
			"Ärendenummer: " + ref + "\n\n" +
			"Samordnaren i stadsdelen hör av sig till dig. Du kan logga in för att se status på din anmälan, " +
			"eller ta tillbaka den, på Mina sidor: " + link + "\n\n" +
			"Med vänliga hälsningar\nFöräldrastödet i " + district + "\n\n" +
			"--\nDet här mejlet skickades automatiskt och går inte att svara på.\n"
}
