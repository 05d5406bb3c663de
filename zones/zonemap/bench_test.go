package zonemap_test

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/carerpermit/carerpermit/zones"
	"github.com/carerpermit/carerpermit/zones/zonemap"
)

// benchMap is the yardstick: 100 zones (10 × 10, each cell 0.02
// degrees, about 1.5 by 2 km) of 200 corners each, tiling the area.
func benchMap() []byte { return gridMap(10, 50, 0.02) }

func BenchmarkZoneAt(b *testing.B) {
	m, err := zonemap.Parse(benchMap(), nil)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	points := make([]zones.LatLng, 4096)
	for i := range points {
		points[i] = zones.LatLng{Lat: lat0 + r.Float64()*0.2, Lng: lng0 + r.Float64()*0.2}
	}
	b.ResetTimer()
	found := 0
	start := cpuTime()
	for i := 0; b.Loop(); i++ {
		if !m.ZoneAt(points[i%len(points)]).IsZero() {
			found++
		}
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	if found == 0 {
		b.Fatal("no point in any zone")
	}
}

// BenchmarkParse reports, besides the time per load, the CPU time the
// process spent per load (cpu-ms/op): on a machine shared with other work
// the wall-clock figure says more about the neighbours.
func BenchmarkParse(b *testing.B) {
	data := benchMap()
	b.SetBytes(int64(len(data)))
	start := cpuTime()
	for b.Loop() {
		if _, err := zonemap.Parse(data, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e6, "cpu-ms/op")
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
