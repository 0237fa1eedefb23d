// The engine's side of the keeper (keeper.h): what it hands the keeper to hold, what it
// takes back from it after a predecessor died or was upgraded, and whether the keeper is
// still there. The one place that encodes and decodes kept items: each fd travels with its
// role ("notify", "journal", "group", "root") in the item's meta, so no side depends on a
// positional layout.
#pragma once

#include <sys/types.h>

#include <boost/asio.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "src/common/unique_fd.h"
#include "src/keeper/keeper.h"

namespace vigil::engine {

enum class KeptKind { kAlertJournal, kWatch, kSession };

// One item as the keeper holds it: its key, what the engine said about it, and its fds.
struct KeptItem {
  KeptKind kind = KeptKind::kSession;
  std::string key;
  nlohmann::json meta = nlohmann::json::object();
  // By role: "notify" and "journal" (sessions), "group", "journal", "root" (watches),
  // "journal" (the alert journal).
  std::vector<std::pair<std::string, UniqueFd>> fds;
  UniqueFd take(const std::string& role);
};

// A "keep" message for the keeper: the JSON and the fds in the order the roles list them.
// Fds < 0 are left out (with their role).
struct KeepMessage {
  nlohmann::json msg;
  std::vector<int> fds;
};
KeepMessage encode_keep(const std::string& key, nlohmann::json meta,
                        const std::vector<std::pair<std::string, int>>& fds);
// A "kept" message from the keeper; nullopt if it names no known kind or has no fds.
// Items kept by an engine from before roles were recorded are read by their old layout.
std::optional<KeptItem> decode_kept(const nlohmann::json& msg, std::vector<UniqueFd> fds);

class KeeperLink {
 public:
  using Log = std::function<void(const std::string&)>;
  KeeperLink(keeper::EngineLink link, Log log) : link_(link), log_(std::move(log)) {}
  bool attached() const { return link_.attached(); }
  const keeper::EngineLink& raw() const { return link_; }

  // Everything the keeper kept, in its order (alert journal, watches, then sessions), read
  // until the keeper says "ready".
  std::vector<KeptItem> receive_kept();
  // What the keeper said with "ready" about the engines before this one: "restarts" (how
  // many died), "last_exit" and "backoff_s" (the pause before this one, 0 if none).
  const nlohmann::json& history() const { return history_; }
  // Tells the keeper this engine is serving: an engine that exits before saying so could
  // not start.
  void started();
  // Hands the keeper a duplicate of each fd to hold; returns the new item's key ("" without
  // a keeper). Logged if the keeper is gone.
  std::string keep(KeptKind kind, const nlohmann::json& meta,
                   const std::vector<std::pair<std::string, int>>& fds);
  void forget(const std::string& key);
  // Asks the keeper to replace this engine by the binary now installed.
  bool request_upgrade();

  // Watches the channel: after "ready" the keeper sends only "letting-go" (it stops with no
  // successor: `on_letting_go` runs), else the channel becomes readable when it closes
  // (`on_gone` runs, once). Both on the io thread.
  void watch_liveness(boost::asio::io_context& io, std::function<void()> on_gone,
                      std::function<void()> on_letting_go = {});
  bool keeper_alive() const { return alive_; }
  pid_t keeper_pid() const { return keeper_pid_; }

 private:
  void arm();
  keeper::EngineLink link_;
  Log log_;
  uint64_t next_key_ = 0;
  pid_t keeper_pid_ = 0;
  bool alive_ = false;
  nlohmann::json history_ = nlohmann::json::object();
  std::function<void()> on_gone_, on_letting_go_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> watch_;
};

}  // namespace vigil::engine
