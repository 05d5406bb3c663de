package council_test

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// deps lists the packages a build of pattern (and, with test, its tests)
// links, as go list -deps reports them.
func deps(t *testing.T, test bool, pattern string) []string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	require.NoError(t, err, "the go command is needed to list what a program links")
	args := []string{"list", "-deps"}
	if test {
		args = append(args, "-test")
	}
	cmd := exec.Command(gobin, append(args, pattern)...)
	cmd.Dir = ".." // the module root
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, ee.Stderr)
	}
	require.NoError(t, err)
	return strings.Fields(string(out))
}

func hasPrefix(pkgs []string, prefix string) []string {
	var out []string
	for _, p := range pkgs {
		if p == prefix || strings.HasPrefix(p, prefix+"/") {
			out = append(out, p)
		}
	}
	return out
}

// The importer chooses the drivers: an SQLite program links no PostgreSQL
// driver (pgx), a PostgreSQL program no SQLite (modernc.org/...), and the
// journey test links only SQLite.
func TestProgramsLinkOnlyTheirDriver(t *testing.T) {
	const pgx, sqlite, libc = "github.com/jackc/pgx/v5", "modernc.org/sqlite", "modernc.org/libc"

	lite := deps(t, false, "./cmd/sqliteonly")
	require.NotEmpty(t, hasPrefix(lite, sqlite), "the SQLite program links SQLite")
	require.Empty(t, hasPrefix(lite, pgx), "the SQLite program links no PostgreSQL driver")

	pg := deps(t, false, "./cmd/pgonly")
	require.NotEmpty(t, hasPrefix(pg, pgx+"/stdlib"), "the PostgreSQL program links pgx")
	require.Empty(t, hasPrefix(pg, sqlite), "the PostgreSQL program links no SQLite")
	require.Empty(t, hasPrefix(pg, libc), "the PostgreSQL program links no SQLite C library")

	journey := deps(t, true, "./council")
	require.NotEmpty(t, hasPrefix(journey, sqlite))
	require.Empty(t, hasPrefix(journey, pgx), "the journey test links no PostgreSQL driver")
}
