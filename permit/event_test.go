package permit_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

// EventTypes lists every declared type, so filters built on it (webhooks)
// never miss one.
func TestEventTypesListsEveryDeclaredType(t *testing.T) {
	src, err := os.ReadFile("event.go")
	require.NoError(t, err)
	var declared []permit.EventType
	for _, m := range regexp.MustCompile(`EventType = "([^"]+)"`).FindAllStringSubmatch(string(src), -1) {
		declared = append(declared, permit.EventType(m[1]))
	}
	require.ElementsMatch(t, declared, permit.EventTypes())
}
