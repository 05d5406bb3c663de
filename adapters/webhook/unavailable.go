package webhook

import (
	"database/sql"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
)

// databaseUnavailable reports whether err says the database cannot be
// reached right now — refused or dropped connections, a server shutting
// down, too many clients, a closed pool — so that the API answers 503
// unavailable (with Retry-After) rather than 500. It reads only what every
// driver shares (network errors, SQLSTATE codes), so the store stays free
// of any one driver.
func databaseUnavailable(err error) bool {
	var (
		ne    net.Error
		state interface{ SQLState() string }
	)
	if errors.As(err, &state) {
		code := state.SQLState()
		return strings.HasPrefix(code, "08") || strings.HasPrefix(code, "57P") || code == "53300"
	}
	return errors.As(err, &ne) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		strings.Contains(err.Error(), "sql: database is closed") || strings.Contains(err.Error(), "conn closed")
}
