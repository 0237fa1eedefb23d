// A socket's two ends as Falco's fd.* fields see them: addresses from sockaddr bytes (the
// caller's, read from its memory, or the kernel's, from getsockname/getpeername), and the
// server/client roles a syscall gives them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace vigil::fields {

struct Endpoint {
  int family = 0;  // AF_INET, AF_INET6, AF_UNIX
  std::string ip;  // "1.2.3.4", "::1"; a v4-mapped v6 address is given as v4, as Falco does
  uint16_t port = 0;
  std::string path;  // AF_UNIX (abstract names start with '@')
  bool inet() const { return !ip.empty(); }
};

// Parses `len` bytes of a sockaddr; nullopt for a family it does not know or bad length.
std::optional<Endpoint> parse_sockaddr(const void* addr, size_t len);

struct SockTuple {
  std::optional<Endpoint> local, remote;
  bool local_is_server = false;    // bind, listen, accept: the local end serves
  bool connected = false;          // the socket had a peer before the call
  bool names_destination = false;  // connect, or sendto/sendmsg with an address
  const std::optional<Endpoint>& server() const { return local_is_server ? local : remote; }
  const std::optional<Endpoint>& client() const { return local_is_server ? remote : local; }
  // Falco's fd.name of a socket: "cip:cport->sip:sport" for IP, the path for UNIX;
  // "" when neither end is known.
  std::string name() const;
};

}  // namespace vigil::fields
