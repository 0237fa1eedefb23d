// Socket ends from sockaddr bytes, and Falco's tuple name.
#include "src/fields/sock_tuple.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

namespace vigil::fields {

std::optional<Endpoint> parse_sockaddr(const void* addr, size_t len) {
  if (len < sizeof(sa_family_t)) return std::nullopt;
  sa_family_t family;
  std::memcpy(&family, addr, sizeof(family));
  Endpoint e;
  e.family = family;
  char text[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET && len >= sizeof(sockaddr_in)) {
    sockaddr_in in;
    std::memcpy(&in, addr, sizeof(in));
    ::inet_ntop(AF_INET, &in.sin_addr, text, sizeof(text));
    e.ip = text;
    e.port = ntohs(in.sin_port);
    return e;
  }
  if (family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6;
    std::memcpy(&in6, addr, sizeof(in6));
    if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {
      ::inet_ntop(AF_INET, &in6.sin6_addr.s6_addr[12], text, sizeof(text));
    } else {
      ::inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof(text));
    }
    e.ip = text;
    e.port = ntohs(in6.sin6_port);
    return e;
  }
  if (family == AF_UNIX) {
    const size_t off = offsetof(sockaddr_un, sun_path);
    if (len <= off) return e;  // unnamed
    const char* p = static_cast<const char*>(addr) + off;
    size_t n = std::min(len - off, sizeof(sockaddr_un::sun_path));
    if (p[0] == '\0') {
      e.path = "@" + std::string(p + 1, n - 1);  // abstract: as ss and Falco show it
      while (!e.path.empty() && e.path.back() == '\0') e.path.pop_back();
    } else {
      e.path = std::string(p, strnlen(p, n));
    }
    return e;
  }
  return std::nullopt;
}

std::string SockTuple::name() const {
  const auto& c = client();
  const auto& s = server();
  auto ep = [](const std::optional<Endpoint>& e) {
    if (!e || !e->inet()) return std::string("0.0.0.0:0");
    const bool v6 = e->ip.find(':') != std::string::npos;
    return (v6 ? "[" + e->ip + "]" : e->ip) + ":" + std::to_string(e->port);
  };
  if ((c && c->inet()) || (s && s->inet())) return ep(c) + "->" + ep(s);
  for (const auto* e : {&s, &c}) {
    if (*e && !(*e)->path.empty()) return (*e)->path;
  }
  return "";
}

}  // namespace vigil::fields
