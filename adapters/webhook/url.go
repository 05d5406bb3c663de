package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
)

// MaxURLLength bounds an endpoint URL.
const MaxURLLength = 2048

// ErrInvalidURL is wrapped by every refusal of an endpoint URL or of the
// address it resolves to. Check with errors.Is; a *URLError says why.
var ErrInvalidURL = errors.New("webhook: URL refused")

// URLError is why a URL, or an address it resolved to, was refused.
type URLError struct {
	URL    string // as given, clipped
	Reason string // a sentence an officer can act on
}

func (e *URLError) Error() string {
	return fmt.Sprintf("webhook: URL %q refused: %s", e.URL, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalidURL) true.
func (e *URLError) Unwrap() error { return ErrInvalidURL }

// Policy decides which endpoint URLs and addresses are allowed. The zero
// Policy allows public addresses over https only, which is what a server
// reachable from the internet wants: a webhook is a request the server
// makes on an officer's behalf, and must not reach the server's own
// network, nor carry permit holders' data unencrypted. Plain http is
// allowed only to the addresses the flags allow: loopback under
// AllowLoopback, private ranges under AllowPrivate.
type Policy struct {
	// AllowLoopback allows 127.0.0.0/8, ::1 and localhost: for tests and
	// evaluation on one machine.
	AllowLoopback bool
	// AllowPrivate allows private ranges (10/8, 172.16/12, 192.168/16,
	// 100.64/10, fc00::/7): for a council whose back office is on its own
	// network.
	AllowPrivate bool
}

// Ranges refused whatever the policy: link-local (where cloud metadata
// services live), cloud metadata addresses outside it, and addresses
// that are not a single host.
var (
	linkLocal4   = netip.MustParsePrefix("169.254.0.0/16")
	linkLocal6   = netip.MustParsePrefix("fe80::/10")
	thisNetwork4 = netip.MustParsePrefix("0.0.0.0/8")
	multicast4   = netip.MustParsePrefix("224.0.0.0/4")
	reserved4    = netip.MustParsePrefix("240.0.0.0/4") // includes 255.255.255.255
	nat64        = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour    = netip.MustParsePrefix("2002::/16")
	cgnat4       = netip.MustParsePrefix("100.64.0.0/10")
	benchmark4   = netip.MustParsePrefix("198.18.0.0/15")
	uniqueLocal6 = netip.MustParsePrefix("fc00::/7")
	siteLocal6   = netip.MustParsePrefix("fec0::/10")
)

// metadataAddrs are cloud metadata services that are not link-local.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("fd00:ec2::254"),   // AWS instance metadata over IPv6
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud metadata
	netip.MustParseAddr("168.63.129.16"),   // Azure platform (wire server)
}

// metadataHosts are names of cloud metadata services, refused before any
// DNS is asked.
var metadataHosts = []string{
	"metadata.google.internal", "metadata.goog", "metadata", "instance-data",
	"instance-data.ec2.internal", "metadata.azure.com", "metadata.platformequinix.com",
}

// CheckIP says whether an endpoint may be reached at ip: nil, or a
// sentence saying why not.
func (p Policy) CheckIP(ip netip.Addr) error {
	if !ip.IsValid() {
		return errors.New("not an IP address")
	}
	if ip.Zone() != "" {
		return errors.New("an IPv6 zone names an interface of this server")
	}
	ip = ip.Unmap()
	// An IPv4 address inside an IPv6 translation prefix reaches the IPv4
	// host: judge that host.
	if ip.Is6() && (nat64.Contains(ip) || sixToFour.Contains(ip)) {
		b := ip.As16()
		var v4 [4]byte
		if nat64.Contains(ip) {
			copy(v4[:], b[12:16])
		} else {
			copy(v4[:], b[2:6])
		}
		if err := p.CheckIP(netip.AddrFrom4(v4)); err != nil {
			return fmt.Errorf("%s embeds %s: %w", ip, netip.AddrFrom4(v4), err)
		}
		return nil
	}
	for _, m := range metadataAddrs {
		if ip == m {
			return fmt.Errorf("%s is a cloud metadata address", ip)
		}
	}
	switch {
	case linkLocal4.Contains(ip), linkLocal6.Contains(ip):
		return fmt.Errorf("%s is link-local (where cloud metadata services live)", ip)
	case ip.IsUnspecified(), thisNetwork4.Contains(ip):
		return fmt.Errorf("%s is not a host address", ip)
	case ip.IsMulticast(), multicast4.Contains(ip), reserved4.Contains(ip):
		return fmt.Errorf("%s is a multicast, broadcast or reserved address", ip)
	case ip.IsLoopback():
		if !p.AllowLoopback {
			return fmt.Errorf("%s is loopback (this server itself), which this server does not allow", ip)
		}
	case ip.IsPrivate(), cgnat4.Contains(ip), benchmark4.Contains(ip), uniqueLocal6.Contains(ip), siteLocal6.Contains(ip):
		if !p.AllowPrivate {
			return fmt.Errorf("%s is in a private range, which this server does not allow", ip)
		}
	}
	return nil
}

// plainAllowed says whether plain http may be sent to ip: only where a
// flag allows that address (loopback, private), never across the
// internet.
func (p Policy) plainAllowed(ip netip.Addr) error {
	ip = ip.Unmap()
	switch {
	case ip.IsLoopback() && p.AllowLoopback:
		return nil
	case (ip.IsPrivate() || cgnat4.Contains(ip) || benchmark4.Contains(ip) || uniqueLocal6.Contains(ip) || siteLocal6.Contains(ip)) && p.AllowPrivate:
		return nil
	}
	return fmt.Errorf("%s is not on this server's own network, so the URL must be https", ip)
}

// mustBeHTTPS is the refusal of plain http where no flag allows it.
const mustBeHTTPS = "the scheme must be https (plain http is allowed only to loopback or private addresses, where this server allows them)"

// CheckURL checks an endpoint URL without asking DNS: it must be absolute
// https with a host (http only as Policy allows), no user information, no fragment, at most
// MaxURLLength bytes, and a host that is neither a refused address (see
// CheckIP) nor the name of a metadata service or, unless loopback is
// allowed, localhost. A host that only an old resolver would read as a
// number (2130706433, 0x7f.1) is refused as ambiguous. It returns the URL
// parsed; every error is a *URLError.
func (p Policy) CheckURL(raw string) (*url.URL, error) {
	refuse := func(reason string) (*url.URL, error) {
		return nil, &URLError{URL: clip(raw, 200), Reason: reason}
	}
	if raw == "" {
		return refuse("the URL is empty")
	}
	if len(raw) > MaxURLLength {
		return refuse(fmt.Sprintf("the URL is longer than %d bytes", MaxURLLength))
	}
	for _, r := range raw {
		if r <= ' ' || r == 0x7f {
			return refuse("the URL contains a space or a control character")
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return refuse("it is not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return refuse("the scheme must be https")
	case u.Opaque != "":
		return refuse("write the URL as scheme://host/path")
	case u.User != nil:
		return refuse("user names and passwords in URLs are not allowed; the request is signed instead")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return refuse("a fragment (#...) is never sent; remove it")
	}
	host := u.Hostname()
	if host == "" {
		return refuse("the URL has no host")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return refuse("the port must be a number from 1 to 65535")
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return refuse("the port is empty")
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := p.CheckIP(ip); err != nil {
			return refuse(err.Error())
		}
		if u.Scheme == "http" {
			if err := p.plainAllowed(ip); err != nil {
				return refuse(err.Error())
			}
		}
		return u, nil
	}
	if strings.Contains(host, ":") || strings.Contains(host, "%") {
		return refuse("the host is not a valid address")
	}
	if err := p.checkName(host); err != nil {
		return refuse(err.Error())
	}
	if u.Scheme == "http" && !p.AllowLoopback && !p.AllowPrivate {
		return refuse(mustBeHTTPS) // a name is checked again once resolved
	}
	return u, nil
}

// checkName checks a host name (not an IP literal).
func (p Policy) checkName(host string) error {
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	if name == "" || len(name) > 253 {
		return errors.New("the host is not a valid name")
	}
	labels := strings.Split(name, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return errors.New("the host is not a valid name")
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return errors.New("the host is not a valid name (letters, digits, hyphens and dots only)")
			}
		}
	}
	// A top-level label is never numeric; a name whose last label is
	// reads as an IPv4 address to some resolvers (inet_aton forms).
	last := labels[len(labels)-1]
	if strings.Trim(last, "0123456789") == "" || strings.HasPrefix(last, "0x") {
		return errors.New("the host reads as a number; write an IP address in dotted form or use a name")
	}
	for _, m := range metadataHosts {
		if name == m {
			return fmt.Errorf("%s is a cloud metadata service", name)
		}
	}
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		if !p.AllowLoopback {
			return fmt.Errorf("%s is this server itself, which this server does not allow", name)
		}
	}
	return nil
}

// Resolver looks host names up; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// maxAddrs bounds how many resolved addresses one host may have checked.
const maxAddrs = 32

// resolve returns the addresses of host (an IP literal is itself), every
// one allowed by the policy; any refused address refuses the host, so a
// name cannot smuggle a private address in among public ones.
// With plain (an http URL) every address must also be one plain http
// may go to.
func (p Policy) resolve(ctx context.Context, r Resolver, host string, plain bool) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := p.CheckIP(ip); err != nil {
			return nil, err
		}
		if plain {
			if err := p.plainAllowed(ip); err != nil {
				return nil, err
			}
		}
		return []netip.Addr{ip.Unmap()}, nil
	}
	if err := p.checkName(host); err != nil {
		return nil, err
	}
	ips, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return nil, fmt.Errorf("%s has no address in DNS", host)
		}
		return nil, fmt.Errorf("looking %s up: %w", host, err)
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("%s has no address in DNS", host)
	}
	if len(ips) > maxAddrs {
		ips = ips[:maxAddrs]
	}
	for i, ip := range ips {
		if err := p.CheckIP(ip); err != nil {
			return nil, fmt.Errorf("%s resolves to %w", host, err)
		}
		if plain {
			if err := p.plainAllowed(ip); err != nil {
				return nil, fmt.Errorf("%s resolves to %w", host, err)
			}
		}
		ips[i] = ip.Unmap()
	}
	return ips, nil
}

// CheckResolved is CheckURL followed by a DNS look-up of the host whose
// every address must pass CheckIP (and, for http, be loopback or private
// as the flags allow): what registration does. A host that
// does not resolve is refused too. Every error is a *URLError.
func (p Policy) CheckResolved(ctx context.Context, r Resolver, raw string) (*url.URL, error) {
	u, err := p.CheckURL(raw)
	if err != nil {
		return nil, err
	}
	if r == nil {
		r = net.DefaultResolver
	}
	if _, err := p.resolve(ctx, r, u.Hostname(), u.Scheme == "http"); err != nil {
		return nil, &URLError{URL: clip(raw, 200), Reason: err.Error()}
	}
	return u, nil
}

// dialer connects only to addresses the policy allows: it resolves the
// host itself, checks every address, and connects to a checked one by
// IP, so the address connected to is the address checked (a second DNS
// answer, as in DNS rebinding, is never asked for). Control checks the
// socket's address once more as the last word.
type dialer struct {
	policy   Policy
	resolver Resolver
	net      net.Dialer
}

func newDialer(p Policy, r Resolver, d net.Dialer) *dialer {
	if r == nil {
		r = net.DefaultResolver
	}
	dl := &dialer{policy: p, resolver: r, net: d}
	dl.net.Control = func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return &URLError{URL: address, Reason: "not an IP address and port"}
		}
		if err := p.CheckIP(ap.Addr()); err != nil {
			return &URLError{URL: address, Reason: err.Error()}
		}
		return nil
	}
	return dl
}

type plainKey struct{}

// withScheme marks a request's context when its URL is plain http, so the
// dialer, which sees only a host and port, holds the connection to the
// addresses plain http may go to.
func withScheme(ctx context.Context, rawURL string) context.Context {
	if strings.HasPrefix(strings.ToLower(rawURL), "http:") {
		return context.WithValue(ctx, plainKey{}, true)
	}
	return ctx
}

func plainHTTP(ctx context.Context) bool {
	plain, _ := ctx.Value(plainKey{}).(bool)
	return plain
}

// DialContext is http.Transport's DialContext. A connection for plain
// http (see withScheme) goes only to addresses plain http may go to.
func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ips, err := d.policy.resolve(ctx, d.resolver, host, plainHTTP(ctx))
	if err != nil {
		return nil, &URLError{URL: addr, Reason: err.Error()}
	}
	var first error
	for _, ip := range ips {
		c, err := d.net.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}
