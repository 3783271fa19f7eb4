package eid

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// Every hintCode and errorCode of the RP API v6.0.
var (
	pendingHints = []string{"outstandingTransaction", "noClient", "started", "userMrtd", "userCallConfirm", "userSign"}
	failedHints  = []string{"expiredTransaction", "certificateErr", "userCancel", "cancelled", "startFailed",
		"userDeclinedCall", "notSupportedByUserApp", "transactionRiskBlocked"}
	errorCodes = []string{"alreadyInProgress", "invalidParameters", "unauthorized", "notFound", "methodNotAllowed",
		"requestTimeout", "unsupportedMediaType", "internalError", "maintenance"}
)

func TestEveryCodeHasAMessageInBothLanguages(t *testing.T) {
	for _, qr := range []bool{false, true} {
		for _, lang := range []string{"sv", "en"} {
			for _, h := range append(pendingHints, "someFutureHint", "") {
				if UserMessage(lang, Pending, h, nil, qr) == "" {
					t.Errorf("pending %q (lang %s, qr %v): no message", h, lang, qr)
				}
			}
			for _, h := range append(failedHints, "someFutureHint", "") {
				if UserMessage(lang, Failed, h, nil, qr) == "" {
					t.Errorf("failed %q (lang %s, qr %v): no message", h, lang, qr)
				}
			}
			for _, c := range append(errorCodes, "someFutureCode") {
				err := fmt.Errorf("bankid: auth: %w", &Error{Code: c, Status: 400})
				if UserMessage(lang, Pending, "", err, qr) == "" {
					t.Errorf("error %q (lang %s, qr %v): no message", c, lang, qr)
				}
			}
		}
	}
}

func TestMessageIDFollowsBankIDsRecommendations(t *testing.T) {
	for _, c := range []struct {
		state State
		hint  string
		qr    bool
		want  string
	}{
		{Pending, "outstandingTransaction", false, "RFA13"},
		{Pending, "outstandingTransaction", true, "RFA1"},
		{Pending, "noClient", false, "RFA1"},
		{Pending, "noClient", true, "RFA1"},
		{Pending, "started", false, "RFA15A"},
		{Pending, "started", true, "RFA15B"},
		{Pending, "userSign", true, "RFA9"},
		{Pending, "userMrtd", false, "RFA23"},
		{Pending, "userCallConfirm", false, "RFA21"},
		{Pending, "someFutureHint", false, "RFA21"},
		{Failed, "userCancel", true, "RFA6"},
		{Failed, "expiredTransaction", true, "RFA8"},
		{Failed, "certificateErr", false, "RFA16"},
		{Failed, "startFailed", false, "RFA17A"},
		{Failed, "startFailed", true, "RFA17B"},
		{Failed, "cancelled", true, "RFA3"},
		{Failed, "userDeclinedCall", false, "RFA6"},
		{Failed, "notSupportedByUserApp", false, "RFA22"},
		{Failed, "transactionRiskBlocked", false, "RFA22"},
		{Failed, "someFutureHint", false, "RFA22"},
		{Complete, "", false, ""},
		{State("bogus"), "", false, "RFA22"},
	} {
		if got := MessageID(c.state, c.hint, nil, c.qr); got != c.want {
			t.Errorf("%s/%s (qr %v): got %q, want %q", c.state, c.hint, c.qr, got, c.want)
		}
	}

	for code, want := range map[string]string{
		"alreadyInProgress": "RFA4",
		"requestTimeout":    "RFA5",
		"maintenance":       "RFA5",
		"internalError":     "RFA5",
		"invalidParameters": "RFA22",
		"unauthorized":      "RFA22",
		"notFound":          "RFA22",
		"someFutureCode":    "RFA22",
	} {
		if got := MessageID(Pending, "userSign", &Error{Code: code}, false); got != want {
			t.Errorf("error %s: got %q, want %q", code, got, want)
		}
	}
	// An error that is not BankID's answer: our side could not reach it.
	for _, err := range []error{context.DeadlineExceeded, errors.New("dial tcp: connection refused")} {
		if got := MessageID(Pending, "", err, false); got != "RFA5" {
			t.Errorf("%v: got %q, want RFA5", err, got)
		}
	}
}

func TestUserMessageLanguage(t *testing.T) {
	if got := UserMessage("sv", Failed, "userCancel", nil, false); got != "Åtgärden avbröts." {
		t.Errorf("sv: %q", got)
	}
	for _, lang := range []string{"en", "en-GB", "EN"} {
		if got := UserMessage(lang, Failed, "userCancel", nil, false); got != "The action was cancelled." {
			t.Errorf("%s: %q", lang, got)
		}
	}
	// Anything else falls back to Swedish.
	if got := UserMessage("", Pending, "noClient", nil, false); got != "Starta BankID-appen." {
		t.Errorf("default: %q", got)
	}
	if UserMessage("en", Complete, "", nil, false) != "" {
		t.Error("complete order got a message")
	}
}

func TestMessagesTable(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range Messages {
		if seen[m.ID] {
			t.Errorf("%s listed twice", m.ID)
		}
		seen[m.ID] = true
		if m.SV == "" || m.EN == "" {
			t.Errorf("%s lacks a text", m.ID)
		}
	}
	for _, id := range []string{"RFA1", "RFA2", "RFA3", "RFA4", "RFA5", "RFA6", "RFA8", "RFA9", "RFA13",
		"RFA14A", "RFA14B", "RFA15A", "RFA15B", "RFA16", "RFA17A", "RFA17B", "RFA18", "RFA19", "RFA20",
		"RFA21", "RFA22", "RFA23"} {
		if !seen[id] {
			t.Errorf("%s missing", id)
		}
	}
	if RFAText("RFA99", "sv") != "" {
		t.Error("unknown id has a text")
	}
	// UserMessage never picks a legacy message.
	legacy := map[string]bool{}
	for _, m := range Messages {
		legacy[m.ID] = m.Legacy
	}
	for _, qr := range []bool{false, true} {
		for _, h := range pendingHints {
			if id := MessageID(Pending, h, nil, qr); legacy[id] {
				t.Errorf("pending %s picks legacy %s", h, id)
			}
		}
		for _, h := range failedHints {
			if id := MessageID(Failed, h, nil, qr); legacy[id] {
				t.Errorf("failed %s picks legacy %s", h, id)
			}
		}
	}
}
