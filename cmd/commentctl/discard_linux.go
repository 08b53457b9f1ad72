package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// discardInput flushes what was typed on the terminal f but not read.
func discardInput(f *os.File) {
	unix.IoctlSetInt(int(f.Fd()), unix.TCFLSH, unix.TCIFLUSH)
}
