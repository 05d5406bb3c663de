package permit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// VehicleCheckMode is what a scheme does with the register of vehicles
// (VehicleRegister) at application and vehicle change (scheme key
// vehicle_check).
type VehicleCheckMode string

// The vehicle-check modes. The zero mode is VehicleCheckOff.
const (
	// VehicleCheckOff asks nothing: a registration is checked for its form only.
	VehicleCheckOff VehicleCheckMode = "off"
	// VehicleCheckWarn asks the register and records its answer on the
	// permit; a vehicle it does not hold is flagged vehicle_not_found for
	// the officer reviewing the application, never refused.
	VehicleCheckWarn VehicleCheckMode = "warn"
	// VehicleCheckRequire refuses a vehicle the register does not hold
	// (ErrVehicleNotFound, 422 vehicle_not_found).
	VehicleCheckRequire VehicleCheckMode = "require"
)

// ParseVehicleCheckMode accepts off, warn or require.
func ParseVehicleCheckMode(s string) (VehicleCheckMode, error) {
	switch m := VehicleCheckMode(s); m {
	case VehicleCheckOff, VehicleCheckWarn, VehicleCheckRequire:
		return m, nil
	}
	return "", fmt.Errorf("%w: vehicle check %q: want off, warn or require", ErrValidation, s)
}

// DefaultVehicleCheckCache is how long a register's answer is reused when
// the scheme sets no vehicle_check_cache.
const DefaultVehicleCheckCache = 24 * time.Hour

// DefaultVehicleCheckTimeout bounds one look-up in the request path when
// Options.VehicleCheckTimeout is zero: a slow register must not hold up a
// resident.
const DefaultVehicleCheckTimeout = 5 * time.Second

// VehicleCheckOutcome is what a vehicle check found.
type VehicleCheckOutcome string

// Vehicle-check outcomes.
const (
	VehicleFound     VehicleCheckOutcome = "found"     // the register holds the vehicle (Vehicle says what)
	VehicleNotFound  VehicleCheckOutcome = "not_found" // the register holds no such vehicle
	VehicleUnchecked VehicleCheckOutcome = "unchecked" // the register did not answer; the due jobs ask again
)

// Flags an officer sees on a permit (Permit.Flags).
const (
	FlagVehicleNotFound  = "vehicle_not_found"
	FlagVehicleUnchecked = "vehicle_unchecked"
)

// RegisterCheck is the register's answer about a permit's vehicle, kept on
// the permit (Permit.RegisterCheck) for the officer and as the cache of
// answers: a registration's answer found on any permit is reused for the
// scheme's vehicle_check_cache, so the cache lives in the database.
type RegisterCheck struct {
	VRM     VRM // the registration asked about (a scheduled change's new one)
	Outcome VehicleCheckOutcome
	// CheckedAt is the instant (UTC) the register answered, or, while
	// Unchecked, the instant it was last asked without an answer.
	CheckedAt time.Time
	Vehicle   *Vehicle // what the register holds; nil unless Found
	Attempts  int      // asks that got no answer (Unchecked)
}

// Flag is the officer's flag for the check: FlagVehicleNotFound,
// FlagVehicleUnchecked, or "" (found, or no check).
func (c *RegisterCheck) Flag() string {
	if c == nil {
		return ""
	}
	switch c.Outcome {
	case VehicleNotFound:
		return FlagVehicleNotFound
	case VehicleUnchecked:
		return FlagVehicleUnchecked
	}
	return ""
}

// Flags are what an officer should look at before deciding the permit:
// today its vehicle check's flag, if any. None is nil.
func (p Permit) Flags() []string {
	if f := p.RegisterCheck.Flag(); f != "" {
		return []string{f}
	}
	return nil
}

func cloneCheck(c *RegisterCheck) *RegisterCheck {
	if c == nil {
		return nil
	}
	out := *c
	if c.Vehicle != nil {
		v := *c.Vehicle
		out.Vehicle = &v
	}
	return &out
}

func (s *Service) vehicleCheckMode() VehicleCheckMode {
	if s.vehicles == nil || s.scheme.VehicleCheck == "" {
		return VehicleCheckOff
	}
	return s.scheme.VehicleCheck
}

// checkVehicle asks the register about vrm for an application or a
// vehicle change, or reuses an answer stored on a permit within the
// scheme's cache time. It returns nil when the scheme (or the Service,
// without a VehicleRegister) checks nothing. An unanswered look-up is
// never an error: it is an Unchecked check. Under VehicleCheckRequire a
// vehicle the register does not hold is ErrVehicleNotFound.
func (s *Service) checkVehicle(ctx context.Context, vrm VRM) (*RegisterCheck, error) {
	mode := s.vehicleCheckMode()
	if mode == VehicleCheckOff {
		return nil, nil
	}
	c, ok := s.cachedCheck(ctx, vrm)
	if !ok {
		c = s.lookUpVehicle(ctx, vrm)
	}
	if mode == VehicleCheckRequire && c.Outcome == VehicleNotFound {
		return nil, fmt.Errorf("%w: the DVLA holds no vehicle registered %s; check the registration", ErrVehicleNotFound, vrm)
	}
	return c, nil
}

// lookUpVehicle asks the register once, bounded by the Service's
// look-up timeout.
func (s *Service) lookUpVehicle(ctx context.Context, vrm VRM) *RegisterCheck {
	ctx, cancel := context.WithTimeout(ctx, s.vehicleTimeout)
	defer cancel()
	v, err := s.vehicles.LookUpVehicle(ctx, vrm)
	c := &RegisterCheck{VRM: vrm, CheckedAt: s.now()}
	switch {
	case err == nil:
		c.Outcome, c.Vehicle = VehicleFound, &v
	case errors.Is(err, ErrVehicleNotFound), errors.Is(err, ErrInvalidVRM):
		// A mark the register refuses as malformed is one it holds no
		// vehicle under.
		c.Outcome = VehicleNotFound
	default:
		c.Outcome, c.Attempts = VehicleUnchecked, 1
		if s.vehicleCheckFailed != nil {
			s.vehicleCheckFailed(vrm, err)
		}
	}
	return c
}

// cachedCheck returns the newest answer (found or not found) about vrm
// stored on any permit within the scheme's cache time.
func (s *Service) cachedCheck(ctx context.Context, vrm VRM) (*RegisterCheck, bool) {
	ttl := s.scheme.VehicleCheckCache
	if ttl == 0 {
		ttl = DefaultVehicleCheckCache
	}
	if ttl < 0 {
		return nil, false
	}
	permits, err := view(ctx, s.store, func(tx ReadTx) ([]Permit, error) { return tx.PermitsByVRM(vrm) })
	if err != nil {
		return nil, false // the register is asked instead
	}
	now := s.now()
	var best *RegisterCheck
	for _, p := range permits {
		c := p.RegisterCheck
		if c == nil || c.VRM != vrm || c.Outcome == VehicleUnchecked || now.Sub(c.CheckedAt) >= ttl || c.CheckedAt.After(now) {
			continue
		}
		if best == nil || c.CheckedAt.After(best.CheckedAt) {
			best = c
		}
	}
	return cloneCheck(best), best != nil
}

// checkData adds a check's outcome to an event's data.
func checkData(data map[string]string, c *RegisterCheck) map[string]string {
	if c != nil {
		data["vehicle_check"] = string(c.Outcome)
	}
	return data
}

// maxVehicleRechecks bounds the register look-ups of one due run.
const maxVehicleRechecks = 100

// recheckVehicles asks the register again about the permits whose check
// got no answer (Unchecked), live ones only, and records its answers with
// a permit.vehicle_checked event, clearing the flag or turning it into
// vehicle_not_found. A run stops asking at the first look-up that again
// gets no answer: the register is still down. It returns how many checks
// were answered.
func (s *Service) recheckVehicles(ctx context.Context, at time.Time) (int, error) {
	if s.vehicles == nil {
		return 0, nil
	}
	today := s.today(at)
	cands, err := view(ctx, s.store, func(tx ReadTx) ([]Permit, error) { return tx.PermitsVehicleUnchecked() })
	if err != nil {
		return 0, err
	}
	answers := make(map[string]*RegisterCheck)
	var asked []Permit
	for _, p := range cands {
		if !p.Live(today) || p.RegisterCheck == nil {
			continue
		}
		if len(asked) == maxVehicleRechecks {
			break
		}
		c := s.lookUpVehicle(ctx, p.RegisterCheck.VRM)
		answers[p.ID] = c
		asked = append(asked, p)
		if c.Outcome == VehicleUnchecked {
			break
		}
	}
	done, err := runDue(ctx, s, at, dueJob[Permit, string]{what: "recording the vehicle check of", id: permitID, reload: reloadPermit,
		do: func(o *op, cur Permit) (string, bool, error) {
			c, prev := answers[cur.ID], cur.RegisterCheck
			if c == nil || prev == nil || prev.Outcome != VehicleUnchecked || prev.VRM != c.VRM {
				return "", false, nil // checked or changed meanwhile
			}
			if c.Outcome == VehicleUnchecked {
				n := *prev
				n.Attempts++
				n.CheckedAt = c.CheckedAt
				cur.RegisterCheck = &n
				return "", false, o.touch(&cur, "vehicle_check_unanswered", map[string]string{"vrm": string(c.VRM), "attempts": fmt.Sprint(n.Attempts)})
			}
			cur.RegisterCheck = cloneCheck(c)
			data := map[string]string{"vrm": string(c.VRM), "vehicle_check": string(c.Outcome), "attempts": fmt.Sprint(prev.Attempts + 1)}
			return cur.ID, true, o.record(&cur, EventVehicleChecked, data)
		},
	}, asked)
	return len(done), err
}
