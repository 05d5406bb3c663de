package smtpmail_test

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"sync"
)

// sink is a small SMTP server on loopback: enough of RFC 5321 for a
// client to deliver (EHLO/HELO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA,
// RSET, NOOP, QUIT), with ways to misbehave that a real server has.
type sink struct {
	ln net.Listener
	wg sync.WaitGroup

	// Set before the first connection.
	failData  int         // reply 451 to the first failData messages
	dropData  int         // close the connection, unanswered, after the first dropData messages
	dropHello int         // close the first dropHello connections before the greeting
	rcptCode  int         // reply this to RCPT instead of 250
	rcptEcho  bool        // with rcptCode, repeat the address in the reply
	hang      bool        // accept and never answer
	auth      string      // "user:password": offer AUTH PLAIN and require it
	tls       *tls.Config // offer STARTTLS

	mu        sync.Mutex
	sessions  int
	dataSeen  int
	payloads  [][]byte // every message received, answered or not
	delivered []delivered
	conns     []net.Conn
}

// delivered is a message the sink accepted.
type delivered struct {
	from string
	to   []string
	data []byte
	tls  bool
}

// startSink listens on a free loopback port; configure, when not nil, sets
// its behaviour before the first connection.
func startSink(configure func(*sink)) (*sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &sink{ln: ln}
	if configure != nil {
		configure(s)
	}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

func (s *sink) addr() string { return s.ln.Addr().String() }

func (s *sink) close() {
	_ = s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *sink) messages() []delivered {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]delivered(nil), s.delivered...)
}

func (s *sink) received() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.payloads...)
}

func (s *sink) counts() (sessions, dataSeen int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions, s.dataSeen
}

func (s *sink) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.sessions++
		n := s.sessions
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			s.session(c, n)
		}()
	}
}

func (s *sink) session(c net.Conn, n int) {
	if s.hang {
		_, _ = c.Read(make([]byte, 1)) // until the client gives up
		return
	}
	if n <= s.dropHello {
		return
	}
	tp := textproto.NewConn(c)
	reply := func(format string, args ...any) bool { return tp.PrintfLine(format, args...) == nil }
	if !reply("220 sink.test ESMTP ready") {
		return
	}
	secure, authed := false, false
	var from string
	var to []string
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			ext := []string{"sink.test greets " + arg}
			if s.tls != nil && !secure {
				ext = append(ext, "STARTTLS")
			}
			if s.auth != "" {
				ext = append(ext, "AUTH PLAIN")
			}
			ext = append(ext, "HELP")
			for i, e := range ext {
				sep := "-"
				if i == len(ext)-1 {
					sep = " "
				}
				reply("250%s%s", sep, e)
			}
		case "HELO":
			reply("250 sink.test")
		case "STARTTLS":
			if s.tls == nil || secure {
				reply("502 not offered")
				continue
			}
			reply("220 go ahead")
			tc := tls.Server(c, s.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, secure = tc, true
			tp = textproto.NewConn(tc)
			from, to = "", nil
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			raw, err := base64.StdEncoding.DecodeString(resp)
			user, pass, _ := strings.Cut(strings.TrimPrefix(string(raw), "\x00"), "\x00")
			if strings.ToUpper(mech) != "PLAIN" || err != nil || user+":"+pass != s.auth {
				reply("535 5.7.8 authentication credentials invalid")
				continue
			}
			authed = true
			reply("235 2.7.0 authenticated")
		case "MAIL":
			if s.auth != "" && !authed {
				reply("530 5.7.0 authentication required")
				continue
			}
			from, to = angle(arg), nil
			reply("250 ok")
		case "RCPT":
			if s.rcptCode != 0 && s.rcptEcho {
				reply("%d 5.1.1 %s: no such mailbox", s.rcptCode, arg)
				continue
			}
			if s.rcptCode != 0 {
				reply("%d 5.1.1 no such mailbox", s.rcptCode)
				continue
			}
			to = append(to, angle(arg))
			reply("250 ok")
		case "DATA":
			if from == "" || len(to) == 0 {
				reply("503 need MAIL and RCPT first")
				continue
			}
			reply("354 end with .")
			data, err := readData(tp)
			if err != nil {
				return
			}
			s.mu.Lock()
			s.dataSeen++
			s.payloads = append(s.payloads, bytes.Clone(data))
			seen := s.dataSeen
			s.mu.Unlock()
			switch {
			case seen <= s.dropData:
				return
			case seen <= s.dropData+s.failData:
				reply("451 4.3.0 try again later")
			default:
				s.mu.Lock()
				s.delivered = append(s.delivered, delivered{from: from, to: to, data: bytes.Clone(data), tls: secure})
				s.mu.Unlock()
				reply("250 2.0.0 queued as %d", seen)
			}
			from, to = "", nil
		case "RSET":
			from, to = "", nil
			reply("250 ok")
		case "NOOP":
			reply("250 ok")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("500 unknown command %s", fmt.Sprint(verb))
		}
	}
}

// angle returns the path in "FROM:<a@b> ...".
func angle(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	path, _, _ := strings.Cut(rest, ">")
	return path
}

// readData reads a DATA payload up to the lone dot, removing dot-stuffing
// but keeping line endings as sent (textproto.ReadDotBytes would turn
// CRLF into LF and hide a client sending bare LFs).
func readData(tp *textproto.Conn) ([]byte, error) {
	var out []byte
	for {
		line, err := tp.R.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if line == ".\r\n" {
			return out, nil
		}
		out = append(out, strings.TrimPrefix(line, ".")...)
	}
}
