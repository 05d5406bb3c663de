package httpapi

import (
	"net/http"
	"time"

	"github.com/carerpermit/carerpermit/permit"
)

// vehicleCheckJSON is the answer of GET /v1/enforcement/vehicles/{vrm}.
type vehicleCheckJSON struct {
	VRM       string              `json:"vrm"`
	Zone      *zoneJSON           `json:"zone"`
	At        string              `json:"at"`
	On        string              `json:"on"`
	Permitted bool                `json:"permitted"`
	Permits   []checkedPermitJSON `json:"permits"`
}

// checkedPermitJSON is a permit as an enforcement officer needs it: what it
// covers and whether it lets the vehicle park here and now. It leaves out
// the holder's details and payment, which a look-up at the kerb does not
// need.
type checkedPermitJSON struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Status    string    `json:"status"`
	Valid     bool      `json:"valid"`
	Zone      *zoneJSON `json:"zone"`
	StartsOn  string    `json:"starts_on"`
	ExpiresOn string    `json:"expires_on"`
}

func vehicleCheckOf(c permit.VehicleCheck) vehicleCheckJSON {
	out := vehicleCheckJSON{VRM: string(c.VRM), Zone: zoneOf(c.Zone), At: instant(c.At), On: date(c.On), Permitted: c.Permitted,
		Permits: make([]checkedPermitJSON, 0, len(c.Permits))}
	for _, cp := range c.Permits {
		p := cp.Permit
		out.Permits = append(out.Permits, checkedPermitJSON{ID: p.ID, Type: p.Type, Status: string(cp.Status), Valid: cp.Valid,
			Zone: zoneOf(p.Zone), StartsOn: date(p.StartsOn), ExpiresOn: date(p.ExpiresOn)})
	}
	return out
}

// maxZoneIDLength bounds the zone parameter: no council names a zone with
// more, and an error message quotes it.
const maxZoneIDLength = 100

// checkVehicle answers a civil enforcement officer: does this vehicle hold
// a permit valid in this zone at this instant (default now)? A malformed
// instant or a missing zone is a request the server cannot read (400); a
// registration that cannot be one, or a zone the scheme does not have, is
// 422 (invalid_vrm, validation_failed).
func (h *api) checkVehicle(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	zone := q.Get("zone")
	if zone == "" {
		return badRequest("zone", "required", "Give the permit zone the vehicle is parked in, such as ?zone=loughborough-1.")
	}
	if len(zone) > maxZoneIDLength {
		return badRequest("zone", "too_long", "zone must be a zone ID of at most 100 characters.")
	}
	var at time.Time
	if s := q.Get("at"); s != "" {
		var fp *fieldProblem
		if at, fp = parseInstant("at", s); fp != nil {
			return badRequest(fp.Field, fp.Code, fp.Detail)
		}
	}
	vc, err := h.svc.CheckVehicle(r.Context(), c.p.actor(), r.PathValue("vrm"), zone, at)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, vehicleCheckOf(vc))
}
