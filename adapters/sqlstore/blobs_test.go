package sqlstore_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// failingReader yields some bytes and then fails, like an upload cut short.
type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	n := min(f.n, len(p))
	f.n -= n
	return n, nil
}

func TestBlobs(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		ctx := context.Background()
		dsn := newDSN(t)
		st := openStore(t, dsn, nil)
		blobs := st.Blobs()
		pattern := []byte("0123456789abcdef")
		for _, c := range []struct {
			name string
			size int
		}{
			{"one byte", 1},
			{"one chunk exactly", 256 << 10},
			{"several chunks", 600<<10 + 7},
		} {
			t.Run(c.name, func(t *testing.T) {
				data := bytes.Repeat(pattern, c.size/len(pattern)+1)[:c.size]
				key := "permits/p1/documents/" + c.name
				require.NoError(t, blobs.Put(ctx, key, bytes.NewReader(data), map[string]string{"content_type": "application/pdf", "name": c.name}))
				rc, attrs, err := blobs.Get(ctx, key)
				require.NoError(t, err)
				got, err := io.ReadAll(rc)
				require.NoError(t, err)
				require.NoError(t, rc.Close())
				require.Equal(t, data, got)
				require.Equal(t, map[string]string{"content_type": "application/pdf", "name": c.name}, attrs)

				err = blobs.Put(ctx, key, bytes.NewReader([]byte("again")), nil)
				require.ErrorIs(t, err, fs.ErrExist, "a key is written once")
			})
		}
		require.NoError(t, blobs.Put(ctx, "permits/p10/documents/d", bytes.NewReader([]byte("x")), nil))
		require.NoError(t, blobs.Put(ctx, "permits/p0/documents/d", bytes.NewReader([]byte("x")), nil))

		keys, attrs, err := blobs.Attrs(ctx, "permits/p1/documents/")
		require.NoError(t, err)
		require.Equal(t, []string{"permits/p1/documents/one byte", "permits/p1/documents/one chunk exactly", "permits/p1/documents/several chunks"}, keys)
		require.Len(t, attrs, 3)
		require.Equal(t, "one byte", attrs[0]["name"])

		_, _, err = blobs.Get(ctx, "permits/p1/documents/none")
		require.ErrorIs(t, err, fs.ErrNotExist)

		err = blobs.Put(ctx, "permits/p1/documents/cut", &failingReader{n: 300 << 10}, nil)
		require.ErrorContains(t, err, "connection reset")
		_, _, err = blobs.Get(ctx, "permits/p1/documents/cut")
		require.ErrorIs(t, err, fs.ErrNotExist, "a failed upload stores nothing")

		// Another instance on the same database sees the same files.
		other := openStore(t, dsn, nil)
		rc, _, err := other.Blobs().Get(ctx, "permits/p1/documents/one byte")
		require.NoError(t, err)
		got, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.Equal(t, []byte("0"), got)

		require.NoError(t, blobs.Delete(ctx, "permits/p1/documents/one byte"))
		_, _, err = other.Blobs().Get(ctx, "permits/p1/documents/one byte")
		require.ErrorIs(t, err, fs.ErrNotExist)
	})
}

func TestIdempotencyRecords(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		ctx := context.Background()
		dsn := newDSN(t)
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		recs := openStore(t, dsn, nil).Idempotency(clock)
		// A second instance on the same database.
		other := openStore(t, dsn, nil).Idempotency(clock)
		day := now.Add(24 * time.Hour)

		claimed, _, _, err := recs.Reserve(ctx, "public::k1", "fp1", day)
		require.NoError(t, err)
		require.True(t, claimed)

		claimed, fp, resp, err := other.Reserve(ctx, "public::k1", "fp1", day)
		require.NoError(t, err)
		require.False(t, claimed, "claimed on the other instance")
		require.Equal(t, "fp1", fp)
		require.Nil(t, resp, "still running")

		require.NoError(t, recs.Save(ctx, "public::k1", []byte(`{"status":201}`), day))
		claimed, fp, resp, err = other.Reserve(ctx, "public::k1", "fp2", day)
		require.NoError(t, err)
		require.False(t, claimed)
		require.Equal(t, "fp1", fp, "the first fingerprint, to refuse another request")
		require.Equal(t, []byte(`{"status":201}`), resp)

		require.Error(t, recs.Save(ctx, "public::never", []byte("x"), day), "a key never claimed")

		claimed, _, _, err = recs.Reserve(ctx, "public::k2", "fp", day)
		require.NoError(t, err)
		require.True(t, claimed)
		require.NoError(t, other.Release(ctx, "public::k2"))
		claimed, _, _, err = recs.Reserve(ctx, "public::k2", "fp", day)
		require.NoError(t, err)
		require.True(t, claimed, "released: the retry runs again")
		require.NoError(t, recs.Save(ctx, "public::k2", []byte("two"), day))

		// A claim whose request never finished (its server stopped) and
		// was never saved...
		claimed, _, _, err = recs.Reserve(ctx, "public::short", "fp", now.Add(time.Hour))
		require.NoError(t, err)
		require.True(t, claimed)

		// ...frees the key when it expires: a new request claims it.
		now = now.Add(2 * time.Hour)
		claimed, _, _, err = other.Reserve(ctx, "public::short", "fp-new", now.Add(24*time.Hour))
		require.NoError(t, err)
		require.True(t, claimed, "an expired record is free")

		// A day and two hours on, the due jobs delete the records of the
		// first day; the one claimed later stays.
		n, err := recs.DeleteExpired(ctx, day)
		require.NoError(t, err)
		require.Equal(t, 2, n)
		_, fp, _, err = recs.Reserve(ctx, "public::short", "x", now.Add(time.Hour))
		require.NoError(t, err)
		require.Equal(t, "fp-new", fp)
		n, err = recs.DeleteExpired(ctx, day)
		require.NoError(t, err)
		require.Zero(t, n)
	})
}

// Defect 14 (issue 11): the SQLite file and its -wal and -shm files hold
// personal data, so only their owner may read them.
func TestSQLiteFilesArePrivate(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, dsn string }{
		{"path", filepath.Join(dir, "plain.db")},
		{"file URI", "file:" + filepath.Join(dir, "uri.db") + "?_pragma=cache_size(-2000)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := openStore(t, c.dsn, nil)
			// A write, so the -wal and -shm files exist.
			require.NoError(t, st.Blobs().Put(context.Background(), "k", bytes.NewReader([]byte("x")), nil))
			path, _, _ := strings.Cut(strings.TrimPrefix(c.dsn, "file:"), "?")
			for _, suffix := range []string{"", "-wal", "-shm"} {
				fi, err := os.Stat(path + suffix)
				require.NoError(t, err)
				require.Zero(t, fi.Mode().Perm()&0o077, "%s%s is %v", filepath.Base(path), suffix, fi.Mode().Perm())
			}
		})
	}
}
