package eid

// BankID's recommended user messages (RFA1–RFA23) in Swedish and English,
// and which one to show for an order's state, hintCode or error.

import (
	"errors"
	"strings"
)

// RFA is one of BankID's recommended user messages.
type RFA struct {
	ID string // "RFA1", "RFA17B", ...
	SV string // Swedish
	EN string // English
	// Legacy marks a message from older guidelines that BankID no longer
	// lists; UserMessage never picks one.
	Legacy bool
}

// Messages are BankID's recommended user messages, in the wording of the
// current guidelines (RFA14A/B and RFA18 from older ones). RFA7 and RFA10–12
// were retired long ago and are not listed.
var Messages = []RFA{
	{ID: "RFA1",
		SV: "Starta BankID-appen.",
		EN: "Start your BankID app."},
	{ID: "RFA2",
		SV: "Du verkar inte ha BankID-appen. Installera den och skaffa ett BankID.",
		EN: "You don't seem to have the BankID app. Install the app and get a BankID."},
	{ID: "RFA3",
		SV: "Åtgärden avbröts. Försök igen.",
		EN: "The action was cancelled. Please try again."},
	{ID: "RFA4",
		SV: "En identifiering eller underskrift pågår redan för ditt personnummer. Försök igen.",
		EN: "An identification or signature is already in progress for your personal identity number. Please try again."},
	{ID: "RFA5",
		SV: "Något gick fel. Försök igen.",
		EN: "Something went wrong. Please try again."},
	{ID: "RFA6",
		SV: "Åtgärden avbröts.",
		EN: "The action was cancelled."},
	{ID: "RFA8",
		SV: "BankID-appen svarar inte. Kontrollera att den är startad och att du har internetanslutning. Försök sedan igen.",
		EN: "The BankID app is not responding. Please check that it's started and that you have internet access. Try again."},
	{ID: "RFA9",
		SV: "Skriv in din säkerhetskod i BankID-appen och välj Identifiera eller Skriv under.",
		EN: "Enter your security code in the BankID app and select Identify or Sign."},
	{ID: "RFA13",
		SV: "Försöker starta BankID-appen.",
		EN: "Trying to start your BankID app."},
	{ID: "RFA14A", Legacy: true,
		SV: "Söker efter BankID, det kan ta en liten stund … Om det har gått några sekunder och inget BankID har hittats har du sannolikt inget BankID som går att använda för den aktuella identifieringen/underskriften i den här datorn. Om du har ett BankID-kort, sätt in det i kortläsaren. Om du inte har något BankID kan du skaffa ett hos din bank. Om du har ett BankID på en annan enhet kan du starta din BankID-app där.",
		EN: "Searching for BankID, it may take a little while … If a few seconds have passed and still no BankID has been found, you probably don't have a BankID which can be used for this identification/signing on this computer. If you have a BankID card, please insert it into your card reader. If you don't have a BankID you can get one from your bank. If you have a BankID on another device you can start the BankID app on that device."},
	{ID: "RFA14B", Legacy: true,
		SV: "Söker efter BankID, det kan ta en liten stund … Om det har gått några sekunder och inget BankID har hittats har du sannolikt inget BankID som går att använda för den aktuella identifieringen/underskriften i den här enheten. Om du inte har något BankID kan du skaffa ett hos din bank. Om du har ett BankID på en annan enhet kan du starta din BankID-app där.",
		EN: "Searching for BankID, it may take a little while … If a few seconds have passed and still no BankID has been found, you probably don't have a BankID which can be used for this identification/signing on this device. If you don't have a BankID you can get one from your bank. If you have a BankID on another device you can start the BankID app on that device."},
	{ID: "RFA15A",
		SV: "Söker efter BankID. Säkerställ att du har ett giltigt BankID på den här datorn. Om du har ett BankID på kort, sätt in kortet i kortläsaren.",
		EN: "Searching for BankID. Make sure you have a valid BankID on this computer. If you have a BankID on card, please insert the card into your card reader."},
	{ID: "RFA15B",
		SV: "Söker efter BankID. Säkerställ att du har ett giltigt BankID på den här enheten.",
		EN: "Searching for BankID. Make sure you have a valid BankID on this device."},
	{ID: "RFA16",
		SV: "Ditt BankID är för gammalt eller spärrat. Använd ett annat BankID eller skaffa ett nytt hos din bank.",
		EN: "Your BankID is blocked or too old. Please use another BankID or get a new one from your bank."},
	{ID: "RFA17A",
		SV: "Du verkar inte ha BankID-appen/programmet. Installera den och skaffa ett BankID hos din bank.",
		EN: "You don't seem to have the BankID app/program. Please install it and get a BankID from your bank."},
	{ID: "RFA17B",
		SV: "Misslyckades att läsa av QR-koden. Starta BankID-appen och läs av QR-koden.",
		EN: "Failed to scan the QR code. Start the BankID app and scan the QR code."},
	{ID: "RFA18", Legacy: true,
		SV: "Starta BankID-appen",
		EN: "Start the BankID app"},
	{ID: "RFA19",
		SV: "Vill du använda BankID på den här datorn eller ett Mobilt BankID?",
		EN: "Would you like to use BankID on this computer, or a Mobile BankID?"},
	{ID: "RFA20",
		SV: "Vill du använda BankID på den här enheten eller på en annan enhet?",
		EN: "Do you want to use BankID on this device or another device?"},
	{ID: "RFA21",
		SV: "En identifiering eller underskrift pågår.",
		EN: "An identification or signing is in progress."},
	{ID: "RFA22",
		SV: "Något gick fel. Försök igen.",
		EN: "Something went wrong. Please try again."},
	{ID: "RFA23",
		SV: "Fotografera och läs av din ID-handling med BankID-appen.",
		EN: "Take a photo of, and scan, your ID document with the BankID app."},
}

var messageIndex = func() map[string]RFA {
	m := make(map[string]RFA, len(Messages))
	for _, msg := range Messages {
		m[msg.ID] = msg
	}
	return m
}()

// RFAText is message id ("RFA4") in lang: English for any "en…" language
// tag, Swedish otherwise. It is "" for an unknown id.
func RFAText(id, lang string) string {
	msg, ok := messageIndex[id]
	if !ok {
		return ""
	}
	if isEnglish(lang) {
		return msg.EN
	}
	return msg.SV
}

func isEnglish(lang string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(lang)), "en")
}

// UserMessage is the text to show the citizen, in lang ("sv" or "en"),
// for a collect answer (state and hintCode) or for err from Start, Collect
// or Cancel. qrUsed says the citizen was shown the QR code (BankID on
// another device) rather than the autostart link on this device.
// It is "" for a complete order.
func UserMessage(lang string, state State, hintCode string, err error, qrUsed bool) string {
	return RFAText(MessageID(state, hintCode, err, qrUsed), lang)
}

// MessageID is the RFA UserMessage picks, following BankID's
// recommendations; "" for a complete order.
//
// Where BankID names no message our choice is: userCallConfirm (pending) →
// RFA21, userDeclinedCall → RFA6 (the citizen said no, like userCancel),
// notSupportedByUserApp and transactionRiskBlocked → RFA22. An unknown
// hintCode gets RFA21 while pending and RFA22 when failed, an error that is
// not BankID's (network, timeout) RFA5.
func MessageID(state State, hintCode string, err error, qrUsed bool) string {
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return "RFA5"
		}
		switch e.Code {
		case "alreadyInProgress":
			return "RFA4"
		case "requestTimeout", "maintenance", "internalError":
			return "RFA5"
		}
		return "RFA22"
	}
	switch state {
	case Pending:
		switch hintCode {
		case "outstandingTransaction":
			if qrUsed {
				return "RFA1"
			}
			return "RFA13"
		case "noClient":
			return "RFA1"
		case "started":
			// The app has started and is looking for a BankID: on the
			// device that scanned the code, or on this computer.
			if qrUsed {
				return "RFA15B"
			}
			return "RFA15A"
		case "userSign":
			return "RFA9"
		case "userMrtd":
			return "RFA23"
		}
		return "RFA21"
	case Failed:
		switch hintCode {
		case "userCancel", "userDeclinedCall":
			return "RFA6"
		case "expiredTransaction":
			return "RFA8"
		case "certificateErr":
			return "RFA16"
		case "startFailed":
			if qrUsed {
				return "RFA17B"
			}
			return "RFA17A"
		case "cancelled":
			return "RFA3"
		}
		return "RFA22"
	case Complete:
		return ""
	}
	return "RFA22"
}
