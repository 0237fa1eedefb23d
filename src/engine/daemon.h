// The vigil daemon: one io_context thread that accepts runtimes' seccomp-listener
// connections, runs a NotifySession per container, evaluates each notification against the
// rule set in force, answers the kernel, and only then hands alerts to the output thread.
// SIGHUP (or `vigil reload`) reloads the rules (a broken rule set keeps the old one);
// SIGINT/SIGTERM stop. The control socket serves hooks and the CLI.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <map>
#include <memory>
#include <string>

#include "src/config/config.h"
#include "src/engine/cache_barrier.h"
#include "src/engine/control_server.h"
#include "src/engine/keeper.h"
#include "src/fanotify/fanotify_group.h"
#include "src/outputs/alert.h"
#include "src/rules/compiled_rules.h"
#include "src/seccomp/notify_session.h"

namespace vigil::engine {

class Daemon {
 public:
  // With `link` attached, the daemon is a keeper's engine: it serves the keeper's sockets,
  // takes over the sessions the keeper kept, and hands it every new one.
  explicit Daemon(config::Config cfg, EngineLink link = {});
  ~Daemon();
  // Loads the rules and listens; returns false (with the reason on stderr) if it cannot.
  bool start();
  void run();  // until SIGINT/SIGTERM
  // Compiles the configured rules; on success swaps them in. Returns false (keeping the old
  // rules) and logs every diagnostic on failure.
  bool reload();

 private:
  void accept();
  // Takes over what the keeper kept (after a predecessor engine died or was upgraded).
  void adopt_kept();
  void adopt_session(const std::string& key, const nlohmann::json& meta,
                     std::vector<UniqueFd>& fds);
  void start_session(UniqueFd fd, const nlohmann::json& state, seccomp::NotifyJournal journal,
                     const std::string& key);
  // Tells the keeper to hold (or let go of) a session's fds. Logged if the keeper is gone.
  void keep(const std::string& key, const nlohmann::json& meta, const std::vector<int>& fds);
  void forget(const std::string& key);
  void read_runtime_message(std::shared_ptr<boost::asio::local::stream_protocol::socket> sock,
                            std::shared_ptr<std::string> buf, std::shared_ptr<UniqueFd> fd);
  void handle(seccomp::NotifySession& s, const seccomp_notif& req);
  nlohmann::json control(const nlohmann::json& request);
  nlohmann::json watches_json() const;
  // Ends a container's file watch, if it has one.
  void unwatch(const std::string& id);
  // Starts watching a registered container's root mount with fanotify, if the rules need it.
  std::string watch(const std::string& id, const nlohmann::json& state);
  fanotify::FanotifyGroup::Decision handle_file(const fields::ContainerInfo& c,
                                                const fanotify::FanotifyGroup::Input& in);
  // The verdict of `n` matched rules and their alerts (fields read now, before the answer).
  struct Verdict {
    Action action = Action::kAlert;
    int error = EPERM;
    std::vector<outputs::Alert> alerts;
  };
  Verdict verdict(const rules::CompiledRuleSet& rules, const uint32_t* matched, size_t n,
                  Event& event, const fields::ContainerInfo& c);
  void report_unmonitored();
  // Watches the channel to the keeper: if the keeper dies (the case docs/keeper.md says
  // cannot be covered), this engine is the last holder of every container's fds; it keeps
  // serving, says so loudly (log and a Critical alert) and in `vigil status`.
  void watch_keeper();
  void arm_keeper_watch();
  void alert_engine(Priority p, const std::string& rule, const std::string& output);

  config::Config cfg_;
  EngineLink link_;
  uint64_t next_key_ = 0;
  std::map<seccomp::NotifySession*, std::string> session_keys_;
  // One thread runs everything; nothing is posted from other threads (the output thread
  // has its own queue), so the io_context needs no locking.
  boost::asio::io_context io_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  boost::asio::signal_set signals_;
  std::shared_ptr<const rules::CompiledRuleSet> rules_;
  std::unique_ptr<outputs::AsyncOutputs> outputs_;
  std::unique_ptr<fanotify::PermissionWatchdog> watchdog_;
  std::map<seccomp::NotifySession*, std::shared_ptr<seccomp::NotifySession>> sessions_;
  // Containers the createRuntime hook registered: id -> state (bundle, pid, annotations).
  std::map<std::string, nlohmann::json> registered_;
  struct Watched {
    fields::ContainerInfo info;  // events point at it: stable address (unique_ptr)
    std::shared_ptr<fanotify::FanotifyGroup> group;
    std::string key;  // the keeper's name for it ("" without a keeper)
  };
  // Starts serving a watch (new, or adopted under `adopted_key`): keeper, watchdog,
  // orphans, reads.
  void serve_watch(const std::string& id, std::unique_ptr<Watched> w, const nlohmann::json& meta,
                   const std::string& adopted_key);
  void adopt_watch(const std::string& key, const nlohmann::json& meta, std::vector<UniqueFd>& fds);
  std::map<std::string, std::unique_ptr<Watched>> watched_;
  ControlServer control_;
  std::vector<std::string> last_reload_errors_;
  uint64_t events_ = 0;
  std::string hostname_;
  pid_t keeper_pid_ = 0;
  bool keeper_alive_ = false;
  std::unique_ptr<boost::asio::posix::stream_descriptor> keeper_watch_;
  CacheBarrier barrier_{io_};  // the decision cache against renames
};

}  // namespace vigil::engine
