package webhook_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/webhook"
)

var (
	loopback   = webhook.Policy{AllowLoopback: true}
	private    = webhook.Policy{AllowPrivate: true}
	everything = webhook.Policy{AllowLoopback: true, AllowPrivate: true}
)

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url    string
		policy webhook.Policy
		reason string // "" when allowed
	}{
		{url: "https://backoffice.example.gov.uk/permit-events"},
		{url: "https://backoffice.example.gov.uk:8443/hooks?council=leics"},
		// Issue 14: plain http only where a flag allows the address.
		{url: "http://backoffice.example.gov.uk:8443/hooks", reason: "must be https"},
		{url: "http://93.184.216.34/hook", policy: everything, reason: "must be https"},
		{url: "http://[2606:2800:220:1:248:1893:25c8:1946]/", policy: everything, reason: "must be https"},
		{url: "http://backoffice.example.gov.uk/", policy: private}, // checked again once resolved
		{url: "https://93.184.216.34/hook"},
		{url: "https://[2606:2800:220:1:248:1893:25c8:1946]/hook"},
		{url: "HTTPS://Backoffice.Example.gov.uk./x"},
		{url: "http://127.0.0.1:8080/hook", policy: loopback},
		{url: "http://localhost:8080/hook", policy: loopback},
		{url: "http://api.localhost/hook", policy: loopback},
		{url: "http://[::1]:9000/", policy: loopback},
		{url: "http://10.1.2.3/hook", policy: private},
		{url: "http://192.168.0.10/hook", policy: private},
		{url: "http://[fd12:3456::1]/hook", policy: private},

		{url: "", reason: "empty"},
		{url: "ftp://backoffice.example/hook", reason: "scheme"},
		{url: "file:///etc/passwd", reason: "scheme"},
		{url: "gopher://backoffice.example/", reason: "scheme"},
		{url: "javascript:alert(1)", reason: "scheme"},
		{url: "//backoffice.example/hook", reason: "scheme"},
		{url: "backoffice.example/hook", reason: "scheme"},
		{url: "http:backoffice.example", reason: "scheme://host"},
		{url: "https://user:pass@backoffice.example/hook", reason: "user names"},
		{url: "https://user@backoffice.example/hook", reason: "user names"},
		{url: "https://backoffice.example/hook#part", reason: "fragment"},
		{url: "https:///hook", reason: "no host"},
		{url: "https://backoffice.example:0/", reason: "port"},
		{url: "https://backoffice.example:99999/", reason: "port"},
		{url: "https://backoffice.example:/", reason: "port is empty"},
		{url: "https://back office.example/", reason: "space"},
		{url: "https://backoffice.example/\x00", reason: "control"},
		{url: "https://" + strings.Repeat("a", 2050) + ".example/", reason: "longer than"},
		{url: "https://back_office!.example/", reason: "not a valid name"},
		{url: "http://%31%32%37.0.0.1/", reason: "not a URL"},

		// Link-local and cloud metadata: refused whatever the policy.
		{url: "http://169.254.169.254/latest/meta-data/", policy: everything, reason: "link-local"},
		{url: "http://169.254.1.1/", policy: everything, reason: "link-local"},
		{url: "http://[fe80::1]/", policy: everything, reason: "link-local"},
		{url: "http://[fe80::1%25eth0]/", policy: everything, reason: "zone"},
		{url: "http://[fd00:ec2::254]/latest/meta-data/", policy: everything, reason: "metadata"},
		{url: "http://100.100.100.200/", policy: everything, reason: "metadata"},
		{url: "http://168.63.129.16/", policy: everything, reason: "metadata"},
		{url: "http://[::ffff:169.254.169.254]/", policy: everything, reason: "link-local"},
		{url: "http://[64:ff9b::a9fe:a9fe]/", policy: everything, reason: "embeds 169.254.169.254"},
		{url: "http://[2002:a9fe:a9fe::1]/", policy: everything, reason: "embeds 169.254.169.254"},
		{url: "http://metadata.google.internal/computeMetadata/v1/", policy: everything, reason: "metadata"},
		{url: "http://METADATA.google.internal./", policy: everything, reason: "metadata"},
		{url: "http://metadata/", policy: everything, reason: "metadata"},
		{url: "http://instance-data/", policy: everything, reason: "metadata"},
		{url: "http://0.0.0.0:8080/", policy: everything, reason: "not a host address"},
		{url: "http://[::]/", policy: everything, reason: "not a host address"},
		{url: "http://224.0.0.1/", policy: everything, reason: "multicast"},
		{url: "http://255.255.255.255/", policy: everything, reason: "multicast"},
		{url: "http://[ff02::1]/", policy: everything, reason: "multicast"},

		// Loopback and private ranges: only where the server allows them.
		{url: "http://127.0.0.1:8080/", reason: "loopback"},
		{url: "http://127.9.9.9/", reason: "loopback"},
		{url: "http://[::1]/", reason: "loopback"},
		{url: "http://[::ffff:127.0.0.1]/", reason: "loopback"},
		{url: "http://localhost/", reason: "this server itself"},
		{url: "http://LOCALHOST./", reason: "this server itself"},
		{url: "http://a.b.localhost/", reason: "this server itself"},
		{url: "http://127.0.0.1/", policy: private, reason: "loopback"},
		{url: "http://10.0.0.1/", reason: "private"},
		{url: "http://172.16.0.1/", reason: "private"},
		{url: "http://192.168.1.1/", reason: "private"},
		{url: "http://100.64.0.1/", reason: "private"},
		{url: "http://[fc00::1]/", reason: "private"},
		{url: "http://10.0.0.1/", policy: loopback, reason: "private"},

		// Numbers that some resolvers read as IPv4 addresses.
		{url: "http://2130706433/", policy: private, reason: "reads as a number"},
		{url: "http://0x7f.1/", policy: private, reason: "reads as a number"},
		{url: "http://127.1/", policy: private, reason: "reads as a number"},
		{url: "http://017700000001/", policy: private, reason: "reads as a number"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			u, err := tt.policy.CheckURL(tt.url)
			if tt.reason == "" {
				require.NoError(t, err)
				require.Contains(t, []string{"http", "https"}, u.Scheme)
				return
			}
			require.ErrorIs(t, err, webhook.ErrInvalidURL)
			var ue *webhook.URLError
			require.ErrorAs(t, err, &ue)
			require.Contains(t, ue.Reason, tt.reason)
			require.Nil(t, u)
		})
	}
}

// resolver answers from a table, as DNS would (and a rebinding attacker's
// DNS does: a different answer each time it is asked).
type resolver map[string][]string

func (r resolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	answers, ok := r[strings.TrimSuffix(strings.ToLower(host), ".")]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	if len(answers) > 0 && answers[0] == "fail" {
		return nil, &net.DNSError{Err: "server misbehaving", Name: host, IsTemporary: true}
	}
	var out []netip.Addr
	for _, a := range answers {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

func TestCheckResolved(t *testing.T) {
	dns := resolver{
		"backoffice.example":   {"93.184.216.34"},
		"metadata.example":     {"169.254.169.254"},
		"aws6.example":         {"fd00:ec2::254"},
		"mixed.example":        {"93.184.216.34", "10.0.0.7"},
		"internal.example":     {"10.0.0.7"},
		"self.example":         {"127.0.0.1"},
		"broken.example":       {"fail"},
		"mapped.example":       {"::ffff:169.254.169.254"},
		"empty-answer.example": {},
	}
	tests := []struct {
		url    string
		policy webhook.Policy
		reason string
	}{
		{url: "https://backoffice.example/hook"},
		{url: "https://93.184.216.34/hook"},
		{url: "https://internal.example/", policy: private},
		{url: "https://self.example/", policy: loopback},
		{url: "https://metadata.example/", policy: everything, reason: "resolves to 169.254.169.254 is link-local"},
		{url: "https://mapped.example/", policy: everything, reason: "link-local"},
		{url: "https://aws6.example/", policy: everything, reason: "metadata"},
		{url: "https://mixed.example/", reason: "10.0.0.7 is in a private range"},
		{url: "https://internal.example/", reason: "private"},
		{url: "https://self.example/", reason: "loopback"},
		{url: "https://nowhere.example/", reason: "no address in DNS"},
		{url: "https://empty-answer.example/", reason: "no address in DNS"},
		{url: "https://broken.example/", reason: "looking broken.example up"},
		{url: "ftp://backoffice.example/", reason: "scheme"},
		// Issue 14: plain http only to what the flags allow.
		{url: "http://internal.example/", policy: private},
		{url: "http://self.example/", policy: loopback},
		{url: "http://backoffice.example/hook", policy: everything, reason: "93.184.216.34 is not on this server's own network, so the URL must be https"},
		{url: "http://mixed.example/", policy: everything, reason: "must be https"},
		{url: "http://self.example/", policy: private, reason: "loopback"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := tt.policy.CheckResolved(context.Background(), dns, tt.url)
			if tt.reason == "" {
				require.NoError(t, err)
				return
			}
			var ue *webhook.URLError
			require.ErrorAs(t, err, &ue)
			require.ErrorIs(t, err, webhook.ErrInvalidURL)
			require.Contains(t, ue.Reason, tt.reason)
		})
	}
}

// What CheckURL accepts is a URL the dispatcher can send to and that
// reaches no refused address by its literal host.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"https://backoffice.example/hook", "http://127.0.0.1:8080/", "http://[fe80::1%25eth0]/", "http://[::ffff:10.0.0.1]/",
		"http://0x7f.1/", "https://u@h/", "http://h:/", "http://[64:ff9b::7f00:1]/", "HTTP://X./#", "http://%31%32%37.0.0.1/",
		"http://xn--bcher-kva.example/", "http://a..b/", "http://[::1]:65535/x?y=z",
	} {
		f.Add(s, false, false)
	}
	f.Fuzz(func(t *testing.T, raw string, allowLoopback, allowPrivate bool) {
		p := webhook.Policy{AllowLoopback: allowLoopback, AllowPrivate: allowPrivate}
		u, err := p.CheckURL(raw)
		if err != nil {
			require.ErrorIs(t, err, webhook.ErrInvalidURL)
			var ue *webhook.URLError
			require.True(t, errors.As(err, &ue))
			require.NotEmpty(t, ue.Reason)
			return
		}
		require.LessOrEqual(t, len(raw), webhook.MaxURLLength)
		require.Contains(t, []string{"http", "https"}, u.Scheme)
		require.Nil(t, u.User)
		require.NotEmpty(t, u.Hostname())
		again, err := url.Parse(raw)
		require.NoError(t, err)
		require.Equal(t, u.Hostname(), again.Hostname())
		if ip, err := netip.ParseAddr(u.Hostname()); err == nil {
			require.NoError(t, p.CheckIP(ip), "an accepted literal address passes CheckIP")
			require.False(t, ip.Unmap().IsLinkLocalUnicast(), "never link-local")
			if !allowLoopback {
				require.False(t, ip.Unmap().IsLoopback())
			}
			if !allowPrivate {
				require.False(t, ip.Unmap().IsPrivate())
			}
		} else {
			host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
			require.NotEqual(t, "metadata.google.internal", host)
			if !allowLoopback {
				require.NotEqual(t, "localhost", host)
			}
		}
	})
}
