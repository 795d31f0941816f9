package chromium

import "os/exec"

// noDeathSignal clears the parent-death signal chromedp asks for (see Start).
func noDeathSignal(cmd *exec.Cmd) {
	if cmd.SysProcAttr != nil {
		cmd.SysProcAttr.Pdeathsig = 0
	}
}
