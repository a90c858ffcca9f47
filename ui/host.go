package ui

import (
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

// Host allow-list of the local listener, against DNS rebinding: a page of another site whose name is made to
// resolve to the appliance would otherwise be same-origin with the technician's screens as far as the browser
// knows. A name the appliance was not given is refused before any route runs; an address is accepted only when it
// is the one the connection came in on (so the configured listen address works, whatever it is) or loopback.

// allowedHost reports whether host (a Host header, with or without port) names this listener: localhost, a
// loopback address, the local address of the connection (local, may be invalid when unknown) or one of names.
func allowedHost(host string, local netip.Addr, names []string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.Unmap()
		return ip.IsLoopback() || local.IsValid() && ip == local.Unmap()
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	return host == "localhost" || slices.Contains(names, host)
}

// localAddr returns the address the request's connection was accepted on, when the server recorded it.
func localAddr(r *http.Request) netip.Addr {
	a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return netip.Addr{}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr()
}

// checkHost refuses, with 421 Misdirected Request, every request whose Host is not allowed.
func (s *Server) checkHost(next http.Handler) http.Handler {
	names := make([]string, 0, len(s.cfg.Hosts))
	for _, n := range s.cfg.Hosts {
		names = append(names, strings.ToLower(strings.TrimSuffix(n, ".")))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowedHost(r.Host, localAddr(r), names) {
			s.log.WarnContext(r.Context(), "request for another host refused", slog.String("host", r.Host),
				slog.String("path", r.URL.Path), slog.String("remote", r.RemoteAddr))
			httpError(w, r, "core.address-not-recognised", http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}
