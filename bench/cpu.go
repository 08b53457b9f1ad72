package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// cpuTime is the user+system CPU a process has used so far, read from
// /proc; 0 where /proc is missing or the process is not this machine's.
func cpuTime(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which may hold spaces, in parentheses.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticks
}

// redisPID is the process id of the Redis the bench uses when it runs on
// this machine, else 0.
func redisPID(ctx context.Context, c *redis.Client) int {
	info, err := c.Info(ctx, "server").Result()
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "process_id:"); ok {
			pid, _ := strconv.Atoi(v)
			if _, err := os.Stat(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
				return pid
			}
		}
	}
	return 0
}

// postgresCPU is the CPU of every local process named postgres (the
// server's backends, WAL writer and checkpointer), 0 where there is none.
func postgresCPU() time.Duration {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var total time.Duration
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err == nil && strings.TrimSpace(string(comm)) == "postgres" {
			total += cpuTime(pid)
		}
	}
	return total
}

// cpuShare is the CPU each process spent per call during one case.
type cpuShare struct {
	server, redis, postgres, client time.Duration
}

func (c cpuShare) String() string {
	us := func(d time.Duration) string { return strconv.FormatInt(max(d, 0).Microseconds(), 10) }
	return us(c.server) + " / " + us(c.redis) + " / " + us(c.postgres) + " / " + us(c.client)
}
