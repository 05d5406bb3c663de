package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/carerpermit/carerpermit/adapters/internal/views"
	"github.com/carerpermit/carerpermit/evidence"
)

// Files keeps the evidence files residents upload. A server gives the
// store the JSON API keeps its documents in (adapters/sqlstore's Blobs,
// which is also httpapi's BlobStore), and the pages file what they
// receive under the same keys and attributes as POST
// /v1/permits/{id}/documents does, so that GET /v1/permits/{id}/documents
// and the officers see one set of files whichever way they came.
// Implementations must be safe for concurrent use.
type Files interface {
	// Put stores everything r yields under key with its attributes; a
	// key is written once (an error wrapping fs.ErrExist otherwise).
	Put(ctx context.Context, key string, r io.Reader, attrs map[string]string) error
	// Get opens a file with its attributes (an error wrapping
	// fs.ErrNotExist when there is none); the caller closes it.
	Get(ctx context.Context, key string) (io.ReadCloser, map[string]string, error)
	// Attrs returns the attributes of every file whose key starts with
	// prefix, by key.
	Attrs(ctx context.Context, prefix string) ([]string, []map[string]string, error)
	// Delete removes a file; a key with none is not an error.
	Delete(ctx context.Context, key string) error
}

// DefaultMaxDocumentBytes caps one uploaded file when Options leave it 0
// (the JSON API's default too).
const DefaultMaxDocumentBytes = 10 << 20

// The layout of the JSON API's documents (adapters/httpapi, documents.go):
// permits/<permit>/documents/<doc>, with these attributes. The permitd
// end-to-end test checks the API lists what the pages filed.
func permitDocumentKey(permitID, docID string) string {
	return "permits/" + permitID + "/documents/" + docID
}

// Files a resident has sent before the application, renewal or move
// they belong to exists wait under uploads/<account>/<doc>, with the
// document's details (kind, date, name...) in their attributes, until
// the service accepts the request and they are filed under the permit.
func stagedPrefix(accountID string) string { return "uploads/" + accountID + "/" }

// staged is a file sent and waiting, with what the resident said of it.
type staged struct {
	ID, Key  string
	Filename string
	Doc      evidence.Document
	Attrs    map[string]string
}

func newDocumentID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "doc_" + hex.EncodeToString(b[:])
}

// documentAttrs are a staged file's attributes: those the API keeps for
// a document, and the document's details the pages asked.
func documentAttrs(id, accountID, filename, contentType, sha string, size int64, at time.Time, d evidence.Document) map[string]string {
	fields, _ := json.Marshal(d.Fields)
	return map[string]string{
		"id": id, "kind": string(d.Kind), "content_type": contentType, "size": fmt.Sprint(size), "sha256": sha,
		"uploaded_at": views.Instant(at), "uploaded_by": "account:" + accountID,
		"account_id": accountID, "filename": filename, "issued_on": d.IssuedOn.Format(time.DateOnly),
		"name": d.Name, "address": d.Address, "fields": string(fields),
	}
}

func stagedOf(key string, a map[string]string) staged {
	d := evidence.Document{Kind: evidence.Kind(a["kind"]), Name: a["name"], Address: a["address"]}
	if t, err := time.Parse(time.DateOnly, a["issued_on"]); err == nil {
		d.IssuedOn = t
	}
	if f := a["fields"]; f != "" && f != "null" {
		_ = json.Unmarshal([]byte(f), &d.Fields)
	}
	return staged{ID: a["id"], Key: key, Filename: a["filename"], Doc: d, Attrs: a}
}

// stagedDocs returns the account's waiting files named by ids, in the
// order given; ids that are not the account's are left out.
func (h *handler) stagedDocs(ctx context.Context, accountID string, ids []string) ([]staged, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	keys, attrs, err := h.files.Attrs(ctx, stagedPrefix(accountID))
	if err != nil {
		return nil, err
	}
	byID := make(map[string]staged, len(keys))
	for i, k := range keys {
		s := stagedOf(k, attrs[i])
		byID[s.ID] = s
	}
	var out []staged
	for _, id := range ids {
		if s, ok := byID[id]; ok && !slices.ContainsFunc(out, func(o staged) bool { return o.ID == id }) {
			out = append(out, s)
		}
	}
	return out, nil
}

// attach files the waiting files under the permit the service accepted
// them for, as the API's documents, and drops the waiting copies.
func (h *handler) attach(ctx context.Context, permitID string, docs []staged) error {
	var errs []error
	for _, s := range docs {
		r, _, err := h.files.Get(ctx, s.Key)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		a := map[string]string{"permit_id": permitID}
		for _, k := range [...]string{"id", "kind", "content_type", "size", "sha256", "uploaded_at", "uploaded_by"} {
			a[k] = s.Attrs[k]
		}
		err = h.files.Put(ctx, permitDocumentKey(permitID, s.ID), r, a)
		_ = r.Close()
		if err != nil && !errors.Is(err, fs.ErrExist) {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, h.files.Delete(ctx, s.Key))
	}
	return errors.Join(errs...)
}

// memoryFiles is Files in memory: the default for tests, lost on restart.
type memoryFiles struct {
	mu sync.RWMutex
	m  map[string]memoryFile
}

type memoryFile struct {
	data  []byte
	attrs map[string]string
}

func newMemoryFiles() *memoryFiles { return &memoryFiles{m: map[string]memoryFile{}} }

func (f *memoryFiles) Put(_ context.Context, key string, r io.Reader, attrs map[string]string) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.m[key]; ok {
		return fmt.Errorf("web: file %q: %w", key, fs.ErrExist)
	}
	f.m[key] = memoryFile{data: b, attrs: maps.Clone(attrs)}
	return nil
}

func (f *memoryFiles) Get(_ context.Context, key string) (io.ReadCloser, map[string]string, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	v, ok := f.m[key]
	if !ok {
		return nil, nil, fmt.Errorf("web: file %q: %w", key, fs.ErrNotExist)
	}
	return io.NopCloser(bytes.NewReader(v.data)), maps.Clone(v.attrs), nil
}

func (f *memoryFiles) Attrs(_ context.Context, prefix string) ([]string, []map[string]string, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	var keys []string
	for k := range f.m {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	attrs := make([]map[string]string, len(keys))
	for i, k := range keys {
		attrs[i] = maps.Clone(f.m[k].attrs)
	}
	return keys, attrs, nil
}

func (f *memoryFiles) Delete(_ context.Context, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.m, key)
	return nil
}
