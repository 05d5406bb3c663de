package main

import (
	"bufio"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// smtpSink is the least of an SMTP server that accepts every message.
type smtpSink struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []string
}

func startSMTPSink(t *testing.T) *smtpSink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &smtpSink{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	reply := func(line string) { _, _ = c.Write([]byte(line + "\r\n")) }
	reply("220 sink ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			reply("250 sink")
		case cmd == "DATA":
			reply("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, b.String())
			s.mu.Unlock()
			reply("250 queued")
		case cmd == "QUIT":
			reply("221 bye")
			return
		default:
			reply("250 ok")
		}
	}
}

func (s *smtpSink) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.msgs...)
}

// With --smtp-addr the server emails residents through the scheme's
// templates instead of logging them.
func TestEmailsThroughSMTP(t *testing.T) {
	sink := startSMTPSink(t)
	s := startServer(t, filepath.Join(t.TempDir(), "smtp.db"), "--test-clock",
		"--smtp-addr", sink.ln.Addr().String(), "--mail-from", "permits@example.org")
	s.setClock("2026-12-01T10:00:00Z")
	jane := s.open("Jane Smith", s.find("LE11 3AB", "12")["uprn"].(string))
	s.must(http.StatusCreated, "POST", "/v1/accounts/"+jane.id+"/permits", jane.token,
		map[string]any{"type": "essential-carer", "vrm": "AB12 CDE", "evidence": careLetter("Jane Smith", "2026-11-20")})
	require.Eventually(t, func() bool { return len(sink.messages()) > 0 }, 10*time.Second, 20*time.Millisecond)
	msg := sink.messages()[0]
	require.Contains(t, msg, "To: ")
	require.Contains(t, msg, "resident@example.com")
	require.Contains(t, msg, "Leicestershire County Council")
	require.Contains(t, msg, "multipart/alternative")
}

func TestSMTPNeedsFromAddress(t *testing.T) {
	_, err := parseConfig([]string{"--smtp-addr", "127.0.0.1:25"}, func(string) string { return "" }, &strings.Builder{})
	require.ErrorContains(t, err, "--mail-from")
}
