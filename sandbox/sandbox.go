// Package sandbox holds the /etc/config of a stock OpenWrt router (lan,
// wan, the default firewall zones and rules), written from OpenWrt's
// documented defaults, that the demo and the tests run wghub against.
package sandbox

import (
	"embed"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed etc/config
var tree embed.FS

// Copy writes the stock config files into dir (mode 0600, as wghub's own
// file is on a router) and returns dir.
func Copy(dir string) (string, error) {
	files, err := fs.ReadDir(tree, "etc/config")
	if err != nil {
		return "", err
	}
	for _, f := range files {
		b, err := tree.ReadFile("etc/config/" + f.Name())
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name()), b, 0o600); err != nil {
			return "", err
		}
	}
	return dir, nil
}
