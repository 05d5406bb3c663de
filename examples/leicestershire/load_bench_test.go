package leicestershire_test

import (
	"testing"

	"github.com/carerpermit/carerpermit/examples/leicestershire"
)

// BenchmarkGazetteer measures loading the embedded example gazetteer, which
// every example server start pays once.
func BenchmarkGazetteer(b *testing.B) {
	for b.Loop() {
		if _, err := leicestershire.Gazetteer(); err != nil {
			b.Fatal(err)
		}
	}
}
