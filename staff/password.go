package staff

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// argon2Params are the cost parameters of one argon2id hash.
type argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// hashParams are used for new hashes: OWASP's argon2id recommendation
// (19 MiB, 2 passes, 1 lane).
var hashParams = argon2Params{Memory: 19456, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32

	minPasswordChars = 10
	maxPasswordBytes = 1024
)

// Bounds on parameters read from a stored hash. Anything outside them is
// treated as corrupt rather than spent on: a stored "m=4194304" would
// otherwise allocate 4 GiB per login.
const (
	minMemory, maxMemory   = 8, 256 * 1024 // KiB
	minTime, maxTime       = 1, 16
	minThreads, maxThreads = 1, 16
	minSalt, maxSalt       = 8, 64
	minKey, maxKey         = 16, 64
)

// hashSlots limits concurrent hash computations; each holds its memory cost
// (about 19 MiB with hashParams) until it finishes.
var hashSlots = make(chan struct{}, 2)

// hashRuns counts argon2 computations (tests use it to see that a refused
// login did no hashing).
var hashRuns atomic.Int64

// idKey runs argon2id while holding one of the hashSlots.
func idKey(password, salt []byte, p argon2Params, n uint32) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	hashRuns.Add(1)
	return argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, n)
}

// checkPassword enforces the password policy for new passwords.
func checkPassword(password string) error {
	if len(password) > maxPasswordBytes {
		return fmt.Errorf("password is too long: at most %d bytes", maxPasswordBytes)
	}
	if utf8.RuneCountInString(password) < minPasswordChars {
		return fmt.Errorf("password is too short: at least %d characters", minPasswordChars)
	}
	return nil
}

// hashPassword returns a PHC string
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" for password.
func hashPassword(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("reading random salt: %w", err)
	}
	key := idKey([]byte(password), salt, hashParams, keyLen)
	return formatPHC(hashParams, salt, key), nil
}

// formatPHC encodes an argon2id hash as a PHC string (raw standard base64).
func formatPHC(p argon2Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

var errBadHash = errors.New("stored password hash is not a usable argon2id PHC string")

// parsePHC decodes a PHC string made by formatPHC, refusing other
// algorithms, versions and parameters outside sane bounds.
func parsePHC(phc string) (argon2Params, []byte, []byte, error) {
	var p argon2Params
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, errBadHash
	}
	seen := map[string]bool{}
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || seen[k] {
			return p, nil, nil, errBadHash
		}
		seen[k] = true
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, errBadHash
		}
		switch k {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > maxThreads {
				return p, nil, nil, errBadHash
			}
			p.Threads = uint8(n)
		default:
			return p, nil, nil, errBadHash
		}
	}
	if len(seen) != 3 ||
		p.Memory < minMemory || p.Memory > maxMemory || p.Memory < 8*uint32(p.Threads) ||
		p.Time < minTime || p.Time > maxTime ||
		p.Threads < minThreads || p.Threads > maxThreads {
		return p, nil, nil, errBadHash
	}
	salt, err := base64.RawStdEncoding.Strict().DecodeString(parts[4])
	if err != nil || len(salt) < minSalt || len(salt) > maxSalt {
		return p, nil, nil, errBadHash
	}
	key, err := base64.RawStdEncoding.Strict().DecodeString(parts[5])
	if err != nil || len(key) < minKey || len(key) > maxKey {
		return p, nil, nil, errBadHash
	}
	return p, salt, key, nil
}

// verifyPassword reports whether password matches the PHC string, using the
// parameters stored in it. The error is non-nil only for an unusable hash.
func verifyPassword(phc, password string) (bool, error) {
	p, salt, want, err := parsePHC(phc)
	if err != nil {
		return false, err
	}
	got := idKey([]byte(password), salt, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is a hash of a random password, verified against when a login
// names an unknown user so that the answer takes as long as for a known one.
var dummyHash = sync.OnceValue(func() string {
	pw := make([]byte, 24)
	_, _ = rand.Read(pw)
	h, err := hashPassword(base64.RawStdEncoding.EncodeToString(pw))
	if err != nil {
		// Not reachable: crypto/rand does not fail on supported platforms.
		// A fixed well-formed hash still costs the same to verify.
		return formatPHC(hashParams, make([]byte, saltLen), make([]byte, keyLen))
	}
	return h
})
