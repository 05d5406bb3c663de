package zonemap

import (
	"errors"
	"fmt"
	"strconv"
)

// The coordinates of a zone map are most of its bytes, so they are read by
// hand in one pass rather than by encoding/json's reflection: the array of
// a Polygon (depth 3) or MultiPolygon (depth 4), of JSON numbers only.
// The bytes were already checked as JSON by encoding/json, but the reader
// still checks everything it relies on, so that no input can make it
// misbehave.

type coordReader struct {
	data []byte
	pos  int
	// chunk holds the numbers of positions: each position takes room for
	// three (longitude, latitude, altitude) from it, saving an allocation
	// a position.
	chunk []float64
}

func (r *coordReader) newPosition() []float64 {
	if cap(r.chunk)-len(r.chunk) < 3 {
		r.chunk = make([]float64, 0, 3*1024)
	}
	n := len(r.chunk)
	r.chunk = r.chunk[:n+3]
	return r.chunk[n : n : n+3]
}

// readCoordinates reads nested arrays of depth levels whose innermost
// arrays hold numbers: depth 3 gives [][][]float64 wrapped as one polygon.
func readCoordinates(data []byte, depth int) ([][][][]float64, error) {
	r := &coordReader{data: data}
	var out [][][][]float64
	var err error
	switch depth {
	case 3:
		var p [][][]float64
		p, err = r.polygon()
		out = [][][][]float64{p}
	case 4:
		err = r.array(func() error {
			p, err := r.polygon()
			out = append(out, p)
			return err
		})
	default:
		return nil, errors.New("unsupported depth")
	}
	if err != nil {
		return nil, err
	}
	r.space()
	if r.pos != len(r.data) {
		return nil, r.fail("more after the coordinates")
	}
	return out, nil
}

func (r *coordReader) fail(what string) error {
	return fmt.Errorf("%s at byte %d of the coordinates", what, r.pos)
}

func (r *coordReader) space() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// array reads "[" item ("," item)* "]" or "[]", calling item for each.
func (r *coordReader) array(item func() error) error {
	r.space()
	if r.pos >= len(r.data) || r.data[r.pos] != '[' {
		return r.fail("expected an array")
	}
	r.pos++
	r.space()
	if r.pos < len(r.data) && r.data[r.pos] == ']' {
		r.pos++
		return nil
	}
	for {
		if err := item(); err != nil {
			return err
		}
		r.space()
		if r.pos >= len(r.data) {
			return r.fail("unfinished array")
		}
		switch r.data[r.pos] {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return nil
		default:
			return r.fail("expected , or ]")
		}
	}
}

func (r *coordReader) polygon() ([][][]float64, error) {
	var rings [][][]float64
	err := r.array(func() error {
		var ring [][]float64
		err := r.array(func() error {
			pos := r.newPosition()
			err := r.array(func() error {
				f, err := r.number()
				pos = append(pos, f)
				return err
			})
			ring = append(ring, pos)
			return err
		})
		rings = append(rings, ring)
		return err
	})
	return rings, err
}

func (r *coordReader) number() (float64, error) {
	r.space()
	start := r.pos
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			r.pos++
			continue
		}
		break
	}
	if start == r.pos {
		return 0, r.fail("expected a number")
	}
	f, err := strconv.ParseFloat(string(r.data[start:r.pos]), 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number (at byte %d of the coordinates)", r.data[start:r.pos], start)
	}
	return f, nil
}
