//go:build linux && !amd64 && !386

package netnstests

import "syscall"

const sysSetns = syscall.SYS_SETNS
