package httpapi

import (
	"bytes"
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
	"strconv"
	"strings"

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

func documentKey(permitID, docID string) string { return "permits/" + permitID + "/documents/" + docID }

// uploadDocument stores a file for a permit's evidence. The form has one
// file part named "file" and, optionally, a text part "kind" naming the
// evidence kind it shows (one the scheme accepts).
func (h *api) uploadDocument(w http.ResponseWriter, r *http.Request, c *call) error {
	p, err := h.ownPermit(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	boundary := params["boundary"]
	if boundary == "" {
		return newError(http.StatusBadRequest, CodeValidationFailed, "The multipart/form-data Content-Type has no boundary.")
	}
	file, kind, err := h.readForm(multipart.NewReader(bytes.NewReader(c.body), boundary))
	if err != nil {
		return err
	}
	if kind != "" {
		if _, ok := h.svc.Scheme().Evidence.Kind(evidence.Kind(kind)); !ok {
			return invalidField("kind", "evidence_unknown_kind", fmt.Sprintf("The council does not accept documents of kind %q.", kind))
		}
	}
	ct := http.DetectContentType(file)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	if !allowedDocumentType(ct) {
		return newError(http.StatusUnsupportedMediaType, CodeUnsupportedMediaType, "The file must be a PDF, JPEG or PNG.")
	}
	var idb [8]byte
	_, _ = rand.Read(idb[:])
	sum := sha256.Sum256(file)
	doc := uploadedDocumentJSON{ID: "doc_" + hex.EncodeToString(idb[:]), PermitID: p.ID, Kind: kind, ContentType: ct,
		Size: int64(len(file)), SHA256: hex.EncodeToString(sum[:]), UploadedAt: instant(h.serviceNow()), UploadedBy: c.p.actor().String()}
	attrs := map[string]string{"id": doc.ID, "permit_id": doc.PermitID, "kind": doc.Kind, "content_type": ct,
		"size": strconv.FormatInt(doc.Size, 10), "sha256": doc.SHA256, "uploaded_at": doc.UploadedAt, "uploaded_by": doc.UploadedBy}
	if err := h.blobs.Put(r.Context(), documentKey(p.ID, doc.ID), file, attrs); err != nil {
		return fmt.Errorf("httpapi: storing document: %w", err)
	}
	w.Header().Set("Location", "/v1/permits/"+p.ID+"/documents/"+doc.ID)
	return writeJSON(w, http.StatusCreated, doc)
}

// readForm reads the file and kind parts; anything else is refused, so a
// form cannot smuggle in a second file.
func (h *api) readForm(mr *multipart.Reader) (file []byte, kind string, err error) {
	seenFile := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", newError(http.StatusBadRequest, CodeValidationFailed, "The multipart/form-data body is malformed.")
		}
		switch part.FormName() {
		case "file":
			if seenFile {
				return nil, "", invalidField("file", "too_many", "Send one file per request.")
			}
			seenFile = true
			file, err = io.ReadAll(io.LimitReader(part, h.maxDoc+1))
			if err != nil {
				return nil, "", newError(http.StatusBadRequest, CodeValidationFailed, "The file part could not be read.")
			}
			if int64(len(file)) > h.maxDoc {
				return nil, "", tooLarge(h.maxDoc)
			}
		case "kind":
			b, err := io.ReadAll(io.LimitReader(part, 65))
			if err != nil || len(b) > 64 {
				return nil, "", invalidField("kind", "too_long", "kind must be at most 64 characters.")
			}
			kind = strings.TrimSpace(string(b))
		default:
			return nil, "", invalidField(part.FormName(), "unknown_field", "The form may hold only \"file\" and \"kind\".")
		}
	}
	if !seenFile || len(file) == 0 {
		return nil, "", invalidField("file", "required", "Attach the document as the form's \"file\" part.")
	}
	return file, kind, nil
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
	_, attrs, err := h.blobs.Attrs(r.Context(), "permits/"+p.ID+"/documents/")
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
	w.Header().Set("Content-Type", attrs["content_type"])
	w.Header().Set("Content-Disposition", `attachment; filename="`+attrs["id"]+extension(attrs["content_type"])+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
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
