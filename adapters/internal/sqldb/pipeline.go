package sqldb

import "context"

// Pipeline is one connection of a pool driven by its driver natively,
// beneath database/sql, so that statements whose answers nobody waits for
// travel together: a write transaction queues its BEGIN to go out with
// its first read, and the writes whose outcome its reads already settle to
// go out with the next read or with its COMMIT. Statements run in the
// order they were queued or sent. PostgreSQL's driver package gives one
// (through Driver.Pipeline); SQLite, in process, has no round trips to
// save.
//
// A Pipeline is used by one goroutine, inside database/sql's Conn.Raw.
type Pipeline interface {
	// Queue adds a statement to be sent before the next Query or Exec,
	// or by Flush. done, when not nil, is told the statement's outcome
	// (the rows it changed, or its error) when its answer is read; a
	// statement queued after one that failed is not run, and its done
	// gets an error.
	Queue(q string, args []any, done func(rowsAffected int64, err error))
	// Query sends what is queued and then q, in one round trip, and
	// returns q's rows. An error of a queued statement is returned (after
	// its done has been told) and q is not run.
	Query(ctx context.Context, q string, args []any) (Rows, error)
	// Exec is Query for a statement that returns no rows: it returns the
	// rows the statement changed.
	Exec(ctx context.Context, q string, args []any) (int64, error)
	// Flush sends what is queued and reads the answers.
	Flush(ctx context.Context) error
	// Discard forgets what is queued and not sent.
	Discard()
	// RoundTrips is how many times the connection has sent statements
	// and waited for their answers.
	RoundTrips() int
}

// Rows are a Pipeline query's rows, read as database/sql's.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}
