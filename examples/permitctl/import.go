package main

import (
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	"github.com/carerpermit/carerpermit/zones"
)

func importFlags(fs *flag.FlagSet, c *common) func(*env, []string) int {
	batch := fs.Int("batch", 10000, "properties written per transaction")
	dryRun := fs.Bool("dry-run", false, "check the whole file and write nothing")
	show := fs.Int("show-problems", 20, "list at most this many rejected rows' problems")
	progress := fs.Bool("progress", false, "show a progress bar on stderr (default: when stderr is a terminal)")
	return func(e *env, args []string) int {
		if *batch < 1 {
			return usageError(e, "import-gazetteer", "--batch %d: give 1 or more", *batch)
		}
		if *show < 0 {
			return usageError(e, "import-gazetteer", "--show-problems %d: give 0 or more", *show)
		}
		showProgress := isTerminal(e.stderr)
		if flagSet(fs, "progress") {
			showProgress = *progress
		}
		return importGazetteer(e, c, args[0], importSettings{batch: *batch, dryRun: *dryRun, show: *show, progress: showProgress})
	}
}

type importSettings struct {
	batch, show      int
	dryRun, progress bool
}

// flagSet reports whether the flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func importGazetteer(e *env, c *common, path string, s importSettings) int {
	const name = "import-gazetteer"
	in, size, closeIn, err := openInput(path)
	if err != nil {
		return failed(e, name, err)
	}
	defer closeIn()
	counted := &countingReader{r: in}
	var r io.Reader = counted
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(counted)
		if err != nil {
			return failed(e, name, fmt.Errorf("%s: %w", path, err))
		}
		defer zr.Close()
		r = zr
	}

	st, err := openStore(e, c)
	if err != nil {
		return failed(e, name, err)
	}
	defer st.Close()

	start := time.Now()
	opts := &sqlstore.ImportOptions{BatchSize: s.batch, DryRun: s.dryRun, MaxProblems: max(s.show, 1)}
	var bar *progressBar
	if s.progress {
		bar = &progressBar{w: e.stderr, total: size, start: start, now: time.Now}
		opts.Progress = func(p sqlstore.ImportProgress) { bar.update(counted.n.Load(), p, false) }
	}
	sum, err := st.ImportGazetteer(e.ctx, r, opts)
	if bar != nil {
		bar.finish(counted.n.Load())
	}
	if err != nil {
		if errors.Is(err, zones.ErrInvalidGazetteer) {
			fmt.Fprintf(e.stderr, "permitctl %s: %s: nothing imported: %s\n", name, path, err)
			return exitFailed
		}
		if sum.Imported > 0 && !s.dryRun {
			fmt.Fprintf(e.stderr, "permitctl %s: %s imported before the failure; importing the file again completes it\n",
				name, count(sum.Imported, "property was", "properties were"))
		}
		return failed(e, name, err)
	}
	printSummary(e, path, sum, s, time.Since(start))
	if sum.Rejected > 0 {
		return exitRejected
	}
	return exitOK
}

func printSummary(e *env, path string, sum sqlstore.ImportSummary, s importSettings, took time.Duration) {
	verb := "imported"
	if s.dryRun {
		verb = "checked (dry run, nothing written)"
	}
	fmt.Fprintf(e.stdout, "%s: %s read in %s; %s %s", path, count(sum.Rows, "row", "rows"), took.Round(100*time.Millisecond), count(sum.Imported, "property", "properties"), verb)
	if !s.dryRun {
		fmt.Fprintf(e.stdout, " (%s new or changed)", thousands(sum.Changed))
	}
	fmt.Fprintf(e.stdout, "; %s rejected", thousands(sum.Rejected))
	if sum.Duplicates > 0 {
		fmt.Fprintf(e.stdout, " (%s a UPRN of an earlier line)", count(sum.Duplicates, "repeats", "repeat"))
	}
	fmt.Fprintln(e.stdout)
	if sum.Rejected == 0 {
		return
	}
	problems := sum.Problems[:min(s.show, len(sum.Problems))]
	fmt.Fprintln(e.stdout, "Rejected rows:")
	for _, p := range problems {
		fmt.Fprintf(e.stdout, "  %s\n", p)
	}
	if more := len(sum.Problems) - len(problems) + sum.MoreProblems; more > 0 {
		fmt.Fprintf(e.stdout, "  ... and %s (--show-problems N lists more)\n", count(more, "more problem", "more problems"))
	}
}

// openInput opens the file ("-" is stdin) and says its size when known.
func openInput(path string) (io.Reader, int64, func(), error) {
	if path == "-" {
		return os.Stdin, 0, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, nil, err
	}
	var size int64
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	return f, size, func() { _ = f.Close() }, nil
}

// countingReader counts the bytes read through it (of the file itself,
// compressed or not), for the progress bar.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progressBar draws one line on a terminal, redrawn in place:
//
//	[==========>              ]  41%  412,000 rows  (3 rejected)  205,000 rows/s  0:02
//
// The share is of the file's bytes; for a stream of unknown size only the
// counts are shown.
type progressBar struct {
	w     io.Writer
	total int64
	start time.Time
	now   func() time.Time
	last  time.Time
	drawn bool
	seen  sqlstore.ImportProgress // the latest progress reported
}

const barWidth = 30

// update redraws the bar, at most ten times a second unless forced.
func (b *progressBar) update(read int64, p sqlstore.ImportProgress, force bool) {
	b.seen = p
	now := b.now()
	if !force && b.drawn && now.Sub(b.last) < 100*time.Millisecond {
		return
	}
	b.last, b.drawn = now, true
	elapsed := now.Sub(b.start)
	var line strings.Builder
	if b.total > 0 {
		share := min(float64(read)/float64(b.total), 1)
		filled := int(share * barWidth)
		line.WriteString("[" + strings.Repeat("=", filled))
		if filled < barWidth {
			line.WriteString(">" + strings.Repeat(" ", barWidth-filled-1))
		}
		fmt.Fprintf(&line, "] %3.0f%%  ", share*100)
	}
	line.WriteString(count(p.Rows, "row", "rows"))
	if p.Rejected > 0 {
		fmt.Fprintf(&line, "  (%s rejected)", thousands(p.Rejected))
	}
	if secs := elapsed.Seconds(); secs > 0 {
		fmt.Fprintf(&line, "  %s rows/s", thousands(int(float64(p.Rows)/secs)))
	}
	fmt.Fprintf(&line, "  %d:%02d", int(elapsed.Minutes()), int(elapsed.Seconds())%60)
	// \r returns to the line's start; the padding wipes a longer line.
	fmt.Fprintf(b.w, "\r%-100s", line.String())
}

// finish draws the final state and ends the line.
func (b *progressBar) finish(read int64) {
	if b.drawn {
		b.update(read, b.seen, true)
		fmt.Fprintln(b.w)
	}
}

// thousands writes n with commas: 1,000,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// count is n with the noun that agrees with it: "1 row", "1,200 rows".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}
