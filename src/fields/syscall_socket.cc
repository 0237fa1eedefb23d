// fd.* of a socket on the seccomp channel: its type and protocol (from the socket itself,
// duplicated from the caller with pidfd_getfd) and its two ends. The end a call names
// (connect's and sendto's destination, bind's address) is read from the caller's memory;
// the other end is the kernel's (getsockname, getpeername). Falco reports these calls on
// exit; vigil judges them on entry, so a connect's local port is 0 until the kernel picks
// one.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstring>

#include "src/fields/dns_cache.h"
#include "src/fields/event_types.h"
#include "src/fields/syscall_event.h"

namespace vigil::fields {
namespace {

std::optional<Endpoint> kernel_end(int fd, bool peer) {
  sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  const int rc = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len)
                      : ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  if (rc != 0) return std::nullopt;
  return parse_sockaddr(&ss, std::min<size_t>(len, sizeof(ss)));
}

}  // namespace

bool SyscallEvent::read_bytes(uint64_t addr, size_t n, void* out) {
  return read_mem(addr, out, n) == n;
}

const SockTuple& SyscallEvent::tuple(int fd) {
  if (tuple_) return *tuple_;
  tuple_.emplace();
  static const EventTypeId kConnect = *find_event_type("connect");
  static const EventTypeId kBind = *find_event_type("bind");
  static const EventTypeId kSendto = *find_event_type("sendto");
  static const EventTypeId kListen = *find_event_type("listen");
  static const EventTypeId kAccept = *find_event_type("accept");
  static const EventTypeId kAccept4 = *find_event_type("accept4");
  static const EventTypeId kSendmsg = *find_event_type("sendmsg");
  // The address the call names, if it names one: (addr, len) argument indexes.
  int addr_arg = -1, len_arg = -1;
  if (type_ == kConnect || type_ == kBind) addr_arg = 1, len_arg = 2;
  if (type_ == kSendto) addr_arg = 4, len_arg = 5;
  std::optional<Endpoint> named;
  uint64_t addr = addr_arg >= 0 ? req_.data.args[addr_arg] : 0;
  uint64_t addr_len = len_arg >= 0 ? req_.data.args[len_arg] : 0;
  msghdr msg{};
  if (type_ == kSendmsg && read_bytes(req_.data.args[1], sizeof(msg), &msg)) {
    addr = reinterpret_cast<uint64_t>(msg.msg_name);
    addr_len = msg.msg_namelen;
  }
  if (addr != 0) {
    sockaddr_storage ss;
    const size_t len = std::min<uint64_t>(addr_len, sizeof(ss));
    if (read_bytes(addr, len, &ss)) named = parse_sockaddr(&ss, len);
  }
  SockTuple& t = *tuple_;
  const std::optional<Endpoint> peer = kernel_end(fd, true);  // one getpeername for both uses
  t.connected = peer.has_value();
  t.names_destination = type_ == kConnect || ((type_ == kSendto || type_ == kSendmsg) && named);
  t.local_is_server = type_ == kBind || type_ == kListen || type_ == kAccept || type_ == kAccept4;
  if (type_ == kBind) {
    t.local = named;
  } else {
    t.local = kernel_end(fd, false);
    t.remote = named ? named : peer;
  }
  return t;
}

Value SyscallEvent::socket_field(F name) {
  const int fd = target_fd();
  if (fd < 0) return Value::none();
  struct stat st;
  if (::fstat(fd, &st) != 0) return Value::none();
  if (!S_ISSOCK(st.st_mode)) {
    const bool dir = S_ISDIR(st.st_mode), fifo = S_ISFIFO(st.st_mode);
    if (name == F::kFdTypechar) return Value::of(dir ? "d" : fifo ? "p" : "f");
    if (name == F::kFdType) return Value::of(dir ? "directory" : fifo ? "pipe" : "file");
    return Value::none();
  }
  int domain = 0, protocol = 0;
  socklen_t len = sizeof(domain);
  ::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len);
  len = sizeof(protocol);
  ::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len);
  const bool inet = domain == AF_INET || domain == AF_INET6;
  switch (name) {
    case F::kFdTypechar:
      return Value::of(domain == AF_INET    ? "4"
                       : domain == AF_INET6 ? "6"
                       : domain == AF_UNIX  ? "u"
                                            : "o");
    case F::kFdType:
      return Value::of(domain == AF_INET      ? "ipv4"
                       : domain == AF_INET6   ? "ipv6"
                       : domain == AF_UNIX    ? "unix"
                       : domain == AF_NETLINK ? "netlink"
                                              : "socket");
    case F::kFdSockfamily:
      return inet ? Value::of("ip") : domain == AF_UNIX ? Value::of("unix") : Value::none();
    case F::kFdL4proto:
      if (!inet) return Value::none();
      return Value::of(protocol == IPPROTO_TCP                                  ? "tcp"
                       : protocol == IPPROTO_UDP                                ? "udp"
                       : protocol == IPPROTO_ICMP || protocol == IPPROTO_ICMPV6 ? "icmp"
                                                                                : "raw");
    case F::kFdName: {
      std::string n = tuple(fd).name();
      return n.empty() ? Value::none() : str(std::move(n));
    }
    case F::kFdConnected:
      return Value::of_bool(tuple(fd).connected);
    case F::kFdNameChanged:
      return Value::of_bool(tuple(fd).names_destination);
    default:
      break;
  }
  if (!inet) return Value::none();
  const SockTuple& t = tuple(fd);
  const std::optional<Endpoint>* end = nullptr;
  bool port = false;
  switch (name) {
    case F::kFdSipName:
    case F::kFdCipName:
    case F::kFdRipName:
    case F::kFdLipName: {
      const std::optional<Endpoint>& end = name == F::kFdSipName   ? t.server()
                                           : name == F::kFdCipName ? t.client()
                                           : name == F::kFdRipName ? t.remote
                                                                   : t.local;
      if (!end || !end->inet()) return Value::none();
      auto n = DnsCache::instance().name_of(end->ip);
      return n ? str(std::move(*n)) : Value::none();
    }
    case F::kFdSip:
    case F::kFdSnet:
    case F::kFdIp:  // Falco: either end; the server's is the one rules name
    case F::kFdNet:
      end = &t.server();
      break;
    case F::kFdCip:
    case F::kFdCnet:
      end = &t.client();
      break;
    case F::kFdLip:
    case F::kFdLnet:
      end = &t.local;
      break;
    case F::kFdRip:
    case F::kFdRnet:
      end = &t.remote;
      break;
    case F::kFdSport:
    case F::kFdPort:  // Falco: either port; the client's is ephemeral
      end = &t.server(), port = true;
      break;
    case F::kFdCport:
      end = &t.client(), port = true;
      break;
    case F::kFdLport:
      end = &t.local, port = true;
      break;
    case F::kFdRport:
      end = &t.remote, port = true;
      break;
    default:
      return Value::none();
  }
  if (!*end || !(*end)->inet()) return Value::none();
  return port ? Value::of_int((*end)->port) : str((*end)->ip);
}

}  // namespace vigil::fields
