#include "src/engine/keeper_handover.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>

#include "src/engine/keeper_channel.h"

namespace vigil::engine {
namespace {

// The running keeper stops its engine first (up to a few seconds); then everything comes.
constexpr int kHandOverTimeoutMs = 30000;

Received receive_within(int sock, int timeout_ms, nlohmann::json& msg, std::vector<UniqueFd>& fds) {
  pollfd p{sock, POLLIN, 0};
  int n;
  do {
    n = ::poll(&p, 1, timeout_ms);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return Received::kClosed;
  return receive_message(sock, msg, fds);
}

}  // namespace

std::string handover_socket_path(const config::Config& cfg) {
  return (std::filesystem::path(cfg.control_socket).parent_path() / "handover.sock").string();
}

std::optional<TakenOver> take_over(const config::Config& cfg, std::string& error) {
  const std::string path = handover_socket_path(cfg);
  UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (!fd || path.size() >= sizeof(addr.sun_path)) return std::nullopt;
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return std::nullopt;  // ENOENT, ECONNREFUSED: no keeper runs there
  }
  if (!send_message(fd.get(), {{"op", "take-over"}, {"pid", ::getpid()}})) {
    error = "the running daemon closed the hand-over connection";
    return std::nullopt;
  }
  TakenOver out;
  ucred peer{};
  socklen_t len = sizeof(peer);
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer, &len) == 0) out.from = peer.pid;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kHandOverTimeoutMs);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    nlohmann::json msg;
    std::vector<UniqueFd> fds;
    if (left <= 0 || receive_within(fd.get(), int(left), msg, fds) != Received::kMessage) {
      error = "the running daemon stopped handing over before it was done";
      return std::nullopt;
    }
    const std::string op = msg.value("op", "");
    if (op == "sockets" && fds.size() == 2) {
      out.listener = std::move(fds[0]);
      out.control = std::move(fds[1]);
    } else if (op == "kept" && msg.contains("key") && msg["key"].is_string() && !fds.empty()) {
      out.kept[msg["key"].get<std::string>()] =
          Kept{msg.value("meta", nlohmann::json::object()), std::move(fds)};
    } else if (op == "ready") {
      break;
    }
  }
  if (!out.listener || !out.control) {
    error = "the running daemon handed over no listening sockets";
    return std::nullopt;
  }
  // From here on, both hold everything: the old one may go.
  send_message(fd.get(), {{"op", "done"}});
  return out;
}

pid_t read_take_over(int conn) {
  nlohmann::json msg;
  std::vector<UniqueFd> fds;
  if (receive_within(conn, 2000, msg, fds) != Received::kMessage) return 0;
  if (msg.value("op", "") != "take-over") return 0;
  const auto pid = msg.value("pid", 0);
  return pid > 0 ? pid_t(pid) : 0;
}

bool hand_over(int conn, int listener, int control, const KeptItems& kept) {
  if (!send_message(conn, {{"op", "sockets"}}, {listener, control})) return false;
  for (const auto& [key, k] : kept) {
    std::vector<int> fds;
    for (const auto& f : k.fds) fds.push_back(f.get());
    if (!send_message(conn, {{"op", "kept"}, {"key", key}, {"meta", k.meta}}, fds)) return false;
  }
  if (!send_message(conn, {{"op", "ready"}})) return false;
  nlohmann::json msg;
  std::vector<UniqueFd> fds;
  return receive_within(conn, 10000, msg, fds) == Received::kMessage &&
         msg.value("op", "") == "done";
}

}  // namespace vigil::engine
