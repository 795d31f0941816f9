package apk

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/wghub/wghub/ipk"
)

// Field numbers of the package schemas (apk_adb.h).
const (
	piName          = 1
	piVersion       = 2
	piHashes        = 3
	piDescription   = 4
	piArch          = 5
	piLicense       = 6
	piOrigin        = 7
	piMaintainer    = 8
	piURL           = 9
	piInstalledSize = 12
	piFileSize      = 13
	piDepends       = 15
	piMax           = 22

	aclMode  = 1
	aclUser  = 2
	aclGroup = 3

	fiName   = 1
	fiACL    = 2
	fiSize   = 3
	fiMtime  = 4
	fiHashes = 5
	fiTarget = 6

	diName  = 1
	diACL   = 2
	diFiles = 3

	scriptPostInstall  = 3
	scriptPreDeinstall = 4
	scriptPostUpgrade  = 7

	pkgInfo    = 1
	pkgPaths   = 2
	pkgScripts = 3

	depName = 1

	sIFREG = 0o100000
	sIFLNK = 0o120000
)

// versionRE is apk-tools' version grammar (version.c):
// digits{.digits}[letter]{_suffix[N]}[~hexhash][-rN].
// nameRE is a package name apk accepts (apk_ctype.c, first character
// alphanumeric) and opkg too.
var nameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.+-]*$`)

var versionRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*[a-z]?(_(alpha|beta|pre|rc|cvs|svn|git|hg|p)[0-9]*)*(~[0-9a-f]+)?(-r[0-9]+)?$`)

// ValidVersion reports whether apk accepts v as a package version.
func ValidVersion(v string) bool { return versionRE.MatchString(v) }

// FileName is the package's file name as OpenWrt and apk's default
// package name spec give it: NAME-VERSION.apk.
func FileName(p *ipk.Package) string { return p.Name + "-" + p.Version + ".apk" }

// Arch maps an opkg architecture to apk's: "all" is "noarch" (apk does
// not install "all").
func Arch(a string) string {
	if a == "all" {
		return "noarch"
	}
	return a
}

// Scripts returns the post-install, post-upgrade and pre-deinstall
// scripts package-pack.mk writes for p: OpenWrt's default_postinst and
// default_prerm from /lib/functions.sh, then p's own postinst-pkg and
// prerm-pkg without their #! lines.
func Scripts(p *ipk.Package) (postInstall, postUpgrade, preDeinstall string) {
	postInstall = "#!/bin/sh\n" +
		`[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0` + "\n" +
		"[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n" +
		". ${IPKG_INSTROOT}/lib/functions.sh\n" +
		`export root="${IPKG_INSTROOT}"` + "\n" +
		`export pkgname="` + p.Name + `"` + "\n" +
		"add_group_and_user\n" +
		"default_postinst\n" +
		noShebang(p.PostinstPkg)
	postUpgrade = "#!/bin/sh\nexport PKG_UPGRADE=1\n" + noShebang(postInstall)
	preDeinstall = "#!/bin/sh\n" +
		"[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n" +
		". ${IPKG_INSTROOT}/lib/functions.sh\n" +
		`export root="${IPKG_INSTROOT}"` + "\n" +
		`export pkgname="` + p.Name + `"` + "\n" +
		"default_prerm\n" +
		noShebang(p.PrermPkg)
	return
}

// noShebang drops the lines that start (after blanks) with "#!", as
// package-pack.mk's `sed '/^\s*#!/d'` does.
func noShebang(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" && !strings.HasPrefix(strings.TrimLeft(l, " \t"), "#!") {
			b.WriteString(l)
		}
	}
	return b.String()
}

// Depends is p's dependencies as apk's depends field: package-pack.mk
// strips the spaces and parentheses of "name (>= 1.0)".
func Depends(p *ipk.Package) []string {
	var out []string
	for _, d := range p.Depends {
		out = append(out, strings.NewReplacer(" ", "", "(", "", ")", "").Replace(d))
	}
	return out
}

// Description is p's description on one line, as package-pack.mk passes
// it to apk mkpkg (make's $(strip) collapses all whitespace).
func Description(p *ipk.Package) string { return strings.Join(strings.Fields(p.Description), " ") }

// Files is p's data as apk packs it: p's files plus what package-pack.mk
// adds under /lib/apk/packages: NAME.list (every file and link, sorted),
// NAME.conffiles (p's conffiles) and NAME.conffiles_static (each with its
// SHA-256).
func Files(p *ipk.Package) []ipk.File {
	files := slices.Clone(p.Files)
	var list []string
	for _, f := range p.Files {
		list = append(list, f.Path)
	}
	slices.Sort(list)
	dir := "/lib/apk/packages/" + p.Name
	files = append(files, ipk.File{Path: dir + ".list", Mode: 0o644, Data: []byte(strings.Join(list, "\n") + "\n")})
	if len(p.Conffiles) > 0 {
		var static strings.Builder
		for _, c := range p.Conffiles {
			i := slices.IndexFunc(p.Files, func(f ipk.File) bool { return f.Path == c })
			sum := sha256.Sum256(p.Files[i].Data)
			static.WriteString(c + " " + hex.EncodeToString(sum[:]) + "\n")
		}
		files = append(files,
			ipk.File{Path: dir + ".conffiles", Mode: 0o644, Data: []byte(strings.Join(p.Conffiles, "\n") + "\n")},
			ipk.File{Path: dir + ".conffiles_static", Mode: 0o644, Data: []byte(static.String())})
	}
	return files
}

// Build returns p as an .apk file, compressed by z. p is the package `make ipk` packs
// (ipk.ParseSpec); its version must also be valid for apk.
func Build(p *ipk.Package, z Compressor) ([]byte, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if !ValidVersion(p.Version) {
		return nil, fmt.Errorf("apk: %s: version %q: not valid for apk (digits{.digits}[letter]{_suffix[N]}[~hash][-rN])", p.Name, p.Version)
	}
	files := Files(p)
	for _, f := range files[len(p.Files):] {
		if slices.ContainsFunc(p.Files, func(g ipk.File) bool { return g.Path == f.Path }) {
			return nil, fmt.Errorf("apk: %s: %s is generated by the apk packer", p.Name, f.Path)
		}
	}
	post, upgrade, deinstall := Scripts(p)
	return pack(p, files, [8]string{scriptPostInstall: post, scriptPreDeinstall: deinstall, scriptPostUpgrade: upgrade}, z)
}

// dirNode is one directory of the package with its direct entries.
type dirNode struct {
	name  string // relative to the root, "" for the root itself
	files []*ipk.File
}

// tree groups files by directory, adding every parent directory, in the
// order apk mkpkg walks them: the root, then directories by name.
func tree(files []ipk.File) []*dirNode {
	dirs := map[string]*dirNode{"": {}}
	var add func(d string) *dirNode
	add = func(d string) *dirNode {
		if n := dirs[d]; n != nil {
			return n
		}
		if parent := path.Dir(d); parent != "." {
			add(parent)
		}
		n := &dirNode{name: d}
		dirs[d] = n
		return n
	}
	for i := range files {
		f := &files[i]
		rel := f.Path[1:]
		d := path.Dir(rel)
		if d == "." {
			d = ""
		}
		n := add(d)
		n.files = append(n.files, f)
	}
	out := make([]*dirNode, 0, len(dirs))
	for _, n := range dirs {
		slices.SortFunc(n.files, func(a, b *ipk.File) int { return strings.Compare(path.Base(a.Path), path.Base(b.Path)) })
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b *dirNode) int { return strings.Compare(a.name, b.name) })
	return out
}

// pack writes the package ADB and its data blocks, in the order apk
// mkpkg writes them (app_mkpkg.c).
func pack(p *ipk.Package, files []ipk.File, scripts [8]string, z Compressor) ([]byte, error) {
	w := newWriter()
	var info [piMax]uint32
	info[piName] = w.str(p.Name)
	info[piVersion] = w.str(p.Version)
	info[piDescription] = w.str(Description(p))
	info[piArch] = w.str(Arch(p.Architecture))
	info[piLicense] = w.str(p.License)
	info[piOrigin] = w.str(p.Source)
	info[piMaintainer] = w.str(p.Maintainer)
	info[piURL] = w.str(p.URL)
	deps, err := dependencies(w, Depends(p))
	if err != nil {
		return nil, fmt.Errorf("apk: %s: %w", p.Name, err)
	}
	info[piDepends] = deps

	var installed uint64
	dirs := tree(files)
	var paths []uint32
	epoch := uint64(p.Epoch)
	for _, d := range dirs {
		var items []uint32
		for _, f := range d.files {
			fi := make([]uint32, fiTarget+1)
			acl := make([]uint32, aclGroup+1)
			fi[fiName] = w.str(path.Base(f.Path))
			size, mode := uint64(len(f.Data)), uint64(f.Mode.Perm())
			if f.Link != "" {
				fi[fiTarget] = w.blob(append(binary.LittleEndian.AppendUint16(nil, sIFLNK), f.Link...))
				size, mode = uint64(len(f.Link)), 0o777
			} else {
				sum := sha256.Sum256(f.Data)
				fi[fiHashes] = w.blob(sum[:])
				installed += size
			}
			fi[fiMtime] = w.int(epoch)
			fi[fiSize] = w.int(size)
			acl[aclMode] = w.int(mode)
			acl[aclUser] = w.str("root")
			acl[aclGroup] = w.str("root")
			fi[fiACL] = w.obj(acl)
			items = append(items, w.obj(fi))
		}
		di := make([]uint32, diFiles+1)
		acl := make([]uint32, aclGroup+1)
		di[diName] = w.str(d.name)
		acl[aclMode] = w.int(0o755)
		acl[aclUser] = w.str("root")
		acl[aclGroup] = w.str("root")
		di[diACL] = w.obj(acl)
		// apk mkpkg stores nested arrays through adb_wo_obj, which tags
		// them as objects; readers do not mind, and the bytes match.
		di[diFiles] = w.compound(typeObject, append([]uint32{0}, items...))
		paths = append(paths, w.obj(di))
	}
	if installed == 0 {
		installed = 1
	}
	info[piInstalledSize] = w.int(installed)
	info[piHashes] = w.blobAt(make([]byte, 20), true) // the unique id, filled in below
	pkg := make([]uint32, pkgScripts+1)
	pkg[pkgInfo] = w.obj(info[:])
	pkg[pkgPaths] = w.compound(typeObject, append([]uint32{0}, paths...))
	sv := make([]uint32, len(scripts))
	for i, s := range scripts {
		sv[i] = w.str(s)
	}
	pkg[pkgScripts] = w.obj(sv)
	adb := w.root(w.obj(pkg))
	// The unique id is the first 20 bytes of the SHA-256 of the block with
	// the id zeroed.
	sum := sha256.Sum256(adb)
	copy(adb[info[piHashes]&valueMask+1:], sum[:20])

	var out bytes.Buffer
	header(&out, schemaPackage)
	if err := block(&out, blockADB, adb); err != nil {
		return nil, err
	}
	for i, d := range dirs {
		for j, f := range d.files {
			if f.Link != "" || len(f.Data) == 0 {
				continue
			}
			hdr := binary.LittleEndian.AppendUint32(nil, uint32(i+1))
			hdr = binary.LittleEndian.AppendUint32(hdr, uint32(j+1))
			if err := block(&out, blockData, hdr, f.Data); err != nil {
				return nil, fmt.Errorf("apk: %s: %s: %w", p.Name, f.Path, err)
			}
		}
	}
	return z(out.Bytes())
}

// dependencies writes apk's dependency array, sorted by name and without
// duplicates, as apk mkpkg writes it from the depends string (tagged as an
// object, as adb_w_fromstring does). Only plain names are supported.
func dependencies(w *writer, deps []string) (uint32, error) {
	var items []uint32
	for _, d := range deps {
		if !nameRE.MatchString(d) {
			return null, fmt.Errorf("dependency %q: only plain package names are supported", d)
		}
		dep := make([]uint32, depName+1)
		dep[depName] = w.str(d)
		items = append(items, w.obj(dep))
	}
	r := reader{w.buf}
	slices.SortStableFunc(items, func(a, b uint32) int {
		na, _ := r.field(a, depName)
		nb, _ := r.field(b, depName)
		ba, _ := r.blob(na)
		bb, _ := r.blob(nb)
		return bytes.Compare(ba, bb)
	})
	items = slices.Compact(items)
	return w.compound(typeObject, append([]uint32{0}, items...)), nil
}
