//go:build !linux

package main

import "errors"

func inNetns(string, func() error) error {
	return errors.New("network namespaces need Linux")
}
