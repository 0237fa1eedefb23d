// Wiring, start, signals, reload and the control target.
#include "src/engine/engine.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "src/common/log.h"
#include "src/config/compile_options.h"
#include "src/fields/dns_cache.h"
#include "src/fields/file_event.h"
#include "src/keeper/systemd.h"
#include "src/proc/proc_reader.h"
#include "src/rules/compiler.h"
#include "src/runtime/plan.h"

namespace vigil::engine {
namespace {

size_t rules_in_force(const rules::CompiledRuleSet& set) {
  size_t n = 0;
  for (const auto& r : set.rules()) n += r.status == rules::RuleStatus::kCompiled;
  return n;
}

std::string hostname() {
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  return host;
}

}  // namespace

Engine::Engine(config::Config cfg, keeper::EngineLink link)
    : cfg_(std::move(cfg)),
      io_(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE),
      signals_(io_, SIGINT, SIGTERM, SIGHUP),  // and SIGUSR1, added in run()
      keeper_(link, [](const std::string& m) { log::info(m); }),
      pipeline_(cfg_.mode, hostname()),
      listener_(
          io_,
          [this](UniqueFd fd, const seccomp::ContainerProcessState& st) {
            on_runtime_container(std::move(fd), st);
          },
          [](const std::string& m) { log::info(m); }),
      control_(io_, [this](const nlohmann::json& r) { return control::handle_control(*this, r); }) {
}

Engine::~Engine() = default;

bool Engine::load_rules() {
  auto r = rules::load_and_compile(cfg_.rules_files, config::compile_options(cfg_));
  last_reload_errors_.clear();
  for (const auto& d : r.diagnostics.sorted()) {
    if (d.severity != rules::Severity::kError) continue;
    log::error(rules::format_diagnostic(d));
    last_reload_errors_.push_back(rules::format_diagnostic(d));
  }
  last_load_ok_ = !r.diagnostics.has_errors();
  metrics_.reloaded(last_load_ok_);
  if (r.diagnostics.has_errors()) {
    log::error(rules_ ? "rules not reloaded; the previous rules stay in force"
                      : "cannot start: the rules have errors");
    return false;
  }
  rules_ = r.rules;  // one swap; handlers read it per event
  path_.use_rules(rules_);
  fields::DnsCache::instance().watch(rules_->dns_names());
  {
    struct Holder {
      std::shared_ptr<const rules::CompiledRuleSet> rules;
      std::vector<FieldRef> refs;
    };
    auto h = std::make_shared<Holder>(Holder{r.rules, r.rules->fields_read()});
    record_refs_ = std::shared_ptr<const std::vector<FieldRef>>(h, &h->refs);
  }
  for (const auto& [id, c] : containers_.all()) {
    if (c->watch) c->watch->group().cache().clear();
  }
  for (const auto& rule : r.rules->rules()) {
    if (rule.by_config && rule.facts.action != Action::kAlert) {
      log::warn("rule '" + rule.facts.name + "' (action: " +
                std::string(action_name(rule.facts.action)) + ") is NOT enforced: " + rule.reason);
    }
  }
  log::info("rules loaded: " + std::to_string(rules_in_force(*r.rules)) + " in force");
  return true;
}

bool Engine::start() {
  if (!load_rules()) return false;
  containers::MetadataSources sources;
  sources.docker = cfg_.container_engines.docker;
  sources.docker_socket = cfg_.container_engines.docker_socket;
  sources.podman = cfg_.container_engines.podman;
  sources.containerd = cfg_.container_engines.cri;
  sources.containerd_sockets = cfg_.container_engines.cri_sockets;
  fields::DnsCache::instance().start(std::chrono::seconds(30));
  metadata_ = std::make_unique<containers::MetadataResolver>(
      io_, std::move(sources), [this](const containers::ContainerMeta& m) { on_metadata(m); });
  std::vector<std::string> sink_errors;
  auto sinks = outputs::make_sinks(outputs::output_config(cfg_), sink_errors);
  for (const auto& e : sink_errors) log::error(e);
  outputs_ =
      std::make_unique<outputs::AlertDispatcher>(std::move(sinks), cfg_.outputs_queue_capacity);
  if (cfg_.record_enabled) {
    recorder_ = std::make_unique<Recorder>(cfg_.record_path, cfg_.record_max_size);
    log::info("recording every evaluated event to " + cfg_.record_path);
  }
  watchdog_ = std::make_unique<fanotify::PermissionWatchdog>(
      std::chrono::milliseconds(cfg_.permission_deadline_ms), cfg_.permission_fallback_allow,
      [this](int64_t held_ms) {
        // On the watchdog thread: the output queue is thread-safe.
        alert_engine(Priority::kCritical, "vigil: permission event answered by the watchdog",
                     "A file permission event was held " + std::to_string(held_ms) +
                         " ms, longer than permission_deadline_ms; answered " +
                         (cfg_.permission_fallback_allow ? "allow" : "deny") + " by the watchdog");
      });
  // A keeper bound both sockets: they outlive engines, so runtimes and hooks that connect
  // while no engine runs wait in the backlog instead of failing.
  std::string error;
  const bool listening = keeper_.attached() ? listener_.adopt(keeper_.raw().listener, error)
                                            : listener_.listen(cfg_.listener_socket, error);
  if (!listening) {
    log::error("cannot listen on " + cfg_.listener_socket + ": " + error);
    return false;
  }
  log::info("listening for runtimes on " + cfg_.listener_socket);
  const bool control_ok = keeper_.attached() ? control_.adopt(keeper_.raw().control, error)
                                             : control_.listen(cfg_.control_socket, error);
  if (!control_ok) {
    log::error("cannot listen on " + cfg_.control_socket + ": " + error);
    return false;
  }
  start_webserver();
  if (cfg_.watch_config_files) {
    std::string werr;
    const bool watching = rules_watch_.start(
        io_, cfg_.rules_files,
        [this] {
          log::info("the rules files changed: reloading them (watch_config_files)");
          load_rules();
        },
        werr);
    if (!watching) log::warn("rules files not watched (" + werr + "): reload them with SIGHUP");
  }
  // What a predecessor left is answered before anything new is accepted.
  if (keeper_.attached()) {
    adopt_kept();
    if (!outputs_->has_journal()) {
      auto journal = outputs::AlertJournal::create();
      if (journal.valid()) {
        keeper_.keep(KeptKind::kAlertJournal, nlohmann::json::object(),
                     {{"journal", journal.fd()}});
        outputs_->use_journal(std::move(journal));
      }
    }
    keeper_.watch_liveness(
        io_, [this] { on_keeper_gone(); }, [this] { on_letting_go(); });
  }
  listener_.start();
  report_unmonitored();
  report_history();
  keeper_.started();
  return true;
}

// An engine that keeps dying is backed off by the keeper; this one says so once it runs.
void Engine::report_history() {
  const auto& h = keeper_.history();
  if (h.value("backoff_s", 0) <= 0) return;
  const std::string what =
      "the vigil engine keeps dying: " + std::to_string(h.value("failures_in_a_row", 0)) +
      " times in a row soon after its start (last: it " + h.value("last_exit", std::string("?")) +
      "); this one started after " + std::to_string(h.value("backoff_s", 0)) +
      " s of back-off, while containers waited";
  log::error(what);
  alert_engine(Priority::kCritical, "vigil: the engine keeps dying", what);
}

// The keeper was told to stop and no successor came: everything held is let go.
void Engine::on_letting_go() {
  const std::string what =
      "vigil stopped with no successor: " + std::to_string(containers_.sessions()) +
      " seccomp sessions and " + std::to_string(containers_.watches()) +
      " file watches are let go; the containers' intercepted syscalls now fail with ENOSYS "
      "and their watched opens are allowed until they restart";
  log::error(what);
  alert_engine(Priority::kCritical, "vigil: stopped with no successor", what);
  io_.stop();
}

void Engine::adopt_kept() {
  for (auto& item : keeper_.receive_kept()) {
    switch (item.kind) {
      case KeptKind::kAlertJournal: {
        UniqueFd fd = item.take("journal");
        if (!fd) break;
        outputs_->use_journal(outputs::AlertJournal::adopt(std::move(fd)));
        if (size_t n = outputs_->replay()) {
          log::info("writing " + std::to_string(n) + " alerts the previous engine had not written");
        }
        break;
      }
      case KeptKind::kWatch:
        adopt_watch(item);
        break;
      case KeptKind::kSession:
        adopt_session(item);
        break;
    }
  }
}

void Engine::on_keeper_gone() {
  const std::string what =
      "the keeper (pid " + std::to_string(keeper_.keeper_pid()) + ") is gone: this engine (pid " +
      std::to_string(::getpid()) + ") is now the last holder of " +
      std::to_string(containers_.sessions()) + " seccomp sessions and " +
      std::to_string(containers_.watches()) +
      " file watches; if it dies too, their intercepted syscalls return ENOSYS and "
      "their watched opens are allowed. Restart vigil daemon for new containers";
  log::error(what);
  alert_engine(Priority::kCritical, "vigil: the keeper died", what);
}

void Engine::run() {
  // Signals: SIGHUP reloads, SIGUSR1 reopens the outputs (after a log rotation),
  // SIGINT/SIGTERM stop. Re-armed after each one.
  signals_.add(SIGUSR1);
  std::function<void()> arm;
  arm = [this, &arm] {
    signals_.async_wait([this, &arm](const boost::system::error_code& e, int sig) {
      if (e) return;
      if (sig == SIGHUP) {
        load_rules();
        arm();
        return;
      }
      if (sig == SIGUSR1) {
        log::info("reopening the outputs (SIGUSR1)");
        outputs_->reopen();
        arm();
        return;
      }
      log::info("stopping");
      io_.stop();
    });
  };
  arm();
  // `vigil daemon` held these until now (a signal while starting waits for this handler).
  sigset_t handled;
  sigemptyset(&handled);
  for (int s : {SIGHUP, SIGINT, SIGTERM, SIGUSR1}) sigaddset(&handled, s);
  ::pthread_sigmask(SIG_UNBLOCK, &handled, nullptr);
  io_.run();
  outputs_->flush();
}

void Engine::record(Event& live, const std::string& container_id, const verdict::Verdict& v) {
  if (!recorder_) return;
  RecordedVerdict rv;
  for (const auto& a : v.alerts) rv.rules.push_back(a.rule);
  rv.decided = v.matched() ? std::string(action_name(v.decided)) : "none";
  rv.applied = v.matched() ? std::string(action_name(v.action)) : "none";
  recorder_->record(fields::CapturedEvent(live, *record_refs_), record_refs_, container_id,
                    verdict::now_ns(), std::move(rv));
}

void Engine::alert_engine(Priority p, const std::string& rule, const std::string& output,
                          const std::string& container_id) {
  alert(pipeline_.engine_alert(p, rule, output, container_id));
}

nlohmann::json Engine::status() {
  nlohmann::json sessions = nlohmann::json::array();
  for (const auto& [id, c] : containers_.all()) {
    for (const auto& [ptr, s] : c->sessions) {
      sessions.push_back({{"id", id},
                          {"name", c->info.name},
                          {"notifications", s.session->notifications()},
                          {"registered", c->registered}});
    }
  }
  return {{"ok", true},
          {"mode", pipeline_.enforcing() ? "enforce" : "monitor"},
          {"rules_in_force", rules_in_force(*rules_)},
          {"events", path_.events()},
          {"alerts_dropped", outputs_->dropped()},
          {"outputs", outputs_json()},
          {"watchdog_fallbacks", watchdog_->fallbacks()},
          {"open_intents_unknown", fields::FileEvent::unknown_intents()},
          {"seccomp_sessions", sessions},
          {"file_watches", watches_json()},
          {"registered_containers", containers_.registered()},
          // Every container the engine holds anything of (a leak shows here first).
          {"containers_known", containers_.all().size()},
          {"keeper", keeper_.attached() ? nlohmann::json{{"pid", keeper_.keeper_pid()},
                                                         {"alive", keeper_.keeper_alive()}}
                                        : nlohmann::json(nullptr)},
          {"engine",
           {{"pid", ::getpid()},
            {"restarts", keeper_.history().value("restarts", 0)},
            {"last_exit", keeper_.history().value("last_exit", std::string())},
            {"backoff_s", keeper_.history().value("backoff_s", 0)}}},
          {"record", recorder_ ? nlohmann::json{{"path", recorder_->path()},
                                                {"written", recorder_->written()},
                                                {"dropped", recorder_->dropped()}}
                               : nlohmann::json(nullptr)},
          {"on_stop", keeper::systemd::under_systemd()
                          ? std::string("stores the containers' fds in systemd's file "
                                        "descriptor store: `systemctl restart` takes them "
                                        "back; `systemctl stop` lets them go (ENOSYS)")
                          : "waits up to " + std::to_string(cfg_.successor_wait_s) +
                                " s for a new `vigil daemon` to take over; with none, running "
                                "containers' intercepted syscalls fail with ENOSYS"}};
}

Container& Engine::container(const std::string& id, const std::string& bundle,
                             const std::map<std::string, std::string>& annotations,
                             const containers::ContainerMeta* known, const std::string& through) {
  Container& c = containers_.get(id, bundle, annotations, through);
  if (known && known->known() && !c.metadata_asked) {
    c.metadata_asked = true;
    on_metadata(*known);
  }
  if (!c.metadata_asked && metadata_ && !id.empty()) {
    c.metadata_asked = true;
    metadata_->resolve(id, c.info.bundle, annotations);
  }
  return c;
}

void Engine::on_metadata(const containers::ContainerMeta& m) {
  Container* c = containers_.find(m.id);
  if (!c) return;  // gone before its answer came
  auto& info = c->info;
  if (!m.type.empty()) info.type = m.type;
  if (!m.name.empty()) info.name = m.name;
  if (!m.digest.empty()) info.image_digest = m.digest;
  if (!m.image.empty()) info.set_image(m.image);
  if (!m.error.empty()) {
    log::warn("container " + info.id + ": no " + m.type + " metadata: " + m.error);
  } else if (!m.type.empty()) {
    log::info("container " + info.id + ": " + m.type + " container '" +
              (info.name.empty() ? "<NA>" : info.name) + "', image " +
              (info.image.empty() ? "<NA>" : info.image));
  }
}

void Engine::start_webserver() {
  // Never fatal: containers are served without a health endpoint rather than not at all.
  const auto& w = cfg_.webserver;
  UniqueFd fd(keeper_.attached() ? keeper_.raw().web : -1);
  if (!w.enabled) return;                 // (a socket the keeper passed anyway is closed)
  if (!fd && keeper_.attached()) return;  // the keeper could not bind it, and said so
  std::string error;
  if (!fd) fd = web::listen_tcp(w.listen_address, w.listen_port, error);
  web_ = std::make_unique<web::WebServer>(io_,
                                          [this](const std::string& p) { return web_request(p); });
  if (!fd || !web_->adopt(std::move(fd), error)) {
    log::error("webserver: " + error + "; no health endpoint or metrics");
    web_.reset();
    return;
  }
  log::info("webserver on " + web_->where() + ": health at " + w.k8s_healthz_endpoint +
            (w.prometheus_metrics_enabled ? ", Prometheus metrics at /metrics" : ""));
}

web::WebResponse Engine::web_request(const std::string& path) {
  const auto& w = cfg_.webserver;
  if (path == w.k8s_healthz_endpoint) {
    web::WebResponse r;
    r.content_type = "application/json";
    nlohmann::json body = {{"status", "ok"},
                           {"mode", pipeline_.enforcing() ? "enforce" : "monitor"},
                           {"rules_in_force", rules_in_force(*rules_)},
                           {"keeper_alive", !keeper_.attached() || keeper_.keeper_alive()}};
    if (!last_load_ok_) {
      // The previous rules stay in force, but the rules on disk are broken: not ready for
      // a roll-out to go on.
      r.status = 503;
      body["status"] = "rules failed";
      body["errors"] = last_reload_errors_;
    }
    r.body = body.dump() + "\n";
    return r;
  }
  if (path == "/metrics" && w.prometheus_metrics_enabled) {
    return {200, "text/plain; version=0.0.4; charset=utf-8", metrics_.render(metrics_snapshot())};
  }
  return {404, "text/plain; charset=utf-8", "not found\n"};
}

web::EngineMetrics::Snapshot Engine::metrics_snapshot() const {
  web::EngineMetrics::Snapshot s;
  s.rules_in_force = rules_in_force(*rules_);
  s.last_reload_ok = last_load_ok_;
  s.containers = containers_.registered();
  s.seccomp_sessions = containers_.sessions();
  s.file_watches = containers_.watches();
  for (const auto& [id, c] : containers_.all()) {
    if (!c->watch) continue;
    s.cached_files += c->watch->group().cache().files();
    s.cached_dirs += c->watch->group().cache().directories();
  }
  s.engine_restarts = keeper_.history().value("restarts", 0);
  s.keeper_alive = keeper_.attached() ? int(keeper_.keeper_alive()) : -1;
  s.open_intents_unknown = fields::FileEvent::unknown_intents();
  s.watchdog_fallbacks = watchdog_->fallbacks();
  if (recorder_) {
    s.record_written = recorder_->written();
    s.record_dropped = recorder_->dropped();
  }
  s.enforcing = pipeline_.enforcing();
  for (const auto& o : outputs_->stats())
    s.outputs.push_back({o.name, o.written, o.failed, o.dropped});
  return s;
}

nlohmann::json Engine::outputs_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : outputs_->stats()) {
    out.push_back(
        {{"name", s.name}, {"written", s.written}, {"failed", s.failed}, {"dropped", s.dropped}});
  }
  return out;
}

nlohmann::json Engine::reload() {
  const bool ok = load_rules();
  return {{"ok", ok}, {"errors", last_reload_errors_}};
}

nlohmann::json Engine::injection_plan() {
  if (!rules_) return control::error_response("no rules loaded");
  return {{"ok", true}, {"plan", runtime::to_json(runtime::plan_for(*rules_, cfg_))}};
}

nlohmann::json Engine::upgrade() {
  // The keeper stops this engine and starts the binary now at its path, which takes over
  // every session and watch (docs/keeper.md).
  if (!keeper_.attached()) return control::error_response("no keeper (--no-keeper)");
  // Asked a moment later, so this answer reaches the caller before the engine stops.
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(100));
  timer->async_wait([this, timer](const boost::system::error_code& ec) {
    if (!ec && !keeper_.request_upgrade()) log::error("upgrade: the keeper is gone");
  });
  return {{"ok", true}, {"engine_pid", ::getpid()}};
}

nlohmann::json Engine::container_created(const nlohmann::json& state) {
  const std::string id = state.value("id", std::string());
  // The hook read the runtime's files before the container's first instruction.
  containers::ContainerMeta known;
  if (state.contains("vigil_metadata") && state["vigil_metadata"].is_object()) {
    const auto& m = state["vigil_metadata"];
    known = {id,
             containers::str_of(m, "type"),
             containers::str_of(m, "name"),
             containers::str_of(m, "image"),
             containers::str_of(m, "digest"),
             ""};
  }
  Container& c =
      container(id, state.value("bundle", std::string()), annotations_of(state), &known,
                creating_root(state.value("status", std::string()), state.value("pid", 0)));
  c.registered = true;
  c.state = state;
  log::info("container " + id.substr(0, 12) + ": registered by its createRuntime hook");
  watch_first_process(c, state.value("pid", 0));
  std::string error;
  try {
    error = watch(c);
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!error.empty()) {
    log::warn("container " + id.substr(0, 12) + ": its files are NOT watched: " + error);
    return {{"ok", true}, {"warning", "files not watched: " + error}};
  }
  return {{"ok", true}};
}

nlohmann::json Engine::container_stopped(const std::string& id) {
  container_ended(id, "stopped (poststop hook)");
  return {{"ok", true}};
}

void Engine::watch_first_process(Container& c, int pid) {
  if (c.first_process || !c.info.own_pid_namespace || pid <= 0) return;
  const int pidfd = int(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    log::warn("container " + c.info.id + ": cannot watch its first process (pid " +
              std::to_string(pid) + "): " + std::strerror(errno) +
              "; it is forgotten only when its sessions end");
    return;
  }
  c.first_process = std::make_unique<boost::asio::posix::stream_descriptor>(io_, pidfd);
  const std::string id = c.id;
  c.first_process->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                              [this, id](const boost::system::error_code& ec) {
                                // Cancelled: the container was forgotten before.
                                if (!ec) container_ended(id, "stopped (its first process exited)");
                              });
}

void Engine::container_ended(const std::string& id, const std::string& how) {
  Container* c = containers_.find(id);
  if (!c) return;
  log::info("container " + id.substr(0, 12) + ": " + how);
  c->registered = false;
  c->first_process.reset();
  unwatch(*c);
  // Every process of the container is gone; a session still open can go too.
  while (!c->sessions.empty()) {
    log::info("container " + id.substr(0, 12) + ": stopped; session closed");
    end_session(*c, *c->sessions.begin()->first, /*log_end=*/false);
  }
  containers_.release_if_empty(id);
  proc::forget_gone_processes();  // the /proc fds kept for its processes
}

void Engine::report_unmonitored() {
  // Hooks that found the daemon down (on_daemon_unavailable: allow) left a note each.
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(cfg_.control_socket).parent_path() / "unmonitored";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    auto text = std::ifstream(e.path());
    nlohmann::json note = nlohmann::json::parse(text, nullptr, false);
    auto field = [&](const char* k) {
      return note.is_object() && note.contains(k) && note[k].is_string()
                 ? note[k].get<std::string>()
                 : std::string("?");
    };
    const std::string what = field("container");
    alert_engine(Priority::kCritical, "vigil: container started unmonitored",
                 "A container started while the vigil daemon was down and runs unmonitored "
                 "(container=" +
                     what + " at=" + field("time") + " via=" + field("via") + ")",
                 what.substr(0, 12));
    fs::remove(e.path(), ec);
  }
}

}  // namespace vigil::engine
