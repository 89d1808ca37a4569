// Command etcd-cluster runs a local etcd cluster for trying gatehouse on
// etcd (docs/etcd.md) without installing etcd: real etcd members from
// go.etcd.io/etcd/server/v3, in this one process, on 127.0.0.1.
//
//	go run ./internal/etcdtest/cmd/etcd-cluster [-n 3] [-port 2379] [-dir DIR]
//
// Member 0 serves clients on -port and members 1, 2, ... on -port plus
// 20000, 30000, ... (2379, 22379, 32379: the layout of etcd's own Procfile);
// each member's peer port is its client port + 1. -port 0 picks free ports.
// Without -dir the data lives in a temporary directory removed at exit;
// with -dir it is kept and a later run on the same ports resumes it. It
// prints the --store URL and runs until ctrl+c (SIGINT) or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"gatehouse/internal/etcdtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// ports lays out n client ports from base: base, then base+20000,
// base+30000, ... (0: free ports, nil).
func ports(n, base int) ([]int, error) {
	if base == 0 {
		return nil, nil
	}
	ps := make([]int, n)
	for i := range n {
		ps[i] = base
		if i > 0 {
			ps[i] = base + 10000*(i+1)
		}
		if ps[i] < 1 || ps[i]+1 > 65535 {
			return nil, fmt.Errorf("-port %d: member %d would need client port %d and peer port %d, beyond 65535; use a lower -port or -n", base, i, ps[i], ps[i]+1)
		}
	}
	return ps, nil
}

// run is main with its inputs passed in: it starts the cluster, prints
// how to use it and blocks until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("etcd-cluster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 3, "number of members")
	base := fs.Int("port", 2379, "client port of member 0 (members 1, 2, ... add 20000, 30000, ...); 0 picks free ports")
	dir := fs.String("dir", "", "data directory, kept (default: a temporary directory removed at exit)")
	noFsync := fs.Bool("no-fsync", false, "skip fsync (faster, loses data on a machine crash)")
	verbose := fs.Bool("v", false, "print etcd's warnings and errors")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "etcd-cluster: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *n < 1 || *n > 7 {
		fmt.Fprintf(stderr, "etcd-cluster: -n %d: a cluster has 1 to 7 members\n", *n)
		return 2
	}
	if *base < 0 {
		fmt.Fprintf(stderr, "etcd-cluster: -port %d: not a port\n", *base)
		return 2
	}
	cps, err := ports(*n, *base)
	if err != nil {
		fmt.Fprintln(stderr, "etcd-cluster:", err)
		return 2
	}
	opts := etcdtest.Options{Members: *n, Dir: *dir, ClientPorts: cps, Fsync: !*noFsync}
	if *verbose {
		cfg := zap.NewProductionConfig()
		cfg.Level = zap.NewAtomicLevelAt(zapcore.WarnLevel)
		cfg.Encoding = "console"
		lg, err := cfg.Build()
		if err != nil {
			fmt.Fprintln(stderr, "etcd-cluster: logger:", err)
			return 1
		}
		opts.Logger = lg
	}
	c, err := etcdtest.Start(opts)
	if err != nil {
		fmt.Fprintln(stderr, "etcd-cluster:", err)
		return 1
	}
	defer c.Close()
	kept := "removed at exit"
	if *dir != "" {
		kept = "kept"
	}
	fmt.Fprintf(stdout, "etcd cluster of %d members, leader m%d, data in %s (%s)\n", c.Members(), c.Leader(), c.Dir(), kept)
	for i, ep := range c.Endpoints() {
		fmt.Fprintf(stdout, "  m%d  %s\n", i, ep)
	}
	fmt.Fprintf(stdout, "\n  gatehouse --store %s --demo\n\nctrl+c stops the cluster\n", c.URL(""))
	<-ctx.Done()
	fmt.Fprintln(stdout, "stopping")
	return 0
}
