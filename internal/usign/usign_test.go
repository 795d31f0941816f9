package usign_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wghub/wghub/internal/userland"
	"github.com/wghub/wghub/internal/usign"
)

// TestAgainstUsign checks, against OpenWrt's usign: a key it generates
// parses, the public key file written from it is usign's, and a
// signature is byte-identical to `usign -S`'s (Ed25519 is deterministic)
// and verifies with `usign -V`.
func TestAgainstUsign(t *testing.T) {
	bin := userland.Bin(t, "usign")
	dir := t.TempDir()
	sec, pub := filepath.Join(dir, "k.sec"), filepath.Join(dir, "k.pub")
	if out, err := exec.Command(bin, "-G", "-s", sec, "-p", pub).CombinedOutput(); err != nil {
		t.Fatalf("usign -G: %v\n%s", err, out)
	}
	secText, _ := os.ReadFile(sec)
	k, err := usign.ParseSecretKey(secText)
	if err != nil {
		t.Fatal(err)
	}
	pubText, _ := os.ReadFile(pub)
	if got := k.PublicKey(); !bytes.Equal(got, pubText) {
		t.Errorf("public key:\n%s\nusign's:\n%s", got, pubText)
	}
	fp, _ := exec.Command(bin, "-F", "-p", pub).Output()
	if k.Fingerprint() != strings.TrimSpace(string(fp)) {
		t.Errorf("fingerprint %s, usign %s", k.Fingerprint(), fp)
	}
	msg := filepath.Join(dir, "Packages")
	os.WriteFile(msg, []byte("Package: wghub\nVersion: 1.0-r1\n\n"), 0o644)
	if out, err := exec.Command(bin, "-S", "-m", msg, "-s", sec, "-x", msg+".ref").CombinedOutput(); err != nil {
		t.Fatalf("usign -S: %v\n%s", err, out)
	}
	ref, _ := os.ReadFile(msg + ".ref")
	m, _ := os.ReadFile(msg)
	sig := k.Sign(m)
	if !bytes.Equal(sig, ref) {
		t.Errorf("signature:\n%s\nusign -S:\n%s", sig, ref)
	}
	os.WriteFile(msg+".sig", sig, 0o644)
	if out, err := exec.Command(bin, "-V", "-m", msg, "-p", pub).CombinedOutput(); err != nil {
		t.Errorf("usign -V: %v\n%s", err, out)
	}
	os.WriteFile(msg, []byte("Package: evil\n"), 0o644)
	if err := exec.Command(bin, "-V", "-q", "-m", msg, "-p", pub).Run(); err == nil {
		t.Error("usign -V accepts the signature for other contents")
	}
}

func TestParseErrors(t *testing.T) {
	raw := make([]byte, 104)
	copy(raw, "EdBK")
	raw[7] = 1 // KDF rounds: password-protected
	for name, b := range map[string]string{
		"empty":      "",
		"no comment": "RWQ=\n",
		"short":      "untrusted comment: x\nRWQ=\n",
		"password":   "untrusted comment: x\n" + base64.StdEncoding.EncodeToString(raw) + "\n",
		"checksum":   "untrusted comment: x\n" + base64.StdEncoding.EncodeToString(append([]byte("EdBK"), make([]byte, 100)...)) + "\n",
	} {
		if _, err := usign.ParseSecretKey([]byte(b)); !errors.Is(err, usign.ErrKey) {
			t.Errorf("%s: %v, want ErrKey", name, err)
		}
	}
}
