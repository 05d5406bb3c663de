package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/carerpermit/carerpermit/zones"
)

// ImportOptions are the optional settings of ImportGazetteer; nil means
// the defaults.
type ImportOptions struct {
	// BatchSize is how many properties one transaction writes; 0 means
	// 10,000. Each batch is committed on its own, so that on SQLite the
	// server's writers wait at most one batch (a fraction of a second) for
	// the write lock while a large file goes in.
	BatchSize int

	// Progress, when set, is called after each batch is committed (or, on
	// a dry run, checked) and once at the end, from the goroutine that
	// called ImportGazetteer.
	Progress func(ImportProgress)

	// MaxProblems caps how many rejected-row problems the summary keeps;
	// every rejected row is counted all the same. 0 means 1,000; a
	// negative value keeps none.
	MaxProblems int

	// DryRun reads and checks the whole file and writes nothing: the
	// summary says what an import would keep and reject.
	DryRun bool
}

func (o *ImportOptions) batchSize() int {
	if o == nil || o.BatchSize <= 0 {
		return 10000
	}
	return o.BatchSize
}

func (o *ImportOptions) maxProblems() int {
	switch {
	case o == nil || o.MaxProblems == 0:
		return 1000
	case o.MaxProblems < 0:
		return 0
	}
	return o.MaxProblems
}

// ImportProgress says how far an import has got.
type ImportProgress struct {
	Rows     int // data rows read so far
	Imported int // properties written (committed) so far; checked, on a dry run
	Rejected int // rows rejected so far
}

// ImportSummary says what ImportGazetteer did.
type ImportSummary struct {
	// Rows is the number of data rows read after the header.
	Rows int
	// Imported is the number of properties written: added, or replacing
	// the stored property with the same UPRN. On a dry run, the number
	// that would have been.
	Imported int
	// Changed is how many of the imported properties were new or differed
	// from the stored ones (0 on a dry run): a re-import of an unchanged
	// file changes nothing.
	Changed int
	// Rejected is the number of rows with a problem; none of them was
	// written.
	Rejected int
	// Duplicates is the number of rejected rows whose UPRN an earlier row
	// of the file has (the earlier row, if valid, is the one imported).
	Duplicates int
	// Problems lists the rejected rows' problems in line order, at most
	// ImportOptions.MaxProblems of them; MoreProblems counts the rest.
	Problems     []zones.RowProblem
	MoreProblems int
}

// Properties are written this many to a statement: few enough that the
// statement stays below both databases' limits on bound values (11 a row),
// many enough that a million rows take a thousand statements.
const propertiesPerInsert = 1000

const propertyColumns = `uprn, sub_building, building_name, building_number, street, town, postcode, zone_id, position, latitude, longitude`

// upsertProperties returns the statement that writes n properties. A
// property that is already stored as given is left alone, so that the
// database (and the WAL) only sees what changed.
func (s *Store) upsertProperties(n int) string {
	row := "(" + placeholders(countColumns(propertyColumns)) + ")"
	changed := `(properties.sub_building, properties.building_name, properties.building_number, properties.street,
  properties.town, properties.postcode, properties.zone_id, properties.position, properties.latitude, properties.longitude)
  IS NOT (excluded.sub_building, excluded.building_name, excluded.building_number, excluded.street,
  excluded.town, excluded.postcode, excluded.zone_id, excluded.position, excluded.latitude, excluded.longitude)`
	changed = strings.Replace(changed, "IS NOT", s.d.IsDistinctFrom(), 1)
	q := `INSERT INTO properties (` + propertyColumns + `) VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") + `
ON CONFLICT (uprn) DO UPDATE SET sub_building = excluded.sub_building, building_name = excluded.building_name,
  building_number = excluded.building_number, street = excluded.street, town = excluded.town,
  postcode = excluded.postcode, zone_id = excluded.zone_id, position = excluded.position,
  latitude = excluded.latitude, longitude = excluded.longitude
WHERE ` + changed
	return s.d.Rebind(q)
}

// ImportGazetteer reads a gazetteer file (the CSV of zones.LoadGazetteer:
// the same header and the same checks of every row, see zones.ReadGazetteer)
// and stores its properties and zones, for the Locator to find. A property
// whose UPRN is stored already is replaced; properties not in the file are
// kept (a council's export may be partial, and accounts refer to UPRNs).
// Zones are stored with the names the file gives them, and positions (the
// optional latitude,longitude columns) with each property, so that a zone
// map (zones/zonemap) in front of the Locator can place it.
//
// Rows with problems are left out and listed in the summary with their
// lines; they do not make the import fail. The file is read once, as a
// stream: memory does not grow with its length (beyond about 20 bytes a
// row to find repeated UPRNs), and properties are written in batches, each
// in a transaction of its own (see ImportOptions.BatchSize).
//
// Errors: a header with problems gives a *zones.GazetteerError (it wraps
// zones.ErrInvalidGazetteer) and writes nothing. An error reading r, a
// database error or the end of ctx stops the import; the batches already
// committed stay (the summary counts them), and importing the file again
// completes it, since an import replaces what it finds.
func (s *Store) ImportGazetteer(ctx context.Context, r io.Reader, opts *ImportOptions) (ImportSummary, error) {
	var sum ImportSummary
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	imp := &importer{
		s:           s,
		ctx:         ctx,
		sum:         &sum,
		batchSize:   opts.batchSize(),
		maxProblems: opts.maxProblems(),
		zoneNames:   map[string]string{},
	}
	if opts != nil {
		imp.dryRun, imp.progress = opts.DryRun, opts.Progress
	}
	defer imp.close()
	stats, err := zones.ReadGazetteer(r, imp.add, imp.problem)
	if err == nil {
		err = imp.flush()
	}
	sum.Rows, sum.Rejected, sum.Duplicates = stats.Rows, stats.Rejected, stats.Duplicates
	if err != nil {
		return sum, err
	}
	imp.report()
	return sum, nil
}

// importer is one ImportGazetteer call.
type importer struct {
	s           *Store
	ctx         context.Context
	sum         *ImportSummary
	batchSize   int
	maxProblems int
	dryRun      bool
	progress    func(ImportProgress)

	batch     []row
	rejected  int // rows rejected so far
	lastBad   int // the line of the last problem, to count rows not problems
	zoneNames map[string]string
	newZones  []zones.Zone // zones first named in the current batch
	full      *sql.Stmt    // the statement for a whole chunk, once prepared
}

// row is a property and the line it came from.
type row struct {
	line int
	p    zones.Property
}

func (imp *importer) close() {
	if imp.full != nil {
		_ = imp.full.Close()
	}
}

func (imp *importer) add(line int, p zones.Property) error {
	if z := p.Zone; !z.IsZero() {
		if _, known := imp.zoneNames[z.ID]; !known {
			imp.zoneNames[z.ID] = z.Name
			imp.newZones = append(imp.newZones, z)
		}
	}
	imp.batch = append(imp.batch, row{line, p})
	if len(imp.batch) < imp.batchSize {
		return nil
	}
	if err := imp.flush(); err != nil {
		return err
	}
	imp.report()
	return nil
}

func (imp *importer) problem(p zones.RowProblem) error {
	if p.Line != imp.lastBad {
		imp.rejected++
		imp.lastBad = p.Line
	}
	if len(imp.sum.Problems) < imp.maxProblems {
		imp.sum.Problems = append(imp.sum.Problems, p)
	} else {
		imp.sum.MoreProblems++
	}
	return nil
}

func (imp *importer) report() {
	if imp.progress == nil {
		return
	}
	imp.progress(ImportProgress{Rows: imp.sum.Imported + len(imp.batch) + imp.rejected, Imported: imp.sum.Imported, Rejected: imp.rejected})
}

// flush writes the batch in one transaction, trying again (a bounded
// number of times) when the database was busy or gave up on it.
func (imp *importer) flush() error {
	if len(imp.batch) == 0 {
		return nil
	}
	if err := imp.ctx.Err(); err != nil {
		return fmt.Errorf("sqlstore: importing the gazetteer: %w", err)
	}
	if !imp.dryRun {
		attempts := imp.s.opts.maxAttempts()
		for attempt := 1; ; attempt++ {
			changed, err, again := imp.write()
			if err == nil {
				imp.sum.Changed += changed
				break
			}
			if !again || attempt >= attempts {
				return err
			}
			if err := pause(imp.ctx, attempt); err != nil {
				return err
			}
		}
	}
	imp.sum.Imported += len(imp.batch)
	imp.batch, imp.newZones = imp.batch[:0], imp.newZones[:0]
	return nil
}

// write runs one attempt at writing the batch; again reports an error
// that another attempt may not meet.
func (imp *importer) write() (changed int, err error, again bool) {
	s, ctx := imp.s, imp.ctx
	if s.writeMu != nil {
		select {
		case s.writeMu <- struct{}{}:
			defer func() { <-s.writeMu }()
		case <-ctx.Done():
			return 0, ctx.Err(), false
		}
	}
	fail := func(op string, err error) (int, error, bool) {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return 0, fmt.Errorf("sqlstore: importing the gazetteer: %s: %w", op, ctxErr), false
		}
		return 0, s.describe("importing the gazetteer: "+op, err), s.d.Retryable(err)
	}
	if imp.full == nil {
		st, err := s.db.PrepareContext(ctx, s.upsertProperties(propertiesPerInsert))
		if err != nil {
			return fail("preparing", err)
		}
		imp.full = st
	}
	// A write transaction of its own isolation level: the rows written
	// depend on nothing read, so READ COMMITTED suffices on PostgreSQL.
	sqlTx, err := s.db.BeginTx(ctx, &sql.TxOptions{})
	if err != nil {
		return fail("beginning a transaction", err)
	}
	defer func() { _ = sqlTx.Rollback() }() // a no-op after Commit

	for _, z := range imp.newZones {
		q := s.d.Rebind(`INSERT INTO zones (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name WHERE zones.name <> excluded.name`)
		if _, err := sqlTx.ExecContext(ctx, q, z.ID, z.Name); err != nil {
			return fail("storing zone "+quote(z.ID), err)
		}
	}
	args := make([]any, 0, propertiesPerInsert*countColumns(propertyColumns))
	for start := 0; start < len(imp.batch); start += propertiesPerInsert {
		chunk := imp.batch[start:min(start+propertiesPerInsert, len(imp.batch))]
		args = args[:0]
		for _, r := range chunk {
			p := r.p
			var lat, lng any // NULL: position unknown
			if !p.Location.IsZero() {
				lat, lng = p.Location.Lat, p.Location.Lng
			}
			args = append(args, int64(p.UPRN), p.SubBuilding, p.BuildingName, p.BuildingNumber, p.Street, p.Town,
				p.Postcode.String(), p.Zone.ID, int64(r.line), lat, lng)
		}
		var res sql.Result
		if len(chunk) == propertiesPerInsert {
			res, err = sqlTx.StmtContext(ctx, imp.full).ExecContext(ctx, args...)
		} else {
			res, err = sqlTx.ExecContext(ctx, s.upsertProperties(len(chunk)), args...)
		}
		if err != nil {
			return fail("storing properties from line "+strconv.Itoa(chunk[0].line), err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fail("storing properties", err)
		}
		changed += int(n)
	}
	if err := sqlTx.Commit(); err != nil {
		return fail("committing", err)
	}
	return changed, nil, false
}

// Locator is a zones.Locator over the properties ImportGazetteer stored:
// the same answers as a zones.Gazetteer loaded from the same file (checked
// by the same conformance suite, zones/zonestest), without holding the
// gazetteer in memory. Several server instances on one database share it.
// It is safe for concurrent use.
type Locator struct {
	s *Store
	// The look-ups' statements, prepared on first use (compiling the
	// query is most of a look-up's cost on SQLite).
	byPostcode, byUPRN lazyStmt
}

var _ zones.Locator = (*Locator)(nil)

// Locator returns a Locator over the store's imported gazetteer. Keep it
// for the store's life: its statements are prepared once, and released
// when the store's database is closed.
func (s *Store) Locator() *Locator {
	return &Locator{
		s:          s,
		byPostcode: lazyStmt{query: s.d.Rebind(locatorSelect + ` WHERE p.postcode = ? ORDER BY p.position, p.uprn`)},
		byUPRN:     lazyStmt{query: s.d.Rebind(locatorSelect + ` WHERE p.uprn = ?`)},
	}
}

// lazyStmt is a statement prepared the first time it is needed; a failed
// preparation is tried again next time.
type lazyStmt struct {
	query string
	stmt  atomic.Pointer[sql.Stmt]
}

func (l *lazyStmt) get(ctx context.Context, db *sql.DB) (*sql.Stmt, error) {
	if st := l.stmt.Load(); st != nil {
		return st, nil
	}
	st, err := db.PrepareContext(ctx, l.query)
	if err != nil {
		return nil, err
	}
	if !l.stmt.CompareAndSwap(nil, st) {
		_ = st.Close() // another goroutine prepared it first
	}
	return l.stmt.Load(), nil
}

const locatorSelect = `SELECT p.uprn, p.sub_building, p.building_name, p.building_number, p.street, p.town, p.postcode,
  p.zone_id, COALESCE(z.name, ''), p.latitude, p.longitude
FROM properties p LEFT JOIN zones z ON z.id = p.zone_id`

// FindProperties implements zones.Locator: the postcode's properties in the
// order of the file they were last imported from, chosen by
// zones.MatchHouse. Database errors are described as the store's are (see
// ErrUnavailable); ctx's error is returned as it is.
func (l *Locator) FindProperties(ctx context.Context, postcode zones.Postcode, house string) ([]zones.Property, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if postcode.IsZero() {
		return nil, fmt.Errorf("sqlstore: finding properties: no postcode given: %w", zones.ErrInvalidPostcode)
	}
	st, err := l.byPostcode.get(ctx, l.s.db)
	if err != nil {
		return nil, l.fail(ctx, "finding properties at "+postcode.String(), err)
	}
	rows, err := st.QueryContext(ctx, postcode.String())
	if err != nil {
		return nil, l.fail(ctx, "finding properties at "+postcode.String(), err)
	}
	defer rows.Close()
	found := []zones.Property{}
	for rows.Next() {
		p, err := scanProperty(rows)
		if err != nil {
			return nil, l.fail(ctx, "finding properties at "+postcode.String(), err)
		}
		if zones.MatchHouse(p, house) {
			found = append(found, p)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, l.fail(ctx, "finding properties at "+postcode.String(), err)
	}
	return found, nil
}

// Property implements zones.Locator. It returns an error wrapping
// zones.ErrPropertyNotFound when no imported property has the UPRN.
func (l *Locator) Property(ctx context.Context, uprn zones.UPRN) (zones.Property, error) {
	if err := ctx.Err(); err != nil {
		return zones.Property{}, err
	}
	st, err := l.byUPRN.get(ctx, l.s.db)
	if err != nil {
		return zones.Property{}, l.fail(ctx, "reading property "+strconv.FormatUint(uint64(uprn), 10), err)
	}
	p, err := scanProperty(st.QueryRowContext(ctx, int64(uprn)))
	if errors.Is(err, sql.ErrNoRows) {
		return zones.Property{}, fmt.Errorf("sqlstore: UPRN %d: %w", uint64(uprn), zones.ErrPropertyNotFound)
	}
	if err != nil {
		return zones.Property{}, l.fail(ctx, "reading property "+strconv.FormatUint(uint64(uprn), 10), err)
	}
	return p, nil
}

// Len returns the number of properties imported.
func (l *Locator) Len(ctx context.Context) (int, error) {
	var n int
	if err := l.s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM properties`).Scan(&n); err != nil {
		return 0, l.fail(ctx, "counting properties", err)
	}
	return n, nil
}

func (l *Locator) fail(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return l.s.describe(op, err)
}

func scanProperty(row rowScanner) (zones.Property, error) {
	var (
		p        zones.Property
		uprn     int64
		postcode string
		lat, lng sql.NullFloat64
	)
	err := row.Scan(&uprn, &p.SubBuilding, &p.BuildingName, &p.BuildingNumber, &p.Street, &p.Town, &postcode, &p.Zone.ID, &p.Zone.Name, &lat, &lng)
	if err != nil {
		return zones.Property{}, err
	}
	p.UPRN = zones.UPRN(uprn)
	if p.Postcode, err = zones.ParsePostcode(postcode); err != nil {
		return zones.Property{}, fmt.Errorf("sqlstore: stored property %d: %w", uprn, err)
	}
	if p.Zone.ID == "" {
		p.Zone = zones.Zone{}
	}
	if lat.Valid && lng.Valid {
		p.Location = zones.LatLng{Lat: lat.Float64, Lng: lng.Float64}
	}
	return p, nil
}
