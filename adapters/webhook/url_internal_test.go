package webhook

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

// The socket-level check is the last word whatever the resolver said: it
// refuses to connect to an address the policy refuses.
func TestDialerControl(t *testing.T) {
	d := newDialer(Policy{AllowLoopback: true}, nil, net.Dialer{})
	for addr, ok := range map[string]bool{
		"127.0.0.1:80":          true,
		"[::1]:443":             true,
		"93.184.216.34:443":     true,
		"169.254.169.254:80":    false,
		"[fe80::1]:80":          false,
		"10.0.0.1:80":           false,
		"[fd00:ec2::254]:80":    false,
		"not-an-address:80":     false,
		"[::ffff:10.0.0.1]:443": false,
	} {
		err := d.net.Control("tcp", addr, nil)
		if ok {
			require.NoError(t, err, addr)
		} else {
			require.ErrorIs(t, err, ErrInvalidURL, addr)
		}
	}
}
