package canned

// defaults are seeded the first time the store opens. Supervisors edit or
// delete them like any other answer.
var defaults = []struct{ lang, title, text string }{
	{"sv", "Hälsning",
		"Hej och välkommen till Föräldrachatten! Du pratar med en av våra föräldrarådgivare. Vad vill du prata om?"},
	{"sv", "Ett ögonblick",
		"Ett ögonblick, jag läser det du har skrivit och tänker en stund innan jag svarar."},
	{"sv", "Prata även med BVC, elevhälsan eller familjecentralen",
		"Det kan också vara bra att prata med någon som träffar er i vardagen. " +
			"Har du ett litet barn kan du vända dig till BVC eller familjecentralen, " +
			"och går ditt barn i skolan finns elevhälsan där. " +
			"De finns till för att stötta både barn och föräldrar."},
	{"sv", "Vid akut fara",
		"Om någon är i akut fara: ring 112. " +
			"Utanför kontorstid når du socialtjänstens jour, socialjouren, till exempel via 112. " +
			"Den här chatten är inte till för akuta lägen."},
	{"sv", "Avslutning",
		"Tack för att du hörde av dig. Välkommen tillbaka när du vill."},

	{"en", "Greeting",
		"Hello and welcome to the Parent Chat! You are talking with one of our parent advisers. What would you like to talk about?"},
	{"en", "One moment",
		"One moment please, I'm reading what you wrote and thinking for a little while before I answer."},
	{"en", "Also talk to BVC, school health or the family centre",
		"It can also help to talk with someone who meets your family in everyday life. " +
			"With a young child you can turn to the child health centre (BVC) or the family centre (familjecentralen), " +
			"and if your child goes to school, the school's health team (elevhälsan) is there. " +
			"They are there to support both children and parents."},
	{"en", "In an emergency",
		"If anyone is in immediate danger, call 112. " +
			"Outside office hours you can reach the social services' emergency line (socialjouren), for example through 112. " +
			"This chat is not meant for emergencies."},
	{"en", "Closing",
		"Thank you for getting in touch. You are welcome back whenever you like."},
}
