// Command mkfeed turns a directory of packages into a package feed a
// router can add: for the .apk files (OpenWrt 25.12 and later) an index
// packages.adb signed with an apk key, for the .ipk files (24.10 and
// earlier) opkg's Packages and Packages.gz, with Packages.sig when a
// usign key is given. `make feed` (scripts/feed.sh) runs it once per
// architecture directory.
//
//	mkfeed [-apk-key PEM] [-usign-key FILE] [-keys DIR] [-description TEXT] FEEDDIR
//
// -keys writes the public keys an owner installs on the router:
// wghub-apk.pem (for /etc/apk/keys) and wghub-opkg.pub (for opkg-key
// add). Keys are read from the given paths and never written elsewhere.
// The output is reproducible: the same packages and keys give the same
// bytes (apk's ECDSA signature is deterministic, RFC 6979). Exit status 2
// is a usage error, 1 any other.
package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wghub/wghub/apk"
	"github.com/wghub/wghub/internal/usign"
	"github.com/wghub/wghub/ipk"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("mkfeed", flag.ContinueOnError)
	fl.SetOutput(stderr)
	apkKey := fl.String("apk-key", "", "ECDSA P-256 private key (PEM) signing packages.adb; required when the directory holds .apk files")
	usignKey := fl.String("usign-key", "", "usign secret key signing Packages (Packages.sig); none: unsigned")
	keys := fl.String("keys", "", "directory to write the public keys to (wghub-apk.pem, wghub-opkg.pub)")
	desc := fl.String("description", "wghub", "description stored in packages.adb")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: mkfeed [-apk-key PEM] [-usign-key FILE] [-keys DIR] [-description TEXT] FEEDDIR")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fl.NArg() != 1 {
		fl.Usage()
		return 2
	}
	if err := feed(fl.Arg(0), *apkKey, *usignKey, *keys, *desc, stdout); err != nil {
		fmt.Fprintf(stderr, "mkfeed: %v\n", err)
		return 1
	}
	return 0
}

func feed(dir, apkKeyPath, usignKeyPath, keysDir, desc string, stdout io.Writer) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var apks, ipks []string
	for _, e := range entries {
		switch {
		case !e.Type().IsRegular():
		case strings.HasSuffix(e.Name(), ".apk"):
			apks = append(apks, e.Name())
		case strings.HasSuffix(e.Name(), ".ipk"):
			ipks = append(ipks, e.Name())
		}
	}
	slices.Sort(apks)
	slices.Sort(ipks)
	var apkKey *apk.Key
	var sKey *usign.SecretKey
	if apkKeyPath != "" {
		b, err := os.ReadFile(apkKeyPath)
		if err != nil {
			return err
		}
		if apkKey, err = apk.ParseKey(b); err != nil {
			return fmt.Errorf("%s: %w", apkKeyPath, err)
		}
	}
	if usignKeyPath != "" {
		b, err := os.ReadFile(usignKeyPath)
		if err != nil {
			return err
		}
		if sKey, err = usign.ParseSecretKey(b); err != nil {
			return fmt.Errorf("%s: %w", usignKeyPath, err)
		}
	}
	if len(apks) > 0 {
		if apkKey == nil {
			return errors.New("the feed has .apk files: -apk-key is required (apk refuses an unsigned index unless told --allow-untrusted)")
		}
		var files []apk.PackageFile
		for _, n := range apks {
			b, err := os.ReadFile(filepath.Join(dir, n))
			if err != nil {
				return err
			}
			files = append(files, apk.PackageFile{Name: n, Data: b})
		}
		ndx, err := apk.Index(files, desc, apkKey, apk.Gzip)
		if err != nil {
			return err
		}
		if err := write(dir, "packages.adb", ndx, stdout); err != nil {
			return err
		}
	}
	if len(ipks) > 0 {
		var packages bytes.Buffer
		for _, n := range ipks {
			b, err := os.ReadFile(filepath.Join(dir, n))
			if err != nil {
				return err
			}
			e, err := ipk.IndexEntry(n, b)
			if err != nil {
				return fmt.Errorf("%s: %w", n, err)
			}
			packages.WriteString(e)
		}
		if err := write(dir, "Packages", packages.Bytes(), stdout); err != nil {
			return err
		}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		zw.OS = 3 // as `gzip -n` on Unix: no name, no time
		zw.Write(packages.Bytes())
		zw.Close()
		if err := write(dir, "Packages.gz", gz.Bytes(), stdout); err != nil {
			return err
		}
		if sKey != nil {
			if err := write(dir, "Packages.sig", sKey.Sign(packages.Bytes()), stdout); err != nil {
				return err
			}
		}
	}
	if keysDir != "" {
		if err := os.MkdirAll(keysDir, 0o755); err != nil {
			return err
		}
		if apkKey != nil {
			if err := write(keysDir, "wghub-apk.pem", apkKey.PublicPEM(), stdout); err != nil {
				return err
			}
		}
		if sKey != nil {
			if err := write(keysDir, "wghub-opkg.pub", sKey.PublicKey(), stdout); err != nil {
				return err
			}
		}
	}
	return nil
}

// write replaces dir/name atomically and prints its path.
func write(dir, name string, b []byte, stdout io.Writer) error {
	dst := filepath.Join(dir, name)
	tmp := dst + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return err
	}
	fmt.Fprintln(stdout, dst)
	return nil
}
