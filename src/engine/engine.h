// The engine: one io_context thread that serves runtimes (seccomp listener), hooks and the
// CLI (control socket), runs a NotifySession per container process tree and a file watch
// per container, decides each event through the VerdictPipeline, answers the kernel, and
// only then lets the alerts be written (the output threads). SIGHUP (or `vigil reload`)
// reloads the rules (a broken rule set keeps the old one); SIGINT/SIGTERM stop.
//
// The path of one event through these pieces is in docs/architecture.md. Files:
//   engine.cc    wiring, start, signals, reload, the control target
//   sessions.cc  seccomp sessions: new, kept, and the notification handler
//   watches.cc   file watches: new, kept, and the file event handler
#pragma once

#include <boost/asio.hpp>
#include <memory>
#include <string>
#include <vector>

#include "src/config/config.h"
#include "src/containers/container_metadata.h"
#include "src/control/control_api.h"
#include "src/control/control_server.h"
#include "src/engine/container_registry.h"
#include "src/engine/event_path.h"
#include "src/engine/keeper_link.h"
#include "src/engine/recorder.h"
#include "src/engine/rules_watch.h"
#include "src/fanotify/rename_barrier.h"
#include "src/fanotify/watchdog.h"
#include "src/outputs/dispatcher.h"
#include "src/outputs/sinks/sinks.h"
#include "src/rules/compiled_rules.h"
#include "src/seccomp/listener.h"
#include "src/verdict/verdict_pipeline.h"
#include "src/web/metrics.h"
#include "src/web/webserver.h"

namespace vigil::engine {

class Engine final : public control::ControlTarget, private EventOutlet {
 public:
  // With `link` attached, this is a keeper's engine: it serves the keeper's sockets, takes
  // over what the keeper kept, and hands it every new session and watch.
  explicit Engine(config::Config cfg, keeper::EngineLink link = {});
  ~Engine() override;
  // Loads the rules and listens; false (with the reason logged) if it cannot.
  bool start();
  void run();  // until SIGINT/SIGTERM

  // control::ControlTarget
  nlohmann::json status() override;
  nlohmann::json reload() override;
  nlohmann::json upgrade() override;
  nlohmann::json injection_plan() override;
  nlohmann::json container_created(const nlohmann::json& state) override;
  nlohmann::json container_stopped(const std::string& id) override;

 private:
  // Compiles the configured rules; on success swaps them in. False (keeping the old rules)
  // with every error logged and kept for `vigil reload`.
  bool load_rules();
  void adopt_kept();
  // EventOutlet: the event path's alerts and records.
  void alert(outputs::Alert a) override {
    metrics_.alert(a);
    outputs_->push(std::move(a));
  }
  bool recording() const override { return recorder_ != nullptr; }
  // With record: enabled, queues the event (its values taken now) for the recording.
  void record(Event& live, const std::string& container_id, const verdict::Verdict& v) override;
  void alert_engine(Priority p, const std::string& rule, const std::string& output,
                    const std::string& container_id = "");
  void report_unmonitored();
  void on_keeper_gone();
  void on_letting_go();
  void report_history();
  nlohmann::json outputs_json() const;
  // The webserver: Falco's health endpoint and /metrics (engine.cc).
  void start_webserver();
  // The registry's container `id`, its runtime metadata asked for once (engine.cc).
  // `known`: what the createRuntime hook already read from the runtime's files.
  // `through`: creating_root() of a container being created (its host files are read
  // through it, which a daemon in a pod needs); "" for a running one (adopted).
  Container& container(const std::string& id, const std::string& bundle,
                       const std::map<std::string, std::string>& annotations,
                       const containers::ContainerMeta* known = nullptr,
                       const std::string& through = "");
  void on_metadata(const containers::ContainerMeta& m);
  web::WebResponse web_request(const std::string& path);
  web::EngineMetrics::Snapshot metrics_snapshot() const;

  // sessions.cc
  void on_runtime_container(UniqueFd fd, const seccomp::ContainerProcessState& st);
  void start_session(Container& c, UniqueFd fd, const nlohmann::json& meta,
                     seccomp::NotifyJournal journal, const std::string& adopted_key);
  void adopt_session(KeptItem& item);
  void end_session(Container& c, seccomp::NotifySession& s, bool log_end);

  // watches.cc
  // Starts watching a registered container's mounts, if the rules need file events;
  // returns why not ("" when watched or not needed).
  std::string watch(Container& c);
  void adopt_watch(KeptItem& item);
  // The group's handler for container `c` (which outlives its watch).
  fanotify::FanotifyGroup::Handler file_handler(Container& c);
  void serve_watch(Container& c, std::unique_ptr<fanotify::ContainerWatch> w,
                   const nlohmann::json& meta, const std::string& adopted_key);
  void unwatch(Container& c);
  // Ends the container when its first process exits (a pidfd), if it has a pid namespace
  // of its own; its poststop hook, when there is one, ends it the same way.
  void watch_first_process(Container& c, int pid);
  void container_ended(const std::string& id, const std::string& how);
  nlohmann::json watches_json() const;

  config::Config cfg_;
  // One thread runs everything; nothing is posted from other threads (the output threads
  // have their own queues), so the io_context needs no locking.
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  KeeperLink keeper_;
  verdict::VerdictPipeline pipeline_;
  std::shared_ptr<const rules::CompiledRuleSet> rules_;
  std::unique_ptr<outputs::AlertDispatcher> outputs_;
  std::unique_ptr<Recorder> recorder_;
  // The fields the rules in force read; keeps that rule set alive for queued records.
  std::shared_ptr<const std::vector<FieldRef>> record_refs_;
  std::unique_ptr<fanotify::PermissionWatchdog> watchdog_;
  ContainerRegistry containers_;
  seccomp::RuntimeListener listener_;
  control::ControlServer control_;
  std::vector<std::string> last_reload_errors_;
  bool last_load_ok_ = true;
  web::EngineMetrics metrics_;
  std::unique_ptr<web::WebServer> web_;
  std::unique_ptr<containers::MetadataResolver> metadata_;
  RulesWatch rules_watch_;
  fanotify::RenameBarrier barrier_{io_};  // the decision cache against renames
  EventPath path_{cfg_, pipeline_, *this, &barrier_};
};

}  // namespace vigil::engine
