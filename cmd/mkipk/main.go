// Command mkipk packs one OpenWrt package from a spec file (see
// ipk.ParseSpec), reproducibly: the same spec, sources and epoch give the
// same bytes. With -format ipk (the default) it writes an .ipk for opkg
// (OpenWrt 24.10 and earlier), with -format apk an .apk for apk-tools v3
// (25.12 and later; package apk). `make ipk` and `make apk`
// (scripts/ipk.sh) run it for wghub on each target and for
// luci-app-wghub; OpenWrt's SDK builds the same packages from
// openwrt/wghub/Makefile instead.
//
//	mkipk [-format ipk|apk] [-C DIR] [-o OUTDIR] [-epoch SECONDS] [-var NAME=VALUE]... SPEC
//
// It prints the path of the package it wrote. The epoch defaults to
// $SOURCE_DATE_EPOCH; one of them is required. Exit status 2 is a usage
// error, 1 any other.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/wghub/wghub/apk"
	"github.com/wghub/wghub/ipk"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type varFlag map[string]string

func (v varFlag) String() string { return "" }

func (v varFlag) Set(s string) error {
	k, val, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", s)
	}
	v[k] = val
	return nil
}

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("mkipk", flag.ContinueOnError)
	fl.SetOutput(stderr)
	format := fl.String("format", "ipk", "package format: ipk (opkg) or apk (apk-tools v3)")
	dir := fl.String("C", ".", "directory the spec's source paths are relative to")
	out := fl.String("o", "dist", "output directory")
	epochFlag := fl.String("epoch", os.Getenv("SOURCE_DATE_EPOCH"), "mtime of every entry, in seconds since 1970 (default $SOURCE_DATE_EPOCH)")
	vars := varFlag{}
	fl.Var(vars, "var", "NAME=VALUE for ${NAME} in the spec (repeatable)")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: mkipk [-format ipk|apk] [-C DIR] [-o OUTDIR] [-epoch SECONDS] [-var NAME=VALUE]... SPEC")
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
	if *format != "ipk" && *format != "apk" {
		fmt.Fprintf(stderr, "mkipk: format %q: want ipk or apk\n", *format)
		return 2
	}
	epoch, err := strconv.ParseInt(*epochFlag, 10, 64)
	if err != nil || epoch < 0 {
		fmt.Fprintf(stderr, "mkipk: epoch %q: want seconds since 1970 (-epoch or SOURCE_DATE_EPOCH)\n", *epochFlag)
		return 2
	}
	path, err := build(*format, fl.Arg(0), *dir, *out, epoch, vars)
	if err != nil {
		fmt.Fprintf(stderr, "mkipk: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, path)
	return 0
}

func build(format, spec, dir, out string, epoch int64, vars map[string]string) (string, error) {
	src, err := os.ReadFile(spec)
	if err != nil {
		return "", err
	}
	p, err := ipk.ParseSpec(src, vars, dir)
	if err != nil {
		return "", fmt.Errorf("%s: %w", spec, err)
	}
	p.Epoch = epoch
	b, name := []byte(nil), ""
	if format == "apk" {
		b, err = apk.Build(p, apk.Gzip)
		name = apk.FileName(p)
	} else {
		b, err = p.Build()
		name = p.FileName()
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", spec, err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", err
	}
	dst := filepath.Join(out, name)
	tmp := dst + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return "", err
	}
	return dst, nil
}
