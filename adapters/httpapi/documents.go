package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
)

// multipartOverhead is what a multipart body may hold beyond the file
// itself: part headers, boundaries and the small text fields.
const multipartOverhead = 64 << 10

// allowedDocumentTypes are the content types accepted, judged by the
// file's first bytes (http.DetectContentType), never by what the client
// says: a scan is a PDF, JPEG or PNG.
func allowedDocumentType(ct string) bool {
	return ct == "application/pdf" || ct == "image/jpeg" || ct == "image/png"
}

type uploadedDocumentJSON struct {
	ID          string `json:"id"`
	PermitID    string `json:"permit_id"`
	Kind        string `json:"kind,omitempty"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	UploadedAt  string `json:"uploaded_at"`
	UploadedBy  string `json:"uploaded_by"`
}

func documentPrefix(permitID string) string { return "permits/" + permitID + "/documents/" }

func documentKey(permitID, docID string) string { return documentPrefix(permitID) + docID }

// CodeTooManyDocuments is the problem code (422) of an upload to a permit
// that already holds as many documents as a permit may.
const CodeTooManyDocuments = "too_many_documents"

// upload is a multipart/form-data upload read to its end before the route
// runs: the file spooled to a temporary file while it is hashed and its
// type sniffed, so no file is ever held whole in memory.
type upload struct {
	file        *os.File // the file part, at offset 0 once read; nil when there was none
	size        int64
	sha256      string
	contentType string // sniffed from the first bytes, parameters dropped
	kind        string
}

// close removes the spooled file.
func (u *upload) close() {
	if u == nil || u.file == nil {
		return
	}
	name := u.file.Name()
	_ = u.file.Close()
	_ = os.Remove(name)
}

// sniffer keeps the first bytes written to it, for http.DetectContentType.
type sniffer struct{ b []byte }

func (s *sniffer) Write(p []byte) (int, error) {
	if room := 512 - len(s.b); room > 0 {
		s.b = append(s.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// readUpload reads a multipart/form-data body: one file part named "file"
// and, optionally, a text part "kind" naming the evidence kind it shows.
// Anything else is refused, so a form cannot smuggle in a second file. It
// returns the upload and the SHA-256 of the whole body (for the
// Idempotency-Key fingerprint).
func (h *api) readUpload(w http.ResponseWriter, r *http.Request) (*upload, [sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, sum, newError(http.StatusUnsupportedMediaType, CodeUnsupportedMediaType, "Send the file as multipart/form-data.")
	}
	limit := h.maxDoc + multipartOverhead
	if r.ContentLength > limit {
		return nil, sum, tooLarge(limit)
	}
	boundary := params["boundary"]
	if boundary == "" {
		return nil, sum, newError(http.StatusBadRequest, CodeValidationFailed, "The multipart/form-data Content-Type has no boundary.")
	}
	whole := sha256.New()
	body := io.TeeReader(http.MaxBytesReader(w, r.Body, limit), whole)
	u := &upload{}
	fail := func(err error) (*upload, [sha256.Size]byte, error) {
		u.close()
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, sum, tooLarge(limit)
		}
		return nil, sum, err
	}
	malformed := newError(http.StatusBadRequest, CodeValidationFailed, "The multipart/form-data body is malformed.")
	mr := multipart.NewReader(body, boundary)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			var mb *http.MaxBytesError
			if errors.As(err, &mb) {
				return fail(err)
			}
			return fail(malformed)
		}
		switch part.FormName() {
		case "file":
			if u.file != nil {
				return fail(invalidField("file", "too_many", "Send one file per request."))
			}
			if err := h.spool(u, part); err != nil {
				return fail(err)
			}
		case "kind":
			b, err := io.ReadAll(io.LimitReader(part, 65))
			if err != nil {
				return fail(malformed)
			}
			if len(b) > 64 {
				return fail(invalidField("kind", "too_long", "kind must be at most 64 characters."))
			}
			u.kind = strings.TrimSpace(string(b))
		default:
			return fail(invalidField(part.FormName(), "unknown_field", "The form may hold only \"file\" and \"kind\"."))
		}
	}
	// The epilogue counts too: the fingerprint is of the whole body.
	if _, err := io.Copy(io.Discard, body); err != nil {
		return fail(err)
	}
	if u.file == nil || u.size == 0 {
		return fail(invalidField("file", "required", "Attach the document as the form's \"file\" part."))
	}
	copy(sum[:], whole.Sum(nil))
	return u, sum, nil
}

// spool copies the file part to a temporary file, hashing it and keeping
// its first bytes to judge its type.
func (h *api) spool(u *upload, part io.Reader) error {
	f, err := os.CreateTemp(h.tempDir, "carerpermit-upload-*")
	if err != nil {
		return fmt.Errorf("httpapi: spooling an upload: %w", err)
	}
	u.file = f
	hash, sniff := sha256.New(), &sniffer{}
	n, err := io.Copy(io.MultiWriter(f, hash, sniff), io.LimitReader(part, h.maxDoc+1))
	if err != nil {
		var mb *http.MaxBytesError
		var pe *fs.PathError
		switch {
		case errors.As(err, &mb):
			return err
		case errors.As(err, &pe): // writing the temporary file
			return fmt.Errorf("httpapi: spooling an upload: %w", err)
		}
		return newError(http.StatusBadRequest, CodeValidationFailed, "The file part could not be read.")
	}
	if n > h.maxDoc {
		return tooLarge(h.maxDoc)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("httpapi: spooling an upload: %w", err)
	}
	ct := http.DetectContentType(sniff.b)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	u.size, u.sha256, u.contentType = n, hex.EncodeToString(hash.Sum(nil)), ct
	return nil
}

// uploadDocument stores a file for a permit's evidence, within the caps on
// one file and on all the files of a permit.
func (h *api) uploadDocument(w http.ResponseWriter, r *http.Request, c *call) error {
	p, err := h.ownPermit(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	u := c.upload
	if u.kind != "" {
		if _, ok := h.svc.Scheme().Evidence.Kind(evidence.Kind(u.kind)); !ok {
			return invalidField("kind", "evidence_unknown_kind", fmt.Sprintf("The council does not accept documents of kind %q.", u.kind))
		}
	}
	if !allowedDocumentType(u.contentType) {
		return newError(http.StatusUnsupportedMediaType, CodeUnsupportedMediaType, "The file must be a PDF, JPEG or PNG.")
	}
	if err := h.withinCaps(r, p.ID, u.size, ""); err != nil {
		return err
	}
	var idb [8]byte
	_, _ = rand.Read(idb[:])
	doc := uploadedDocumentJSON{ID: "doc_" + hex.EncodeToString(idb[:]), PermitID: p.ID, Kind: u.kind, ContentType: u.contentType,
		Size: u.size, SHA256: u.sha256, UploadedAt: instant(h.svc.Now()), UploadedBy: c.p.actor().String()}
	attrs := map[string]string{"id": doc.ID, "permit_id": doc.PermitID, "kind": doc.Kind, "content_type": doc.ContentType,
		"size": strconv.FormatInt(doc.Size, 10), "sha256": doc.SHA256, "uploaded_at": doc.UploadedAt, "uploaded_by": doc.UploadedBy}
	key := documentKey(p.ID, doc.ID)
	if err := h.blobs.Put(r.Context(), key, u.file, attrs); err != nil {
		return fmt.Errorf("httpapi: storing document: %w", err)
	}
	// Uploads at the same moment (on any instance) all passed the check
	// above; one that finds the caps exceeded now takes its file back, so
	// the caps hold (at worst both are refused, and a retry settles it).
	if err := h.withinCaps(r, p.ID, 0, key); err != nil {
		keep, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
		defer cancel()
		if derr := h.blobs.Delete(keep, key); derr != nil {
			return fmt.Errorf("httpapi: taking back a document over the caps: %w", derr)
		}
		return err
	}
	w.Header().Set("Location", h.link("/v1/permits/"+p.ID+"/documents/"+doc.ID))
	return writeJSON(w, http.StatusCreated, doc)
}

// withinCaps checks a permit's files against the caps with one more of
// size bytes (size 0 and mine, the key of a file just stored: with it).
func (h *api) withinCaps(r *http.Request, permitID string, size int64, mine string) error {
	keys, held, err := h.blobs.Attrs(r.Context(), documentPrefix(permitID))
	if err != nil {
		return fmt.Errorf("httpapi: listing documents: %w", err)
	}
	others, total := len(held), size
	for i, a := range held {
		if keys[i] == mine {
			others--
		}
		n, _ := strconv.ParseInt(a["size"], 10, 64)
		total += n
	}
	if others >= h.maxDocs {
		return newError(http.StatusUnprocessableEntity, CodeTooManyDocuments,
			fmt.Sprintf("This permit already has %s, the most one permit may have.", documentCount(others)))
	}
	if total > h.maxPermitDocBytes {
		return newError(http.StatusRequestEntityTooLarge, CodePayloadTooLarge,
			fmt.Sprintf("With this file the permit's documents would come to %d bytes; one permit's documents may come to at most %d bytes.", total, h.maxPermitDocBytes))
	}
	return nil
}

// documentCount says "1 document" or "n documents".
func documentCount(n int) string {
	if n == 1 {
		return "1 document"
	}
	return strconv.Itoa(n) + " documents"
}

func uploadedOf(a map[string]string) uploadedDocumentJSON {
	size, _ := strconv.ParseInt(a["size"], 10, 64)
	return uploadedDocumentJSON{ID: a["id"], PermitID: a["permit_id"], Kind: a["kind"], ContentType: a["content_type"],
		Size: size, SHA256: a["sha256"], UploadedAt: a["uploaded_at"], UploadedBy: a["uploaded_by"]}
}

func (h *api) listDocuments(w http.ResponseWriter, r *http.Request, c *call) error {
	p, err := h.ownPermit(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	_, attrs, err := h.blobs.Attrs(r.Context(), documentPrefix(p.ID))
	if err != nil {
		return fmt.Errorf("httpapi: listing documents: %w", err)
	}
	out := make([]uploadedDocumentJSON, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, uploadedOf(a))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"documents": out})
}

// getDocument sends a stored file back as an attachment, never inline, so
// a browser does not render what a resident uploaded.
func (h *api) getDocument(w http.ResponseWriter, r *http.Request, c *call) error {
	p, err := h.ownPermit(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	data, attrs, err := h.blobs.Get(r.Context(), documentKey(p.ID, r.PathValue("doc_id")))
	if errors.Is(err, fs.ErrNotExist) {
		return permit.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("httpapi: reading document: %w", err)
	}
	defer data.Close()
	if c.p.Role == RoleOfficer {
		// The record of who looked (issue 19): an officer's view of
		// evidence is written before a byte of it is sent.
		if err := h.svc.RecordDocumentViewed(r.Context(), c.p.actor(), p.ID, attrs["id"]); err != nil {
			return err
		}
	}
	w.Header().Set("Content-Type", attrs["content_type"])
	w.Header().Set("Content-Disposition", `attachment; filename="`+attrs["id"]+extension(attrs["content_type"])+`"`)
	if _, err := strconv.ParseInt(attrs["size"], 10, 64); err == nil {
		w.Header().Set("Content-Length", attrs["size"])
	}
	if attrs["sha256"] != "" {
		w.Header().Set("ETag", `"`+attrs["sha256"]+`"`)
	}
	if _, err := io.Copy(w, data); err != nil {
		// The status is sent: all that is left is to cut the response
		// short, so the client sees a truncated body, not a wrong file.
		h.log.ErrorContext(r.Context(), "sending document", "request_id", recordOf(r).id, "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

func extension(ct string) string {
	switch ct {
	case "application/pdf":
		return ".pdf"
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	}
	return ""
}

// DocumentFiles gives the Service (permit.Options.Documents) the evidence
// files the API keeps in blobs under its own layout
// (permits/<id>/documents/<doc>), for retention and anonymisation to
// delete. The resident pages file their uploads under the same keys.
func DocumentFiles(blobs BlobStore) permit.DocumentFiles { return documentFiles{blobs} }

type documentFiles struct{ b BlobStore }

func (d documentFiles) Files(ctx context.Context, permitID string) ([]permit.DocumentFile, error) {
	prefix := documentPrefix(permitID)
	keys, attrs, err := d.b.Attrs(ctx, prefix)
	if err != nil {
		return nil, err
	}
	out := make([]permit.DocumentFile, 0, len(keys))
	for i, k := range keys {
		out = append(out, permit.DocumentFile{ID: strings.TrimPrefix(k, prefix), Kind: attrs[i]["kind"]})
	}
	return out, nil
}

func (d documentFiles) Delete(ctx context.Context, permitID, id string) error {
	return d.b.Delete(ctx, documentPrefix(permitID)+id)
}
