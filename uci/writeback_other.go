//go:build !linux

package uci

import "os"

// startWriteback: sync_file_range is Linux's; elsewhere the fsync does
// all the writing.
func startWriteback(*os.File) {}
