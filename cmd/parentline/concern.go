package main

import (
	"context"
	"crypto/ecdh"
	"fmt"
	"os"
	"strings"
	"time"

	"parentline/chat"
	"parentline/consent"
	"parentline/mail"
)

// newMailer gives the SMTP sender when one is configured, else the
// development outbox (shown to admins at /dev/outbox).
func (s *Server) newMailer() (mail.Mailer, *mail.Outbox, error) {
	if s.cfg.SMTPAddr == "" {
		ob := mail.NewOutbox(s.log)
		return ob, ob, nil
	}
	password := ""
	if s.cfg.SMTPPasswordFile != "" {
		b, err := os.ReadFile(s.cfg.SMTPPasswordFile)
		if err != nil {
			return nil, nil, fmt.Errorf("reading --smtp-password-file: %w", err)
		}
		password = strings.TrimRight(string(b), "\r\n")
	}
	m, err := mail.NewSMTP(mail.SMTPConfig{Addr: s.cfg.SMTPAddr, Username: s.cfg.SMTPUser, Password: password,
		From: s.cfg.MailFrom, TLS: s.cfg.SMTPTLS})
	if err != nil {
		return nil, nil, err
	}
	return m, nil, nil
}

// newConcern builds the concern path: cases sealed to the intake keys,
// with notifications by mail and to the counsellor's console.
func (s *Server) newConcern(mailer mail.Mailer) (*consent.Service, error) {
	keys := make([]*ecdh.PublicKey, 0, len(s.cfg.IntakeKeys))
	for _, path := range s.cfg.IntakeKeys {
		k, err := consent.LoadPublicKey(path)
		if err != nil {
			return nil, fmt.Errorf("--intake-key %s: %w", path, err)
		}
		keys = append(keys, k)
	}
	emergency := []consent.EmergencyContact{}
	if s.cfg.Socialjour != "" {
		emergency = append(emergency, consent.EmergencyContact{
			Label: map[string]string{"sv": "Socialjouren (kvällar och helger)", "en": "Social services emergency line (evenings and weekends)"},
			Value: s.cfg.Socialjour})
	}
	svc, err := consent.NewService(consent.Options{
		DB: s.db, Recipients: keys, Unit: s.cfg.SocialServices, UnitPhone: s.cfg.SocialPhone,
		RetentionDays: s.cfg.CaseRetentionDays, Log: s.log, Emergency: emergency,
		Notify: func(reference string) { s.notifyIntake(mailer, reference) },
		OnStatus: func(raisedBy, reference, status string) {
			s.chat.NotifyStaff(raisedBy, caseStatusFrame{Type: "case_status", Reference: reference, Status: status})
		},
		OnReportDecided: func(author, id, outcome, reference string) {
			s.chat.NotifyStaff(author, reportDecidedFrame{Type: "report_decided", ID: id, Outcome: outcome, Reference: reference})
		},
	})
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		s.log.Warn().Msg("no --intake-key given: consent requests and reports cannot be sealed, so they are refused")
	}
	return svc, nil
}

type (
	caseStatusFrame struct {
		Type      string `json:"type"`
		Reference string `json:"reference"`
		Status    string `json:"status"`
	}
	reportDecidedFrame struct {
		Type      string `json:"type"`
		ID        string `json:"id"`
		Outcome   string `json:"outcome"`
		Reference string `json:"reference,omitempty"`
	}
)

// notifyIntake mails the intake mailbox that a case exists: its reference,
// nothing else. It runs in the background; a failure is logged.
func (s *Server) notifyIntake(mailer mail.Mailer, reference string) {
	if s.cfg.IntakeMailbox == "" {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		err := mailer.Send(ctx, mail.Message{
			To:      []string{s.cfg.IntakeMailbox},
			Subject: "Nytt ärende i Parentline: " + reference,
			Text: "Ett nytt ärende har kommit in till " + s.cfg.SocialServices + ".\n\n" +
				"Referens: " + reference + "\n\n" +
				"Öppna det i Parentlines mottagningsvy (/intake/) med din nyckelfil. " +
				"Det här meddelandet innehåller inga uppgifter om ärendet.\n",
		})
		if err != nil {
			s.log.Error().Err(err).Str("reference", reference).Msg("notifying the intake mailbox")
		}
	}()
}

// escalator adapts the consent service to the chat service.
type escalator struct{ svc *consent.Service }

func (e escalator) ConsentRequest(lang string) chat.ConsentRequest {
	p := e.svc.ConsentPrompt(lang)
	return chat.ConsentRequest{Text: p.Text, Version: p.Version, SharedWith: p.SharedWith, RetentionDays: p.RetentionDays}
}

func (e escalator) Consent(c chat.ConsentGiven) (string, string, error) {
	d := consent.Details{Name: c.Details["name"], Contact: c.Details["contact"], Personnummer: c.Details["personnummer"],
		Child: c.Details["child"], Help: c.Details["help"]}
	ref, code, err := e.svc.CreateConsented(d, c.Summary,
		consent.ConsentRecord{Text: c.Text, Version: c.Version, Lang: c.Lang, AcceptedAt: c.AcceptedAt}, c.RaisedBy)
	if err != nil {
		return "", "", userError(consent.UserMessage(err, c.Lang))
	}
	return ref, code, nil
}

// userError is an error whose text is already fit to show.
type userError string

func (e userError) Error() string { return string(e) }
