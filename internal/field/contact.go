package field

// Contact is how to reach a citizen who registered: the "contact" object of
// the interest forms (and of a contact correction on Mina sidor).
type Contact struct {
	GivenName  string `json:"given_name"`
	Surname    string `json:"surname"`
	Address    string `json:"address"`
	PostalCode string `json:"postal_code"`
	City       string `json:"city"`
	Phone      string `json:"phone"`
	Email      string `json:"email"`
}

// The contact fields, as the checkers name them.
var (
	GivenName   = Spec{What: Message{Sv: "ditt förnamn", En: "your first name"}, Max: 100}
	Surname     = Spec{What: Message{Sv: "ditt efternamn", En: "your surname"}, Max: 100}
	Address     = Spec{What: Message{Sv: "din gatuadress", En: "your street address"}, Max: 200}
	Postcode    = Spec{What: Message{Sv: "ditt postnummer", En: "your postcode"}}
	City        = Spec{What: Message{Sv: "din postort", En: "your town"}, Max: 100}
	PhoneNumber = Spec{What: Message{Sv: "ditt telefonnummer", En: "your phone number"}}
	EmailAddr   = Spec{What: Message{Sv: "din e-postadress", En: "your e-mail address"}}
)

// CheckContact checks every contact field as required, adding messages at
// path+".given_name" and so on, and returns the contact cleaned: trimmed,
// postcode as "831 30", phone with single spaces.
func CheckContact(e Errors, path string, c Contact) Contact {
	return CheckContactFor(e, path, c, false)
}

// NoWayToReach is the message when a person with protected identity leaves
// out both the phone number and the e-mail address.
var NoWayToReach = Message{
	Sv: "Skriv ett telefonnummer eller en e-postadress, så att vi kan nå dig. Du väljer själv vilka uppgifter du lämnar.",
	En: "Enter a phone number or an e-mail address so that we can reach you. You choose which details to give.",
}

// CheckContactFor is CheckContact for a citizen who may have protected
// identity (skyddade personuppgifter). Then they choose which contact
// details to give: the address is optional and one of phone and e-mail is
// enough; whatever they do give is checked as usual.
func CheckContactFor(e Errors, path string, c Contact, protected bool) Contact {
	if !protected {
		return checkContact(e, path, c, GivenName, Surname, Address, Postcode, City, PhoneNumber, EmailAddr)
	}
	opt := func(s Spec) Spec { s.Optional = true; return s }
	out := checkContact(e, path, c, GivenName, Surname, opt(Address), opt(Postcode), opt(City), opt(PhoneNumber), opt(EmailAddr))
	if out.Phone == "" && out.Email == "" {
		phone := "phone"
		if path != "" {
			phone = path + ".phone"
		}
		e.Add(phone, NoWayToReach)
	}
	return out
}

func checkContact(e Errors, path string, c Contact, given, sur, addr, post, city, phone, email Spec) Contact {
	p := func(name string) string {
		if path == "" {
			return name
		}
		return path + "." + name
	}
	return Contact{
		GivenName:  Text(e, p("given_name"), c.GivenName, given),
		Surname:    Text(e, p("surname"), c.Surname, sur),
		Address:    Text(e, p("address"), c.Address, addr),
		PostalCode: PostalCode(e, p("postal_code"), c.PostalCode, post),
		City:       Text(e, p("city"), c.City, city),
		Phone:      Phone(e, p("phone"), c.Phone, phone),
		Email:      Email(e, p("email"), c.Email, email),
	}
}
