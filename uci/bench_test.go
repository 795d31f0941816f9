package uci

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BigFirewall is a firewall config with n rule sections, for benchmarks.
func BigFirewall(n int) []byte {
	var b strings.Builder
	b.WriteString("\nconfig defaults\n\toption input 'REJECT'\n\toption output 'ACCEPT'\n\toption forward 'REJECT'\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "\nconfig rule\n\toption name 'Rule-%d'\n\toption src 'wan'\n\toption proto 'tcp'\n\toption dest_port '%d'\n\toption target 'ACCEPT'\n", i, 1000+i)
	}
	return []byte(b.String())
}

func BenchmarkParse1000(b *testing.B) {
	data := BigFirewall(1000)
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		if _, err := Parse("firewall", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadEditCommit1000: lock, load, change one option, add a
// section, commit (fsync and rename) a 1000-section firewall.
func BenchmarkLoadEditCommit1000(b *testing.B) {
	dir := b.TempDir()
	os.WriteFile(filepath.Join(dir, "firewall"), BigFirewall(1000), 0o644)
	tr := &Tree{Dir: dir}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, err := tr.Update([]string{"firewall"}, func(m map[string]*Config) error {
			c := m["firewall"]
			if err := c.Section("@rule[500]").Set("target", fmt.Sprint("T", i)); err != nil {
				return err
			}
			if s := c.Section("bench"); s != nil {
				c.Delete(s)
			} else if _, err := c.Add("rule", "bench"); err != nil {
				return err
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
