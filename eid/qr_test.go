package eid

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"rsc.io/qr"
)

// The test vector from BankID's animated-QR documentation (npm
// bankid-qrcode's README; t=1 computed independently).
func TestFallbackQRData_Vector(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	st := Started{QRStartToken: "67df3917-fa0d-44e5-b327-edcc928297f8", QRStartSecret: "d28db9a7-4cde-429e-a983-359be676944c", At: at}
	if got, want := fallbackQRData(st, at.Add(999*time.Millisecond)),
		"bankid.67df3917-fa0d-44e5-b327-edcc928297f8.0.dc69358e712458a66a7525beef148ae8526b1c71610eff2c16cdffb4cdac9bf8"; got != want {
		t.Fatalf("t=0: %s", got)
	}
	if got, want := fallbackQRData(st, at.Add(time.Second)),
		"bankid.67df3917-fa0d-44e5-b327-edcc928297f8.1.949d559bf23403952a94d103e67743126381eda00f0b3cbddbf7c96b1adcbce2"; got != want {
		t.Fatalf("t=1: %s", got)
	}
	if got := qrSecond(st, at.Add(-time.Second)); got != 0 {
		t.Fatalf("before start: t=%d", got)
	}
}

func TestQRSVG_Modules(t *testing.T) {
	data := "bankid.67df3917-fa0d-44e5-b327-edcc928297f8.0.dc69358e712458a66a7525beef148ae8526b1c71610eff2c16cdffb4cdac9bf8"
	svg, err := QRSVG(data)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := qr.Encode(data, qr.M)
	n := code.Size + 8
	if !strings.Contains(string(svg), `viewBox="0 0 `+itoa(n)+" "+itoa(n)+`"`) {
		t.Fatalf("viewBox does not match %d modules + quiet zone: %.120s", code.Size, svg)
	}
	// Count the black modules drawn against the code's own.
	black := 0
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; x++ {
			if code.Black(x, y) {
				black++
			}
		}
	}
	drawn := 0
	for _, part := range strings.Split(string(svg), "M")[1:] {
		var x, y, w int
		if _, err := fmtSscanf(part, &x, &y, &w); err != nil {
			t.Fatalf("path part %q: %v", part, err)
		}
		drawn += w
	}
	if drawn != black {
		t.Fatalf("%d modules drawn, code has %d", drawn, black)
	}
	if strings.Contains(string(svg), "bankid") {
		t.Fatal("the data appears as text in the SVG")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func fmtSscanf(s string, x, y, w *int) (int, error) { return fmt.Sscanf(s, "%d %dh%d", x, y, w) }
