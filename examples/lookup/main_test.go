package main

import (
	"bytes"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/examples/leicestershire"
)

func TestRun(t *testing.T) {
	load := sync.OnceValues(leicestershire.Gazetteer)
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string // part of stderr
	}{
		{
			name:       "postcode typed with a space, and a number",
			args:       []string{"LE11", "3AB", "12"},
			wantStdout: "900000027541  12 Leicester Close, Loughborough, LE11 3AB  zone loughborough-3 (Loughborough 3)\n",
		},
		{
			name:       "quoted postcode in lower case, a flat in a village outside every zone",
			args:       []string{"le12 9aa", "flat", "2,", "2"},
			wantStdout: "900000048983  Flat 2, 2 Hinckley Close, Loughborough, LE12 9AA  outside every permit zone\n",
		},
		{
			name:       "named house",
			args:       []string{"LE7", "7AB", "the old", "forge"},
			wantStdout: "900000232252  The Old Forge, Castle Way, Anstey, LE7 7AB  zone anstey-1 (Anstey 1)\n",
		},
		{
			name:       "bad postcode",
			args:       []string{"LE11", "3AQQ", "12"},
			wantCode:   2,
			wantStderr: `lookup: zones: invalid postcode "LE11 3AQQ"`,
		},
		{
			name:       "bad postcode in one argument",
			args:       []string{"LE11-3AB"},
			wantCode:   2,
			wantStderr: `invalid postcode "LE11-3AB"`,
		},
		{
			name:       "no arguments",
			wantCode:   2,
			wantStderr: "usage: lookup POSTCODE",
		},
		{
			name:       "no such house",
			args:       []string{"LE11 3AB", "112"},
			wantCode:   1,
			wantStderr: `lookup: no property at LE11 3AB matches "112"; leave the house out to list all 10 properties there`,
		},
		{
			name:       "postcode outside the example",
			args:       []string{"NG1 1AA"},
			wantCode:   1,
			wantStderr: "lookup: no properties at NG1 1AA: the example gazetteer holds Leicestershire's LE postcodes only",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := lookup(load, tt.args, &stdout, &stderr)
			require.Equal(t, tt.wantCode, code, "stderr: %s", stderr.String())
			require.Equal(t, tt.wantStdout, stdout.String())
			if tt.wantStderr == "" {
				require.Empty(t, stderr.String())
			} else {
				require.Contains(t, stderr.String(), tt.wantStderr)
			}
		})
	}
}

func TestRunListsEveryPropertyAtAPostcode(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"LE11 3AB"}, &stdout, &stderr), stderr.String())
	require.Equal(t, 10, bytes.Count(stdout.Bytes(), []byte("\n")))
	require.Contains(t, stdout.String(), "11A Leicester Close")
}
