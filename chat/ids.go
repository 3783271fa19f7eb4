package chat

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
)

// newID returns 128 random bits as 32 hex characters: session and chat ids.
func newID() string {
	var b [16]byte
	rand.Read(b[:]) // crypto/rand.Read never returns an error (Go ≥ 1.24)
	return hex.EncodeToString(b[:])
}

// newToken returns 256 random bits, base64url: resume tokens.
func newToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

var (
	pseudoAdjectives = []string{"Blå", "Grön", "Röd", "Gul", "Lila", "Vit", "Orange", "Rosa", "Grå", "Svart",
		"Glad", "Lugn", "Snabb", "Modig", "Klok", "Varm", "Stilla", "Ljus", "Mjuk", "Stark"}
	pseudoNouns = []string{"räv", "uggla", "björn", "hare", "älg", "lodjur", "bäver", "utter", "igelkott", "ekorre",
		"trana", "svan", "mås", "lärka", "säl", "val", "lax", "gädda", "groda", "fjäril"}
)

func randIndex(n int) int {
	v, _ := rand.Int(rand.Reader, big.NewInt(int64(n)))
	return int(v.Int64())
}

// newPseudonym returns a short random name for the counsellor to call a
// parent by ("Blå räv"), unique among the names in use.
func newPseudonym(inUse func(string) bool) string {
	for range 20 {
		p := pseudoAdjectives[randIndex(len(pseudoAdjectives))] + " " + pseudoNouns[randIndex(len(pseudoNouns))]
		if !inUse(p) {
			return p
		}
	}
	for {
		p := fmt.Sprintf("%s %s %d", pseudoAdjectives[randIndex(len(pseudoAdjectives))],
			pseudoNouns[randIndex(len(pseudoNouns))], 2+randIndex(98))
		if !inUse(p) {
			return p
		}
	}
}
