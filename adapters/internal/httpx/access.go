package httpx

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// Access is what the access log says about one request: never the
// Authorization header, query values or bodies.
type Access struct {
	RequestID string
	Method    string
	Path      string // the path to log (a route's pattern where the path holds personal data)
	Route     string // the matched route pattern, "" for none
	Status    int    // 0 means 200 (nothing was written)
	Bytes     int64
	Duration  time.Duration
	Role      string // "" for an anonymous caller
	Principal string
	Code      string // the problem's code, if the answer was one
	Replayed  bool   // an idempotent replay
}

// LogAccess writes the access-log record "request": at Error for a 5xx,
// Info otherwise.
func LogAccess(ctx context.Context, log *slog.Logger, a Access) {
	status := a.Status
	if status == 0 {
		status = http.StatusOK
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("request_id", a.RequestID), slog.String("method", a.Method), slog.String("path", a.Path),
		slog.String("route", a.Route), slog.Int("status", status), slog.Int64("bytes", a.Bytes),
		slog.Duration("duration", a.Duration),
	}
	if a.Role != "" {
		attrs = append(attrs, slog.String("role", a.Role), slog.String("principal", a.Principal))
	}
	if a.Code != "" {
		attrs = append(attrs, slog.String("code", a.Code))
	}
	if a.Replayed {
		attrs = append(attrs, slog.Bool("idempotent_replay", true))
	}
	log.LogAttrs(ctx, level, "request", attrs...)
}
