package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"
)

// BlobStore keeps the files attached to permits (scans and photos of
// evidence). Like IdempotencyStore it uses only basic types, so an object
// storage or database adapter (adapters/sqlstore's Blobs) can implement it
// on its own. Files go in and come out as streams, so a server never needs
// to hold a whole file in memory. Implementations must be safe for
// concurrent use.
type BlobStore interface {
	// Put stores everything r yields under key with its attributes
	// (content type, kind, hash...). A key is written once: putting an
	// existing key is an error wrapping fs.ErrExist. An error reading r
	// stores nothing and is returned (wrapped).
	Put(ctx context.Context, key string, r io.Reader, attrs map[string]string) error
	// Get opens a blob for reading, with its attributes; the caller
	// closes the reader. An error wrapping fs.ErrNotExist when there is
	// none. Reading may fail midway (the database went away) with the
	// reader's error.
	Get(ctx context.Context, key string) (data io.ReadCloser, attrs map[string]string, err error)
	// Attrs returns the attributes of every blob whose key starts with
	// prefix, by key.
	Attrs(ctx context.Context, prefix string) (keys []string, attrs []map[string]string, err error)
	// Delete removes a blob; a key with no blob is not an error.
	Delete(ctx context.Context, key string) error
}

// MemoryBlobs is a BlobStore in memory, for tests: files are lost when
// the process stops, and each is held whole.
type MemoryBlobs struct {
	mu    sync.RWMutex
	blobs map[string]memBlob
}

type memBlob struct {
	data  []byte
	attrs map[string]string
}

var _ BlobStore = (*MemoryBlobs)(nil)

// NewMemoryBlobs returns an empty store.
func NewMemoryBlobs() *MemoryBlobs { return &MemoryBlobs{blobs: map[string]memBlob{}} }

// Put implements BlobStore.
func (m *MemoryBlobs) Put(_ context.Context, key string, r io.Reader, attrs map[string]string) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("httpapi: reading blob %q: %w", key, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.blobs[key]; ok {
		return fmt.Errorf("httpapi: blob %q: %w", key, fs.ErrExist)
	}
	m.blobs[key] = memBlob{data: data, attrs: maps.Clone(attrs)}
	return nil
}

// Get implements BlobStore.
func (m *MemoryBlobs) Get(_ context.Context, key string) (io.ReadCloser, map[string]string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	b, ok := m.blobs[key]
	if !ok {
		return nil, nil, fmt.Errorf("httpapi: blob %q: %w", key, fs.ErrNotExist)
	}
	// The stored slice is never written again, so readers may share it.
	return io.NopCloser(bytes.NewReader(b.data)), maps.Clone(b.attrs), nil
}

// Attrs implements BlobStore.
func (m *MemoryBlobs) Attrs(_ context.Context, prefix string) ([]string, []map[string]string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var keys []string
	for k := range m.blobs {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	attrs := make([]map[string]string, len(keys))
	for i, k := range keys {
		attrs[i] = maps.Clone(m.blobs[k].attrs)
	}
	return keys, attrs, nil
}

// Delete implements BlobStore.
func (m *MemoryBlobs) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.blobs, key)
	return nil
}
