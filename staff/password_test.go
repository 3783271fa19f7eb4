package staff

import (
	"crypto/rand"
	"encoding/base64"
	"regexp"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/argon2"
)

func TestHashFormatAndVerify(t *testing.T) {
	h, err := hashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !re.MatchString(h) {
		t.Fatalf("hash %q is not the expected PHC string", h)
	}
	if strings.Contains(h, "correct horse") {
		t.Fatal("hash contains the password")
	}
	if ok, err := verifyPassword(h, "correct horse battery"); err != nil || !ok {
		t.Fatalf("verify right password = %v, %v", ok, err)
	}
	if ok, err := verifyPassword(h, "correct horse batterY"); err != nil || ok {
		t.Fatalf("verify wrong password = %v, %v", ok, err)
	}
}

// A hash stored with other (e.g. older, cheaper) parameters still verifies,
// because the parameters are read from the string.
func TestVerifyOtherParams(t *testing.T) {
	salt := make([]byte, 24)
	rand.Read(salt)
	p := argon2Params{Memory: 8192, Time: 1, Threads: 2}
	key := argon2.IDKey([]byte("another password"), salt, p.Time, p.Memory, p.Threads, 16)
	h := formatPHC(p, salt, key)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=8192,t=1,p=2$") {
		t.Fatalf("unexpected %q", h)
	}
	if ok, err := verifyPassword(h, "another password"); err != nil || !ok {
		t.Fatalf("verify = %v, %v", ok, err)
	}
	if ok, _ := verifyPassword(h, "another passwork"); ok {
		t.Fatal("wrong password verified")
	}
}

func TestParsePHCRejects(t *testing.T) {
	b64 := base64.RawStdEncoding.EncodeToString
	salt, key := b64(make([]byte, 16)), b64(make([]byte, 32))
	bad := []string{
		"",
		"plaintext",
		"$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=4194304,t=2,p=1$" + salt + "$" + key, // 4 GiB
		"$argon2id$v=19$m=19456,t=1000,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2,p=255$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1,x=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,m=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=-1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1$" + b64(make([]byte, 4)) + "$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + b64(make([]byte, 8)),
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "==$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "$",
	}
	for _, h := range bad {
		if _, _, _, err := parsePHC(h); err == nil {
			t.Errorf("parsePHC(%q) accepted", h)
		}
		if ok, err := verifyPassword(h, "whatever password"); ok || err == nil {
			t.Errorf("verifyPassword(%q) = %v, %v", h, ok, err)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	for _, pw := range []string{"", "short", "123456789", "åäöåäöåäö"} {
		if checkPassword(pw) == nil {
			t.Errorf("password %q accepted", pw)
		}
	}
	if checkPassword(strings.Repeat("x", 1025)) == nil {
		t.Error("1025-byte password accepted")
	}
	for _, pw := range []string{"1234567890", "åäöåäöåäöå", strings.Repeat("x", 1024)} {
		if err := checkPassword(pw); err != nil {
			t.Errorf("password of %d bytes refused: %v", len(pw), err)
		}
	}
	if err := checkPassword("hunter2"); err != nil && strings.Contains(err.Error(), "hunter2") {
		t.Error("error message repeats the password")
	}
}

func TestHashSlotsBound(t *testing.T) {
	if cap(hashSlots) != 2 {
		t.Fatalf("hash semaphore allows %d", cap(hashSlots))
	}
	// Cheap hashes in parallel go through the semaphore without deadlock
	// and leave it empty.
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			idKey([]byte("pw"), make([]byte, 16), argon2Params{Memory: 64, Time: 1, Threads: 1}, 16)
		}()
	}
	wg.Wait()
	if len(hashSlots) != 0 {
		t.Fatalf("%d hash slots still held", len(hashSlots))
	}
}
