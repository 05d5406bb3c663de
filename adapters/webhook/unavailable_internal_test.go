package webhook

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/internal/httpx"
)

type sqlStateError string

func (e sqlStateError) Error() string    { return "database said " + string(e) }
func (e sqlStateError) SQLState() string { return string(e) }

// Issue 11, defect 3: a database that cannot be reached is 503
// unavailable with Retry-After on the webhooks API too, never 500.
func TestDatabaseUnavailableIs503(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("listing: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}),
		fmt.Errorf("reading: %w", io.ErrUnexpectedEOF),
		errors.New("sql: database is closed"),
		sqlStateError("57P01"), // admin shutdown
		sqlStateError("08006"), // connection failure
		sqlStateError("53300"), // too many connections
	} {
		p := problemOf(err)
		require.Equal(t, http.StatusServiceUnavailable, p.Status, "%v", err)
		require.Equal(t, httpx.CodeUnavailable, p.Code)
		require.NotEmpty(t, p.Header.Get("Retry-After"))
	}
	require.Equal(t, http.StatusInternalServerError, problemOf(sqlStateError("42P01")).Status, "a missing table is a bug, not an outage")
	require.Equal(t, http.StatusInternalServerError, problemOf(errors.New("something else")).Status)
}
