// Command permitctl is the back-office command line for the permit
// service, on the same database as permitd: it imports the council's
// gazetteer, runs the due jobs once, shows the review queue, approves and
// rejects applications, shows a permit's history and exports the permits
// current on a day for enforcement officers' handhelds.
//
//	permitctl COMMAND [flags] [arguments]
//
//	import-gazetteer FILE          load a gazetteer CSV (or .csv.gz, or - for stdin) into the database
//	run-jobs [--at RFC3339]        run the due jobs once and print what they did
//	review-queue [--limit N]       applications and address changes waiting for a decision
//	approve PERMIT_ID              approve an application (the payment is captured)
//	reject PERMIT_ID --code C --reason R
//	                               reject an application (the payment is voided or refunded)
//	history PERMIT_ID              the permit and every event about it
//	audit --account ID             who looked at an account: officers' views of its page and
//	                               documents, and subject access exports, oldest first
//	export-current [--on DATE] [--out FILE]
//	                               CSV of the permits current on a day, for enforcement
//	zones check FILE [--gazetteer FILE]
//	                               check a zone map (GeoJSON polygons) against the scheme and
//	                               against the zone column of a gazetteer with positions
//
// Every command takes --db (PERMITD_DB: an SQLite file, default
// permitd.db, or a postgres:// DSN) and --scheme (PERMITD_SCHEME: the scheme
// YAML file; empty for the Leicestershire example), the same settings as
// permitd; a flag wins over its variable. approve and reject record the
// officer given by --officer, or else $USER. `permitctl help COMMAND` or
// `permitctl COMMAND --help` describes a command.
//
// Exit status, for scripts:
//
//	0  the command did what it was asked
//	1  it failed: an unknown permit, a decision the permit's state does not
//	   allow, a database or file error (the message on stderr says which)
//	2  it was called wrongly: an unknown command or flag, a missing or
//	   malformed argument (nothing was changed)
//	3  import-gazetteer finished but rejected some rows: the valid rows are
//	   imported and the rejected ones listed with their line numbers;
//	   zones check found properties whose zone on the map is not the one
//	   the gazetteer lists, or that cannot be placed
//
// Results go to stdout; progress, notifications (the evaluation's log
// notifier) and errors go to stderr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Exit statuses.
const (
	exitOK       = 0
	exitFailed   = 1
	exitUsage    = 2
	exitRejected = 3
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// env is what a command runs with.
type env struct {
	ctx            context.Context
	getenv         func(string) string
	stdout, stderr io.Writer
}

// command is one subcommand.
type command struct {
	name, args, summary string
	// flags registers the command's own flags and returns the function
	// that runs it with the positional arguments; it returns an exit
	// status.
	flags func(fs *flag.FlagSet, c *common) func(e *env, args []string) int
	// positional is how many arguments the command takes.
	positional int
}

var commands = []command{
	{name: "import-gazetteer", args: "FILE", summary: "load a gazetteer CSV (or .csv.gz, or - for stdin) into the database", flags: importFlags, positional: 1},
	{name: "run-jobs", summary: "run the due jobs once and print what they did", flags: runJobsFlags},
	{name: "review-queue", summary: "applications and address changes waiting for a decision", flags: reviewQueueFlags},
	{name: "approve", args: "PERMIT_ID", summary: "approve an application (its payment is captured)", flags: approveFlags, positional: 1},
	{name: "reject", args: "PERMIT_ID --code C --reason R", summary: "reject an application (its payment is voided or refunded)", flags: rejectFlags, positional: 1},
	{name: "history", args: "PERMIT_ID", summary: "the permit and every event about it", flags: historyFlags, positional: 1},
	{name: "audit", args: "--account ID", summary: "who looked at an account: officers' views of it and its documents, and exports", flags: auditFlags},
	{name: "export-current", summary: "CSV of the permits current on a day, for enforcement handhelds", flags: exportFlags},
	{name: "zones", args: "check FILE", summary: "check a zone map (GeoJSON) against the scheme and, with --gazetteer, the gazetteer's zone column", flags: zonesFlags, positional: 2},
}

// run is the whole program; main and the tests call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) == 0 {
			usage(stdout)
			return exitOK
		}
		name, rest = rest[0], []string{"--help"}
	}
	i := slices.IndexFunc(commands, func(c command) bool { return c.name == name })
	if i < 0 {
		fmt.Fprintf(stderr, "permitctl: unknown command %q\n\n", name)
		usage(stderr)
		return exitUsage
	}
	return commands[i].run(e, rest)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "permitctl: the permit service's back-office command line, on permitd's database.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: permitctl COMMAND [flags] [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-18s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `Every command takes --db (PERMITD_DB, default permitd.db; or a postgres:// DSN)
and --scheme (PERMITD_SCHEME, default the Leicestershire example).
"permitctl COMMAND --help" describes a command.

Exit status: 0 done; 1 failed; 2 wrong usage (nothing changed);
3 import-gazetteer imported the valid rows and rejected others, or zones check
found properties the map and the gazetteer disagree on.`)
}

// common holds the flags every command has.
type common struct {
	db, scheme string
	// now is the service's clock; nil means the wall clock.
	now func() time.Time
}

// run parses the command's flags (they may come before, between or after
// its arguments) and runs it.
func (c command) run(e *env, args []string) int {
	fs := flag.NewFlagSet("permitctl "+c.name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var cf common
	fs.StringVar(&cf.db, "db", envOr(e.getenv, "PERMITD_DB", "permitd.db"), "SQLite file, or a postgres:// DSN (PERMITD_DB)")
	fs.StringVar(&cf.scheme, "scheme", e.getenv("PERMITD_SCHEME"), "scheme YAML file; empty for the Leicestershire example (PERMITD_SCHEME)")
	do := c.flags(fs, &cf)
	fs.Usage = func() {} // printed below, to stdout for --help
	pos, err := parseInterspersed(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		c.usage(e.stdout, fs)
		return exitOK
	case err != nil:
		// The flag package has printed the error.
		fmt.Fprintf(e.stderr, "Run \"permitctl %s --help\" for its flags.\n", c.name)
		return exitUsage
	}
	if len(pos) != c.positional {
		if len(pos) < c.positional {
			fmt.Fprintf(e.stderr, "permitctl %s: missing %s\n", c.name, strings.Fields(c.args)[len(pos)])
		} else {
			fmt.Fprintf(e.stderr, "permitctl %s: unexpected argument %q\n", c.name, pos[c.positional])
		}
		fmt.Fprintf(e.stderr, "Usage: permitctl %s %s\n", c.name, c.args)
		return exitUsage
	}
	return do(e, pos)
}

func (c command) usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: %s\n\n%s.\n\nFlags:\n", strings.TrimSpace("permitctl "+c.name+" [flags] "+c.args), strings.ToUpper(c.summary[:1])+c.summary[1:])
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// parseInterspersed parses flags wherever they are among the arguments,
// as people type them ("approve per_1 --officer jo"); everything after
// "--" is an argument.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var tail []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, tail = args[:i], args[i+1:]
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return append(pos, tail...), nil
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}

func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// usageError reports a wrongly called command: exit status 2.
func usageError(e *env, cmd, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "permitctl %s: %s\n", cmd, fmt.Sprintf(format, args...))
	fmt.Fprintf(e.stderr, "Run \"permitctl %s --help\" for its flags.\n", cmd)
	return exitUsage
}

// failed reports a command that could not do its work: exit status 1.
func failed(e *env, cmd string, err error) int {
	fmt.Fprintf(e.stderr, "permitctl %s: %s\n", cmd, describe(err))
	return exitFailed
}
