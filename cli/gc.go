package cli

import (
	"os"
	"runtime/debug"
)

// relaxGC sets the garbage collector for a status read: a process that
// parses the configs, reads the device, writes the reply and exits. Nearly
// all it allocates (a few MB at 1000 peers) is live until the configs are
// parsed, so Go's first collection at 4 MB frees little, yet it costs the
// most of the run: on two cores its worker takes one, and its
// stop-the-world phases wait for threads a busy router has descheduled
// (measured: status with 1000 peers took twice as long with it). At
// GOGC=400 the first collection comes at 16 MB, after the reply for
// roughly 2000 peers; above that a collection frees the parsed configs as
// before. Peak RSS stays as it was (it is set by what is live), within
// 0.2 MB at 1000 and 5000 peers. A GOGC from the environment wins.
func relaxGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}
