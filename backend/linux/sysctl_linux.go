package linux

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// sysctlRoot is where sysctls are read and written. /proc/sys/net shows the
// network namespace of the calling thread.
const sysctlRoot = "/proc/sys"

// forwardingSysctls are the sysctls a hub for s needs set to "1".
func forwardingSysctls(s Spec) []string {
	keys := []string{"net.ipv4.ip_forward"}
	if hasFamily(s.VPN, IPv6) {
		keys = append(keys, "net.ipv6.conf.all.forwarding")
	}
	return keys
}

func sysctlPath(key string) string {
	return filepath.Join(sysctlRoot, strings.ReplaceAll(key, ".", "/"))
}

func readSysctl(key string) (string, error) {
	b, err := os.ReadFile(sysctlPath(key))
	if err != nil {
		return "", fmt.Errorf("reading sysctl %s: %w", key, err)
	}
	return strings.TrimSpace(string(b)), nil
}

func writeSysctl(key, value string) error {
	if err := os.WriteFile(sysctlPath(key), []byte(value+"\n"), 0o644); err != nil {
		return fmt.Errorf("setting sysctl %s=%s: %w", key, value, err)
	}
	return nil
}

// setSysctls sets the forwarding sysctls, recording in st the value each
// had before the first Up that changed it.
func (h *Host) setSysctls(s Spec, st *state) error {
	for _, k := range forwardingSysctls(s) {
		v, err := readSysctl(k)
		if err != nil {
			return err
		}
		if v == "1" {
			continue
		}
		if st.Sysctls == nil {
			st.Sysctls = map[string]string{}
		}
		if _, ok := st.Sysctls[k]; !ok {
			st.Sysctls[k] = v
		}
		// Record before writing: a crash in between leaves a restorable state.
		if err := saveState(s, st); err != nil {
			return err
		}
		if err := writeSysctl(k, "1"); err != nil {
			return err
		}
		h.logf("set %s=1 (was %s)", k, v)
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
