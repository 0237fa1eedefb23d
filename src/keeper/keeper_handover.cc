#include "src/keeper/keeper_handover.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>

#include <fstream>

#include "src/keeper/keeper_channel.h"
#include "src/keeper/systemd.h"

namespace vigil::keeper {
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

size_t send_kept(int sock, const KeptItems& kept) {
  size_t sent = 0;
  for (const auto& [key, k] : kept) {
    std::vector<int> fds;
    for (const auto& f : k.fds) fds.push_back(f.get());
    sent += send_message(sock, {{"op", "kept"}, {"key", key}, {"meta", k.meta}}, fds);
  }
  return sent;
}

std::string handover_socket_path(const config::Config& cfg) {
  return (std::filesystem::path(cfg.control_socket).parent_path() / "handover.sock").string();
}

namespace {

std::string fdstore_state_path(const config::Config& cfg) {
  return (std::filesystem::path(cfg.control_socket).parent_path() / "fdstore.json").string();
}

}  // namespace

bool store_in_systemd(const config::Config& cfg, const ListeningFds& sockets, const KeptItems& kept,
                      std::string& error) {
  nlohmann::json state = {{"listener", "vigil-listener"},
                          {"control", "vigil-control"},
                          {"items", nlohmann::json::array()}};
  std::vector<std::pair<std::string, int>> fds = {{"vigil-listener", sockets.listener},
                                                  {"vigil-control", sockets.control}};
  if (sockets.web >= 0) {
    state["web"] = "vigil-web";
    fds.emplace_back("vigil-web", sockets.web);
  }
  size_t n = 0;
  for (const auto& [key, k] : kept) {
    nlohmann::json names = nlohmann::json::array();
    for (size_t i = 0; i < k.fds.size(); ++i) {
      const std::string name = "vigil-k" + std::to_string(n) + "-" + std::to_string(i);
      names.push_back(name);
      fds.emplace_back(name, k.fds[i].get());
    }
    state["items"].push_back({{"key", key}, {"meta", k.meta}, {"fds", names}});
    ++n;
  }
  // The record first: a store without it would be fds nobody can name.
  const std::string path = fdstore_state_path(cfg);
  {
    std::ofstream f(path + ".tmp", std::ios::trunc);
    f << state.dump() << "\n";
    if (!f.flush()) {
      error = "cannot write " + path;
      return false;
    }
  }
  std::filesystem::rename(path + ".tmp", path);
  for (const auto& [name, fd] : fds) {
    if (!systemd::store_fd(name, fd)) {
      error = "systemd did not take " + name + " (FileDescriptorStoreMax= too low or unset?)";
      for (const auto& [n2, fd2] : fds) systemd::remove_stored(n2);
      std::error_code ec;
      std::filesystem::remove(path, ec);
      return false;
    }
  }
  return true;
}

std::optional<TakenOver> take_from_systemd(const config::Config& cfg, std::string& error) {
  auto passed = systemd::passed_fds();
  if (passed.empty()) return std::nullopt;
  std::map<std::string, UniqueFd> by_name;
  for (auto& [name, fd] : passed) by_name[name] = std::move(fd);
  const std::string path = fdstore_state_path(cfg);
  std::ifstream f(path);
  const auto state = nlohmann::json::parse(f, nullptr, false);
  TakenOver out;
  auto take = [&](const std::string& name) {
    auto it = by_name.find(name);
    if (it == by_name.end()) return UniqueFd();
    UniqueFd fd = std::move(it->second);
    by_name.erase(it);
    systemd::remove_stored(name);  // ours now; the store is left empty
    return fd;
  };
  if (state.is_object()) {
    out.listener = take(state.value("listener", std::string()));
    out.control = take(state.value("control", std::string()));
    out.web = take(state.value("web", std::string()));
    for (const auto& item : state.value("items", nlohmann::json::array())) {
      Kept k{item.value("meta", nlohmann::json::object()), {}};
      for (const auto& name : item.value("fds", nlohmann::json::array())) {
        if (name.is_string()) {
          if (UniqueFd fd = take(name.get<std::string>())) k.fds.push_back(std::move(fd));
        }
      }
      if (!k.fds.empty()) out.kept[item.value("key", std::string())] = std::move(k);
    }
  } else {
    error = path + " is missing or not JSON: the stored fds cannot be named";
  }
  for (auto& [name, fd] : by_name) systemd::remove_stored(name);  // not ours to keep
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (!out.listener || !out.control) {
    if (error.empty()) error = "systemd passed no listening sockets of vigil's";
    return std::nullopt;
  }
  return out;
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
    if (op == "sockets" && (fds.size() == 2 || fds.size() == 3)) {
      out.listener = std::move(fds[0]);
      out.control = std::move(fds[1]);
      if (fds.size() == 3) out.web = std::move(fds[2]);
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

bool hand_over(int conn, const ListeningFds& sockets, const KeptItems& kept) {
  std::vector<int> listening = {sockets.listener, sockets.control};
  if (sockets.web >= 0) listening.push_back(sockets.web);
  if (!send_message(conn, {{"op", "sockets"}}, listening)) return false;
  if (send_kept(conn, kept) != kept.size() || !send_message(conn, {{"op", "ready"}})) return false;
  nlohmann::json msg;
  std::vector<UniqueFd> fds;
  return receive_within(conn, 10000, msg, fds) == Received::kMessage &&
         msg.value("op", "") == "done";
}

}  // namespace vigil::keeper
