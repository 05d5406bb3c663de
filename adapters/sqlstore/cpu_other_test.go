//go:build !unix

package sqlstore_test

import "time"

// processCPU is not measured here: client-µs/op reads 0.
func processCPU() time.Duration { return 0 }
