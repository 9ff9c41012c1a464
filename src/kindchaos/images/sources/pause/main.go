// Command pause holds a pod's namespaces open for the container runtime.
//
// It blocks until SIGINT or SIGTERM, reaping any child that is re-parented to
// it, the way the upstream pause container does.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const version = "kindchaos-pause 1.0"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-v" {
		fmt.Println(version)
		return
	}
	signals := make(chan os.Signal, 16)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
