package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
)

// blobChunk is the most bytes one row of blob_chunks holds: a file is
// written and read a chunk at a time, so neither side ever holds it whole.
const blobChunk = 256 << 10

// Blobs keeps files (the evidence residents upload) in the store's
// database, in tables of their own: a server's httpapi.BlobStore. Files are
// written in one transaction and read back a chunk at a time. Safe for
// concurrent use; every instance on one database sees the same files.
type Blobs struct{ s *Store }

// Blobs returns the store's files.
func (s *Store) Blobs() *Blobs { return &Blobs{s: s} }

// LockWriter takes this process's SQLite write lock (nothing on
// PostgreSQL) and returns the function that lets it go: for another
// package writing to the store's database (adapters/notifyoutbox), so that
// its writes queue behind the store's instead of meeting them as SQLite's
// "database is locked" and waiting out the busy timeout.
func (s *Store) LockWriter(ctx context.Context) (func(), error) { return s.lockWriter(ctx) }

// lockWriter takes this process's SQLite write lock (nothing on
// PostgreSQL); the returned function lets it go.
func (s *Store) lockWriter(ctx context.Context) (func(), error) {
	if s.writeMu == nil {
		return func() {}, nil
	}
	select {
	case s.writeMu <- struct{}{}:
		return func() { <-s.writeMu }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Put stores everything r yields under key with its attributes, in one
// transaction. A key is written once: an existing key is an error wrapping
// fs.ErrExist (and permit.ErrConflict). An error reading r stores nothing
// and is returned wrapped; a database that cannot be reached wraps
// ErrUnavailable.
func (b *Blobs) Put(ctx context.Context, key string, r io.Reader, attrs map[string]string) (err error) {
	s := b.s
	meta, err := json.Marshal(attrs)
	if err != nil {
		return fmt.Errorf("sqlstore: blob %s: encoding its attributes: %w", quote(key), err)
	}
	unlock, err := s.lockWriter(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.describe("storing a file", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	_, err = tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO blobs (key, attrs, size, chunks, created_at) VALUES (?, ?, 0, 0, ?)`),
		key, string(meta), s.d.Instant(time.Now()))
	if err != nil {
		if s.d.Classify(err) == sqldb.Unique {
			return fmt.Errorf("sqlstore: blob %s: %w: %w", quote(key), fs.ErrExist, s.describe("storing a file", err))
		}
		return s.describe("storing a file", err)
	}
	insert := s.d.Rebind(`INSERT INTO blob_chunks (key, seq, data) VALUES (?, ?, ?)`)
	buf := make([]byte, blobChunk)
	var size int64
	seq := 0
	for {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			// The driver copies the bytes before ExecContext returns, so
			// buf is free again after it.
			if _, err = tx.ExecContext(ctx, insert, key, seq, buf[:n]); err != nil {
				return s.describe("storing a file", err)
			}
			seq++
			size += int64(n)
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			err = fmt.Errorf("sqlstore: blob %s: reading the file: %w", quote(key), rerr)
			return err
		}
	}
	if _, err = tx.ExecContext(ctx, s.d.Rebind(`UPDATE blobs SET size = ?, chunks = ? WHERE key = ?`), size, seq, key); err != nil {
		return s.describe("storing a file", err)
	}
	if err = tx.Commit(); err != nil {
		return s.describe("storing a file", err)
	}
	return nil
}

// Get opens a file for reading, with its attributes; the caller closes the
// reader. An error wraps fs.ErrNotExist (and permit.ErrNotFound) when there
// is none. The reader fetches one chunk per read from the database, with
// ctx: reading fails midway if the database does.
func (b *Blobs) Get(ctx context.Context, key string) (io.ReadCloser, map[string]string, error) {
	s := b.s
	var meta string
	var chunks int
	err := s.db.QueryRowContext(ctx, s.d.Rebind(`SELECT attrs, chunks FROM blobs WHERE key = ?`), key).Scan(&meta, &chunks)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fmt.Errorf("sqlstore: blob %s: %w", quote(key), fs.ErrNotExist)
	}
	if err != nil {
		return nil, nil, s.describe("reading a file", err)
	}
	attrs := map[string]string{}
	if err := json.Unmarshal([]byte(meta), &attrs); err != nil {
		return nil, nil, fmt.Errorf("sqlstore: blob %s: its attributes are not a JSON object: %w", quote(key), err)
	}
	return &blobReader{ctx: ctx, b: b, key: key, chunks: chunks}, attrs, nil
}

// blobReader reads a blob's chunks in order, one query each.
type blobReader struct {
	ctx    context.Context
	b      *Blobs
	key    string
	chunks int
	next   int // the chunk to fetch when cur is used up
	cur    bytes.Reader
	closed bool
}

func (r *blobReader) Read(p []byte) (int, error) {
	if r.closed {
		return 0, fs.ErrClosed
	}
	for r.cur.Len() == 0 {
		if r.next >= r.chunks {
			return 0, io.EOF
		}
		s := r.b.s
		var data []byte
		err := s.db.QueryRowContext(r.ctx, s.d.Rebind(`SELECT data FROM blob_chunks WHERE key = ? AND seq = ?`), r.key, r.next).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("sqlstore: blob %s lost its part %d while being read: %w", quote(r.key), r.next, io.ErrUnexpectedEOF)
		}
		if err != nil {
			return 0, s.describe("reading a file", err)
		}
		r.cur.Reset(data)
		r.next++
	}
	return r.cur.Read(p)
}

func (r *blobReader) Close() error {
	r.closed = true
	r.cur.Reset(nil)
	return nil
}

// Attrs returns the attributes of every file whose key starts with
// prefix, by key.
func (b *Blobs) Attrs(ctx context.Context, prefix string) ([]string, []map[string]string, error) {
	s := b.s
	q, args := `SELECT key, attrs FROM blobs WHERE key >= ?`, []any{prefix}
	if upper, ok := prefixEnd(prefix); ok {
		q += ` AND key < ?`
		args = append(args, upper)
	}
	rows, err := s.db.QueryContext(ctx, s.d.Rebind(q+` ORDER BY key`), args...)
	if err != nil {
		return nil, nil, s.describe("listing files", err)
	}
	defer rows.Close()
	var keys []string
	var attrs []map[string]string
	for rows.Next() {
		var k, meta string
		if err := rows.Scan(&k, &meta); err != nil {
			return nil, nil, s.describe("listing files", err)
		}
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		a := map[string]string{}
		if err := json.Unmarshal([]byte(meta), &a); err != nil {
			return nil, nil, fmt.Errorf("sqlstore: blob %s: its attributes are not a JSON object: %w", quote(k), err)
		}
		keys, attrs = append(keys, k), append(attrs, a)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, s.describe("listing files", err)
	}
	return keys, attrs, nil
}

// Delete removes a file; a key with no file is not an error.
func (b *Blobs) Delete(ctx context.Context, key string) error {
	s := b.s
	unlock, err := s.lockWriter(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := s.db.ExecContext(ctx, s.d.Rebind(`DELETE FROM blobs WHERE key = ?`), key); err != nil {
		return s.describe("deleting a file", err)
	}
	return nil
}

// prefixEnd is the least string above every string that starts with
// prefix (byte order), when there is one short enough to compute: prefix
// with its last byte below 0x7f incremented, the bytes after it dropped.
func prefixEnd(prefix string) (string, bool) {
	for i := len(prefix) - 1; i >= 0; i-- {
		if prefix[i] < 0x7f {
			return prefix[:i] + string(rune(prefix[i]+1)), true
		}
	}
	return "", false
}
