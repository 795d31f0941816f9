package uci

import "testing"

// TestParseCopiesInput: Parse keeps no reference to the caller's bytes,
// which the caller may reuse (spans are parsed again from the bytes when a
// section is read later).
func TestParseCopiesInput(t *testing.T) {
	buf := []byte("config interface 'lan'\n\toption proto 'static'\n\toption ipaddr '192.168.1.1'\n")
	c, err := Parse("network", buf)
	if err != nil {
		t.Fatal(err)
	}
	for i := range buf {
		buf[i] = '#'
	}
	s := c.Section("lan")
	if s == nil {
		t.Fatal("no section lan")
	}
	if v, _ := s.Get("ipaddr"); v != "192.168.1.1" {
		t.Errorf("ipaddr = %q after the caller reused its buffer", v)
	}
	if got := string(c.Bytes()); got[:6] != "config" {
		t.Errorf("Bytes changed with the caller's buffer: %q", got)
	}
}
