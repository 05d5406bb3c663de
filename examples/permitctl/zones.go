package main

import (
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
	"github.com/carerpermit/carerpermit/zones/zonemap"
)

func zonesFlags(fs *flag.FlagSet, c *common) func(*env, []string) int {
	gazetteer := fs.String("gazetteer", "", "gazetteer CSV (or .csv.gz) with latitude,longitude columns to check the map against")
	show := fs.Int("show", 20, "list at most this many properties of each kind")
	return func(e *env, args []string) int {
		if args[0] != "check" {
			return usageError(e, "zones", "unknown subcommand %q; the one there is: zones check FILE", args[0])
		}
		if *show < 0 {
			return usageError(e, "zones", "--show %d: give 0 or more", *show)
		}
		return checkZones(e, c, args[1], *gazetteer, *show)
	}
}

// checkZones loads a zone map as permitd would (the scheme's zones and
// overrides) and, given a gazetteer, compares the zone the map gives each
// property with the zone its row lists. Exit 0: the map loads and agrees
// with every property; 3: it loads but some properties disagree or cannot
// be placed; 1: it does not load.
func checkZones(e *env, c *common, path, gazetteerPath string, show int) int {
	const name = "zones check"
	s, err := loadScheme(e, c)
	if err != nil {
		return failed(e, name, err)
	}
	data, err := readAll(path)
	if err != nil {
		return failed(e, name, err)
	}
	opts := &zonemap.Options{Zones: s.Rules.Zones}
	if s.ZoneMap != nil {
		opts.Overrides = s.ZoneMap.Overrides
	}
	m, err := zonemap.Parse(data, opts)
	if err != nil {
		var ze *zonemap.Error
		if errors.As(err, &ze) {
			fmt.Fprintf(e.stderr, "permitctl %s: %s is not a usable zone map (%d %s):\n", name, path, len(ze.Problems), plural(len(ze.Problems), "problem", "problems"))
			for _, p := range ze.Problems {
				fmt.Fprintf(e.stderr, "  %s\n", p)
			}
			return exitFailed
		}
		return failed(e, name, err)
	}
	drawn := m.Zones()
	var missing []string
	for _, z := range drawn {
		if !m.Drawn(z.ID) {
			missing = append(missing, z.ID)
		}
	}
	fmt.Fprintf(e.stdout, "%s: %d zones of scheme %s", path, len(drawn)-len(missing), s.ID)
	if len(missing) > 0 {
		fmt.Fprintf(e.stdout, "; not drawn: %s", strings.Join(missing, ", "))
	}
	if s.ZoneMap != nil && len(s.ZoneMap.Overrides) > 0 {
		fmt.Fprintf(e.stdout, "; %s", count(len(s.ZoneMap.Overrides), "override", "overrides"))
	}
	fmt.Fprintln(e.stdout)
	if gazetteerPath == "" {
		return exitOK
	}
	return checkAgainstGazetteer(e, s, m, gazetteerPath, show)
}

// zoneCheck counts and lists what comparing a map with a gazetteer finds.
type zoneCheck struct {
	show                              int
	properties, inZone, agree         int
	disagree, noZone, unlisted, noPos []string
	counts                            [4]int
	rejected                          int
}

func (zc *zoneCheck) note(kind int, list *[]string, line string) {
	zc.counts[kind]++
	if len(*list) < zc.show {
		*list = append(*list, line)
	}
}

func checkAgainstGazetteer(e *env, s *permit.Scheme, m *zonemap.Map, path string, show int) int {
	const name = "zones check"
	in, _, closeIn, err := openInput(path)
	if err != nil {
		return failed(e, name, err)
	}
	defer closeIn()
	r := in
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(in)
		if err != nil {
			return failed(e, name, fmt.Errorf("%s: %w", path, err))
		}
		defer zr.Close()
		r = zr
	}
	listedWithoutPosition := s.ZoneMap != nil && s.ZoneMap.ListedZoneWithoutPosition
	zc := &zoneCheck{show: show}
	_, err = zones.ReadGazetteer(r, func(line int, p zones.Property) error {
		zc.properties++
		got, err := m.Zone(p)
		if errors.Is(err, zonemap.ErrNoPosition) {
			if !listedWithoutPosition {
				zc.note(3, &zc.noPos, fmt.Sprintf("line %d: %s: no position, and not in the overrides", line, p))
				return nil
			}
			got = p.Zone // the listed zone stands, as permitd would take it
		}
		if !got.IsZero() {
			zc.inZone++
		}
		switch {
		case got.ID == p.Zone.ID:
			zc.agree++
		case got.IsZero():
			zc.note(1, &zc.noZone, fmt.Sprintf("line %d: %s at %s: listed in %s, but on no zone of the map", line, p, p.Location, p.Zone.ID))
		case p.Zone.IsZero():
			zc.note(2, &zc.unlisted, fmt.Sprintf("line %d: %s at %s: listed in no zone, but the map puts it in %s", line, p, p.Location, got.ID))
		default:
			zc.note(0, &zc.disagree, fmt.Sprintf("line %d: %s at %s: listed in %s, but the map puts it in %s", line, p, p.Location, p.Zone.ID, got.ID))
		}
		return nil
	}, func(rp zones.RowProblem) error {
		if zc.rejected < show {
			fmt.Fprintf(e.stderr, "permitctl %s: %s: %s (row left out)\n", name, path, rp)
		}
		zc.rejected++
		return nil
	})
	if err != nil {
		return failed(e, name, fmt.Errorf("%s: %w", path, err))
	}
	w := e.stdout
	fmt.Fprintf(w, "%s: %s, %s in a zone by the map; %s agree with the gazetteer's zone column\n", path, count(zc.properties, "property", "properties"), thousands(zc.inZone), thousands(zc.agree))
	sections := []struct {
		title string
		lines []string
	}{
		{"in another zone than the gazetteer lists", zc.disagree},
		{"listed in a zone but on no zone of the map", zc.noZone},
		{"listed in no zone but inside one on the map", zc.unlisted},
		{"that cannot be placed (no position)", zc.noPos},
	}
	problems := 0
	for i, sec := range sections {
		n := zc.counts[i]
		problems += n
		if n == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s %s:\n", count(n, "property", "properties"), sec.title)
		for _, l := range sec.lines {
			fmt.Fprintf(w, "  %s\n", l)
		}
		if n > len(sec.lines) {
			fmt.Fprintf(w, "  ... and %d more (--show N lists more)\n", n-len(sec.lines))
		}
	}
	if zc.rejected > 0 {
		fmt.Fprintf(w, "\n%s of the gazetteer rejected (see stderr)\n", count(zc.rejected, "row", "rows"))
	}
	if problems > 0 || zc.rejected > 0 {
		return exitRejected
	}
	fmt.Fprintln(w, "every property agrees")
	return exitOK
}

func readAll(path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(io.LimitReader(os.Stdin, zonemap.MaxBytes+1))
	}
	return os.ReadFile(path)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
