package uci

import "testing"

// /proc/locks' device field against devIno's form ("%x:%x", no leading
// zeros) and the inode.
func TestLockDevIno(t *testing.T) {
	for _, tc := range []struct {
		in  string
		dev string
		ino uint64
		ok  bool
	}{
		{"08:01:5678", "8:1", 5678, true},
		{"00:1f:123456789012", "0:1f", 123456789012, true},
		{"103:02:7", "103:2", 7, true},
		{"fd:00:1", "fd:0", 1, true},
		{"08:01", "", 0, false},
		{"08:01:x", "", 0, false},
		{"g8:01:1", "", 0, false},
		{"08:01:1:2", "", 0, false},
	} {
		dev, ino, ok := lockDevIno(tc.in)
		if dev != tc.dev || ino != tc.ino || ok != tc.ok {
			t.Errorf("lockDevIno(%q) = %q, %d, %v; want %q, %d, %v", tc.in, dev, ino, ok, tc.dev, tc.ino, tc.ok)
		}
	}
}
