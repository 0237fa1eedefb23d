// Kept items on the keeper channel, and the keeper's liveness.
#include "src/engine/keeper_link.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "src/keeper/keeper_channel.h"

namespace vigil::engine {
namespace {

// Key prefixes: the keeper hands items back sorted by key, so the alert journal comes
// first (a successor has it before it decides any orphan), then watches, then sessions.
constexpr const char* kAlertJournalKey = "alerts/journal";
constexpr const char* kWatchPrefix = "fanotify/";
constexpr const char* kSessionPrefix = "seccomp/";

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

UniqueFd KeptItem::take(const std::string& role) {
  for (auto& [r, fd] : fds) {
    if (r == role) return std::move(fd);
  }
  return {};
}

KeepMessage encode_keep(const std::string& key, nlohmann::json meta,
                        const std::vector<std::pair<std::string, int>>& fds) {
  KeepMessage out;
  nlohmann::json roles = nlohmann::json::array();
  for (const auto& [role, fd] : fds) {
    if (fd < 0) continue;
    roles.push_back(role);
    out.fds.push_back(fd);
  }
  if (!meta.is_object()) meta = nlohmann::json::object();
  meta["fds"] = roles;
  out.msg = {{"op", "keep"}, {"key", key}, {"meta", std::move(meta)}};
  return out;
}

std::optional<KeptItem> decode_kept(const nlohmann::json& msg, std::vector<UniqueFd> fds) {
  if (!msg.is_object() || fds.empty()) return std::nullopt;
  KeptItem item;
  item.key = msg.value("key", std::string());
  item.meta = msg.value("meta", nlohmann::json::object());
  if (!item.meta.is_object()) item.meta = nlohmann::json::object();
  if (item.key == kAlertJournalKey) {
    item.kind = KeptKind::kAlertJournal;
  } else if (starts_with(item.key, kWatchPrefix)) {
    item.kind = KeptKind::kWatch;
  } else if (starts_with(item.key, kSessionPrefix)) {
    item.kind = KeptKind::kSession;
  } else {
    return std::nullopt;
  }
  std::vector<std::string> roles;
  if (item.meta.contains("fds") && item.meta["fds"].is_array()) {
    for (const auto& r : item.meta["fds"])
      roles.push_back(r.is_string() ? r.get<std::string>() : "");
  } else {
    // Kept by an engine that wrote no roles: its positional layout.
    switch (item.kind) {
      case KeptKind::kAlertJournal:
        roles = {"journal"};
        break;
      case KeptKind::kSession:
        roles = {"notify", "journal"};
        break;
      case KeptKind::kWatch:
        roles = {"group", "journal", "root"};
        break;
    }
  }
  for (size_t i = 0; i < fds.size(); ++i) {
    item.fds.emplace_back(i < roles.size() ? roles[i] : "", std::move(fds[i]));
  }
  return item;
}

std::vector<KeptItem> KeeperLink::receive_kept() {
  std::vector<KeptItem> out;
  if (!attached()) return out;
  for (;;) {
    nlohmann::json msg;
    std::vector<UniqueFd> fds;
    const keeper::Received r = keeper::receive_message(link_.channel, msg, fds);
    if (r == keeper::Received::kMalformed) continue;
    if (r != keeper::Received::kMessage) {
      log_("the keeper channel closed before 'ready'");
      return out;
    }
    const std::string op = msg.value("op", "");
    if (op == "ready") {
      history_ = msg.value("history", nlohmann::json::object());
      return out;
    }
    if (op != "kept") continue;
    if (auto item = decode_kept(msg, std::move(fds))) out.push_back(std::move(*item));
  }
}

std::string KeeperLink::keep(KeptKind kind, const nlohmann::json& meta,
                             const std::vector<std::pair<std::string, int>>& fds) {
  if (!attached()) return {};
  std::string key;
  switch (kind) {
    case KeptKind::kAlertJournal:
      key = kAlertJournalKey;
      break;
    case KeptKind::kWatch:
      key = kWatchPrefix + std::to_string(::getpid()) + "/" + std::to_string(++next_key_);
      break;
    case KeptKind::kSession:
      key = kSessionPrefix + std::to_string(::getpid()) + "/" + std::to_string(++next_key_);
      break;
  }
  const KeepMessage m = encode_keep(key, meta, fds);
  if (!keeper::send_message(link_.channel, m.msg, m.fds)) {
    log_("the keeper is gone: if this engine dies, containers get ENOSYS (" + key + ")");
  }
  return key;
}

void KeeperLink::started() {
  if (attached()) keeper::send_message(link_.channel, {{"op", "started"}});
}

void KeeperLink::forget(const std::string& key) {
  if (attached() && !key.empty())
    keeper::send_message(link_.channel, {{"op", "forget"}, {"key", key}});
}

bool KeeperLink::request_upgrade() {
  return attached() && keeper::send_message(link_.channel, {{"op", "upgrade"}});
}

void KeeperLink::watch_liveness(boost::asio::io_context& io, std::function<void()> on_gone,
                                std::function<void()> on_letting_go) {
  if (!attached()) return;
  keeper_pid_ = ::getppid();
  alive_ = true;
  on_gone_ = std::move(on_gone);
  on_letting_go_ = std::move(on_letting_go);
  const int fd = ::fcntl(link_.channel, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return;
  watch_ = std::make_unique<boost::asio::posix::stream_descriptor>(io, fd);
  arm();
}

void KeeperLink::arm() {
  watch_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     [this](const boost::system::error_code& ec) {
                       if (ec) return;
                       char byte;
                       const ssize_t n = ::recv(link_.channel, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
                       if (n > 0) {
                         nlohmann::json msg;
                         std::vector<UniqueFd> fds;
                         keeper::receive_message(link_.channel, msg, fds);
                         if (msg.value("op", "") == "letting-go" && on_letting_go_) {
                           on_letting_go_();
                         }
                         arm();
                         return;
                       }
                       if (n < 0 && (errno == EAGAIN || errno == EINTR)) {  // a spurious wake
                         arm();
                         return;
                       }
                       alive_ = false;
                       if (on_gone_) on_gone_();
                     });
}

}  // namespace vigil::engine
