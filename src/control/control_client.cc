// Blocking control-socket client with poll() timeouts.
#include "src/control/control_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "src/common/unique_fd.h"

namespace vigil::control {

std::optional<nlohmann::json> control_request(const std::string& socket_path,
                                              const nlohmann::json& request, std::string& error,
                                              int timeout_ms) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (!fd || socket_path.size() >= sizeof(addr.sun_path)) {
    error = "bad control socket path";
    return std::nullopt;
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size());
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    error = "the vigil daemon is not reachable on " + socket_path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  const std::string line = request.dump() + "\n";
  size_t sent = 0;
  while (sent < line.size()) {
    ssize_t n = ::send(fd.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      error = std::string("cannot send to the daemon: ") + std::strerror(errno);
      return std::nullopt;
    }
    sent += size_t(n);
  }
  std::string buf;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (buf.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    pollfd p{fd.get(), POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, int(left)) <= 0) {
      error = "the vigil daemon did not answer within " + std::to_string(timeout_ms) + " ms";
      return std::nullopt;
    }
    char chunk[4096];
    ssize_t n = ::recv(fd.get(), chunk, sizeof(chunk), 0);
    if (n <= 0) {
      error = "the vigil daemon closed the connection";
      return std::nullopt;
    }
    buf.append(chunk, size_t(n));
    if (buf.size() > (1 << 20)) {
      error = "the daemon's answer is too large";
      return std::nullopt;
    }
  }
  auto resp = nlohmann::json::parse(buf.substr(0, buf.find('\n')), nullptr, false);
  if (resp.is_discarded() || !resp.is_object()) {
    error = "the daemon's answer is not JSON";
    return std::nullopt;
  }
  return resp;
}

}  // namespace vigil::control
