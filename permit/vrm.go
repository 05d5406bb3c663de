package permit

import "github.com/carerpermit/carerpermit/evidence"

// VRM is a vehicle registration mark in canonical form ("AB12CDE"); it is
// evidence.VRM, so the registration on a permit and the one on a V5C are
// read by the same parser. The zero value is no vehicle.
type VRM = evidence.VRM

// ParseVRM normalises a registration as a resident types it ("ab12 cde")
// and checks it could be a UK registration; see evidence.ParseVRM. Errors
// wrap ErrInvalidVRM.
func ParseVRM(s string) (VRM, error) { return evidence.ParseVRM(s) }
