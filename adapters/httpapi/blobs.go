package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"
)

// BlobStore keeps the files attached to permits (scans and photos of
// evidence). Like IdempotencyStore it uses only basic types, so an object
// storage or database adapter can implement it on its own. Implementations
// must be safe for concurrent use.
type BlobStore interface {
	// Put stores data under key with its attributes (content type, kind,
	// hash...). A key is written once; putting an existing key is an error.
	Put(ctx context.Context, key string, data []byte, attrs map[string]string) error
	// Get returns a blob and its attributes; an error wrapping
	// fs.ErrNotExist when there is none.
	Get(ctx context.Context, key string) (data []byte, attrs map[string]string, err error)
	// Attrs returns the attributes of every blob whose key starts with
	// prefix, by key.
	Attrs(ctx context.Context, prefix string) (keys []string, attrs []map[string]string, err error)
}

// MemoryBlobs is a BlobStore in memory, for evaluation and tests: files
// are lost when the process stops.
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
func (m *MemoryBlobs) Put(_ context.Context, key string, data []byte, attrs map[string]string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.blobs[key]; ok {
		return fmt.Errorf("httpapi: blob %q already exists", key)
	}
	m.blobs[key] = memBlob{data: bytes.Clone(data), attrs: maps.Clone(attrs)}
	return nil
}

// Get implements BlobStore.
func (m *MemoryBlobs) Get(_ context.Context, key string) ([]byte, map[string]string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	b, ok := m.blobs[key]
	if !ok {
		return nil, nil, fmt.Errorf("httpapi: blob %q: %w", key, fs.ErrNotExist)
	}
	return bytes.Clone(b.data), maps.Clone(b.attrs), nil
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
