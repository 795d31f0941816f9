package linux

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// state is what Up changed, kept in StateDir/<interface>.json so that Down
// undoes exactly that, even from another process.
type state struct {
	Interface string `json:"interface"`
	// Created is true when Up created the link.
	Created bool `json:"created,omitempty"`
	// Adopted is true when the link existed before the first Up (made by
	// wg-quick or by hand): Down then removes only the addresses and
	// routes of the Spec and leaves the link.
	Adopted bool `json:"adopted,omitempty"`
	// Userspace is the userspace daemon Up started, if any.
	Userspace *daemon `json:"userspace,omitempty"`
	// Sysctls holds the previous value of each sysctl Up changed
	// ("net.ipv4.ip_forward": "0"); sysctls already set are not listed.
	Sysctls map[string]string `json:"sysctls,omitempty"`
}

// daemon identifies a process: the pid and its start time (field 22 of
// /proc/PID/stat), so that a recycled pid is never signalled.
type daemon struct {
	Binary string `json:"binary"`
	PID    int    `json:"pid"`
	Start  string `json:"start"`
}

func statePath(s Spec) string { return filepath.Join(s.stateDir(), s.Interface+".json") }

// loadState reads the state of s, or returns an empty state if there is none.
func loadState(s Spec) (*state, error) {
	st := &state{Interface: s.Interface}
	b, err := os.ReadFile(statePath(s))
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading state: %w", err)
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("reading state %s: %w", statePath(s), err)
	}
	return st, nil
}

// saveState writes st atomically (0600; the directory 0700 if created).
func saveState(s Spec, st *state) error {
	dir := s.stateDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating state directory: %w", err)
	}
	b, err := json.MarshalIndent(st, "", "\t")
	if err != nil {
		return fmt.Errorf("encoding state: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+s.Interface+".json.*")
	if err != nil {
		return fmt.Errorf("writing state: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("writing state: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing state: %w", err)
	}
	if err := os.Rename(f.Name(), statePath(s)); err != nil {
		return fmt.Errorf("writing state: %w", err)
	}
	return nil
}

func removeState(s Spec) error {
	if err := os.Remove(statePath(s)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing state: %w", err)
	}
	return nil
}
