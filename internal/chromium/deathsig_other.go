//go:build !linux

package chromium

import "os/exec"

// noDeathSignal does nothing: only Linux has a parent-death signal.
func noDeathSignal(*exec.Cmd) {}
