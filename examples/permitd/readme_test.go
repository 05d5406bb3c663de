package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// journeyBlocks returns the shell blocks of README.md's curl journey: the
// first starts the server, the rest are what a newcomer pastes.
func journeyBlocks(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	s := string(b)
	start := strings.Index(s, "## The Essential Carer journey")
	end := strings.Index(s, "## Errors")
	require.True(t, start >= 0 && end > start, "README.md has the journey section")
	var out []string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(s[start:end], -1) {
		out = append(out, m[1])
	}
	require.Greater(t, len(out), 5)
	return out
}

// Issue 11, defect 16: the README's journey, read as a newcomer reads it,
// uploaded a file it never made, had a raw space in a URL, needed jq
// without saying so, left files in the repository and could not register
// the loopback webhook its own section uses.
func TestREADMEJourneyAsWritten(t *testing.T) {
	blocks := journeyBlocks(t)
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	startCmd, script := blocks[0], strings.Join(blocks[1:], "\n")

	require.Contains(t, startCmd, "--test-clock")
	require.Contains(t, startCmd, "--webhook-allow-loopback", "the webhooks section registers a loopback URL")
	require.Regexp(t, `--db "\$D/`, startCmd, "the database goes in a temporary directory, not the repository")
	require.True(t, strings.HasPrefix(strings.TrimSpace(blocks[1]), `cd "$(mktemp -d)"`), "the journey works in a temporary directory")
	require.Contains(t, string(readme), "[`jq`](https://jqlang.org)", "jq is named as a requirement")
	for _, line := range strings.Split(script, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, u := range regexp.MustCompile(`"\$B[^"]*"`).FindAllString(line, -1) {
			require.NotContains(t, u, " ", "a URL with a raw space: %s", line)
		}
		if m := regexp.MustCompile(`file=@(\S+)`).FindStringSubmatch(line); m != nil {
			require.Contains(t, script[:strings.Index(script, line)], "> "+m[1], "the journey makes %s before uploading it", m[1])
		}
		require.NotRegexp(t, `\btee\b`, line, "no files written beside the reader's checkout")
	}

	// Run it, when this machine has what the README asks for.
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("running the journey needs %s", tool)
		}
	}
	s := startServer(t, filepath.Join(t.TempDir(), "walkthrough.db"), "--test-clock", "--webhook-allow-loopback")
	require.Contains(t, script, "B=http://127.0.0.1:8080\n")
	script = strings.Replace(script, "B=http://127.0.0.1:8080\n", "B="+s.base+"\n", 1)
	script = strings.ReplaceAll(script, "council-officer-token-123456", testOfficerToken)
	// Every ID the journey picks out with jq must be one.
	checked := "set -euo pipefail\n" + regexp.MustCompile(`(?m)^(\w+)=\$\(echo "\$\w+" \| jq -r [^\n]*$`).ReplaceAllStringFunc(script, func(l string) string {
		name := l[:strings.Index(l, "=")]
		return l + "\n[ \"$" + name + "\" != null ] || { echo \"" + name + " is null\" >&2; exit 1; }"
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", checked)
	home := t.TempDir()
	cmd.Dir = home
	cmd.Env = append(os.Environ(), "TMPDIR="+home)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	got := string(out)
	for _, want := range []string{`"zone":null`, `"code":"invalid_postcode"`, `"content_type":"application/pdf"`, `"status":"current"`,
		`"vehicle_changes_applied":1`, `"permitted":true`, `"code":"renewal_window_not_open"`, `"renewal_of":"per_`,
		`"status":"cancelled"`, `"code":"different_zone"`, `"status":"approved"`, `"secret":"whsec_`, `"deliveries":[{`,
		`carerpermit_permit_outcomes_total{charge="free",outcome="approved"} 1`, "401\n"} {
		require.Contains(t, got, want)
	}
	require.NotContains(t, got, "internal_error")
	require.NotContains(t, got, "invalid_webhook_url")
	require.NotContains(t, s.out.String(), "status=500")
}
