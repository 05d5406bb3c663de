package zones

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// GazetteerStats counts what ReadGazetteer read.
type GazetteerStats struct {
	// Rows is the number of data rows after the header (a quoted field
	// spanning lines still makes one row).
	Rows int
	// Properties is the number of valid rows, each given to the property
	// callback.
	Properties int
	// Rejected is the number of rows with at least one problem.
	Rejected int
	// Duplicates is the number of rejected rows whose UPRN an earlier row
	// (valid or not) already has; they are counted in Rejected too.
	Duplicates int
}

// ReadGazetteer reads a gazetteer file row by row, by the rules of
// LoadGazetteer (the same header, the same checks of every field, the same
// problems with the same line numbers and words), without holding the
// properties in memory: it is for loading a gazetteer into other storage,
// such as a database, where a file of millions of rows is ordinary.
//
// Each valid row is given to property with the line it starts on, in file
// order. Each problem is given to problem, in line order; a row with
// problems is not given to property. Unlike LoadGazetteer, which refuses a
// file with any problem, ReadGazetteer goes on past bad rows, so that the
// caller decides whether to keep the good ones. The first of several rows
// with one UPRN is the valid one (if it is valid); each later one is a
// problem. To find those, ReadGazetteer remembers every UPRN it has read
// (about 20 bytes a row).
//
// When problem is nil, the problems are collected and returned at the end
// as a *GazetteerError (after every valid row was given to property).
// A header with problems ends the read at once with a *GazetteerError,
// whatever problem is. An error returned by property or problem stops the
// read and is returned as it is; an error from r is returned wrapped. The
// stats count the rows read until the read ended.
func ReadGazetteer(r io.Reader, property func(line int, p Property) error, problem func(RowProblem) error) (GazetteerStats, error) {
	var stats GazetteerStats
	if property == nil {
		return stats, errors.New("zones: ReadGazetteer: the property callback is nil")
	}
	l, cr, err := openGazetteerCSV(r)
	if err != nil {
		return stats, err
	}

	var collected []RowProblem
	report := func() error {
		defer func() { l.problems = l.problems[:0] }()
		for _, p := range l.problems {
			if problem == nil {
				collected = append(collected, p)
				continue
			}
			if err := problem(p); err != nil {
				return err
			}
		}
		return nil
	}
	// firstLine[u] is the first line with UPRN u: LoadGazetteer's
	// duplicate check, done as the rows go by.
	firstLine := make(map[UPRN]int)
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		stats.Rows++
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return stats, fmt.Errorf("zones: reading gazetteer: %w", err)
			}
			reason := pe.Err.Error()
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				reason = fmt.Sprintf("has %d fields; the header has %d", len(row), l.width)
			}
			l.problem(pe.StartLine, "", reason)
			stats.Rejected++
			if err := report(); err != nil {
				return stats, err
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		// The loader checks the row exactly as LoadGazetteer does and
		// leaves a valid row's record, or a rejected row's UPRN, behind;
		// both are taken away again here, so memory does not grow with
		// the file (beyond the loader's tables of distinct strings).
		l.readRow(line, row)
		var uprn UPRN
		valid := len(l.g.records) > 0
		switch {
		case valid:
			uprn = l.g.records[0].uprn
		case len(l.rejected) > 0:
			uprn = l.rejected[0].uprn
		}
		if uprn != 0 {
			if first, seen := firstLine[uprn]; seen {
				l.problem(line, "uprn", fmt.Sprintf("%s is also on line %d; a UPRN identifies one property", uprn, first))
				stats.Duplicates++
				valid = false
			} else {
				firstLine[uprn] = line
			}
		}
		var p Property
		if valid {
			p = l.g.property(&l.g.records[0])
		}
		l.g.records, l.lines, l.rejected = l.g.records[:0], l.lines[:0], l.rejected[:0]
		if !valid {
			stats.Rejected++
			if err := report(); err != nil {
				return stats, err
			}
			continue
		}
		stats.Properties++
		if err := property(line, p); err != nil {
			return stats, err
		}
	}
	if len(collected) > 0 {
		return stats, &GazetteerError{Problems: collected}
	}
	return stats, nil
}
