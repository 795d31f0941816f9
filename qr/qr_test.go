package qr

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// decode reads a PNG back with the real decoder, zbarimg (zbar-tools).
func decode(t *testing.T, img []byte) string {
	t.Helper()
	if _, err := exec.LookPath("zbarimg"); err != nil {
		t.Fatal("zbarimg not found: apt-get install zbar-tools")
	}
	p := filepath.Join(t.TempDir(), "c.png")
	if err := os.WriteFile(p, img, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("zbarimg", "--raw", "-q", "-Sbinary", p).Output()
	if err != nil {
		t.Fatalf("zbarimg could not read the code: %v", err)
	}
	return string(out)
}

const clientConfig = `# wghub client "laptop" for hub wg0
[Interface]
PrivateKey = MBWRNTUZRSZJQlQSqYvLpw2oUbLqXFMaHBDRy4xA/0w=
Address = 192.168.100.2/32, fd42:4242:4242::2/128
DNS = 192.168.1.1

# Name = wghub hub wg0
[Peer]
PublicKey = wqz/TNtL+3rdSxOgpNJ5HhMQxL3CL9AEJ5cVZrdnBl4=
PresharedKey = JnuRW1gkRVEuJcDWOWSpMmhvpsYEpyWXCHJUhMAWAdQ=
AllowedIPs = 192.168.100.0/24, fd42:4242:4242::/64, 192.168.1.0/24
Endpoint = vpn.example.org:51820
PersistentKeepalive = 25
`

func TestDecodesWithZbar(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		level Level
	}{
		{"short", "hello", M},
		{"client config M", clientConfig, M},
		{"client config L", clientConfig, L},
		{"client config Q", clientConfig, Q},
		{"client config H", clientConfig, H},
		{"version 7 (version info)", strings.Repeat("x", 120), M},
		{"binary-ish", "\x01\x02\xff tabs\tand ünïcode", L},
		{"large", strings.Repeat("0123456789abcdef", 100), L},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Encode([]byte(tt.data), tt.level)
			if err != nil {
				t.Fatal(err)
			}
			got := decode(t, c.PNG(4))
			if got != tt.data {
				t.Fatalf("version %d: decoded %q, want %q", c.Version, got, tt.data)
			}
		})
	}
}

// TestEveryVersion walks all 40 versions at each level, filling each to
// capacity, and reads them back.
func TestEveryVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	for l := L; l <= H; l++ {
		for v := 1; v <= 40; v += 3 {
			count := 8
			if v >= 10 {
				count = 16
			}
			n := (8*dataCodewords(v, l) - 4 - count) / 8
			data := []byte(strings.Repeat("wghub-", n/6+1)[:n])
			c, err := Encode(data, l)
			if err != nil {
				t.Fatal(err)
			}
			if c.Version != v {
				t.Fatalf("%v: %d bytes took version %d, want %d", l, n, c.Version, v)
			}
			if got := decode(t, c.PNG(3)); got != string(data) {
				t.Fatalf("%v version %d: decoded wrong data", l, v)
			}
		}
	}
}

func TestTooLong(t *testing.T) {
	_, err := Encode(make([]byte, 3000), M)
	if err == nil || !strings.Contains(err.Error(), "data too long: 3000 bytes for level M") {
		t.Fatalf("got %v", err)
	}
}

func TestRenderers(t *testing.T) {
	c, err := Encode([]byte(clientConfig), M)
	if err != nil {
		t.Fatal(err)
	}
	n := c.Size + 8
	img, err := png.Decode(bytes.NewReader(c.PNG(5)))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != n*5 || b.Dy() != n*5 {
		t.Errorf("PNG is %v, want %d square", b, n*5)
	}
	var svg struct {
		Width   string `xml:"width,attr"`
		ViewBox string `xml:"viewBox,attr"`
	}
	if err := xml.Unmarshal(c.SVG(4), &svg); err != nil {
		t.Fatal(err)
	}
	if svg.Width != fmt.Sprint(n*4) || svg.ViewBox != fmt.Sprintf("0 0 %d %d", n, n) {
		t.Errorf("svg %+v", svg)
	}
	lines := strings.Split(strings.TrimSuffix(c.Terminal(), "\n"), "\n")
	if len(lines) != (n+1)/2 || len([]rune(lines[0])) != n {
		t.Errorf("terminal: %d lines of %d", len(lines), len([]rune(lines[0])))
	}
}

func FuzzEncode(f *testing.F) {
	f.Add([]byte(clientConfig), 1)
	f.Fuzz(func(t *testing.T, data []byte, level int) {
		c, err := Encode(data, Level(level&3))
		if err != nil {
			return
		}
		if c.Size != 4*c.Version+17 || len(c.dark) != c.Size*c.Size {
			t.Fatalf("size %d version %d", c.Size, c.Version)
		}
	})
}

func BenchmarkEncodeClientConfig(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Encode([]byte(clientConfig), M)
	}
}
