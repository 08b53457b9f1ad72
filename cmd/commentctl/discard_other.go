//go:build !linux

package main

import "os"

// discardInput keeps type-ahead where flushing it is not wired up; keys
// typed together are still cut to the first by keyReader.Key.
func discardInput(*os.File) {}
