// The daemon's event loop and verdict pipeline.
#include "src/engine/daemon.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "src/engine/keeper_channel.h"
#include "src/fields/file_event.h"
#include "src/fields/proc_reader.h"
#include "src/fields/syscall_event.h"
#include "src/rules/compiler.h"
#include "src/seccomp/runtime_message.h"

namespace vigil::engine {
namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void log(const std::string& msg) { std::cerr << "vigil: " << msg << std::endl; }

// The keeper's key for the alert journal; sorts before "fanotify/" and "seccomp/", so a
// successor has it before it decides any orphan.
constexpr const char* kAlertJournalKey = "alerts/journal";

}  // namespace

Daemon::Daemon(config::Config cfg, EngineLink link)
    : cfg_(std::move(cfg)),
      link_(link),
      io_(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE),
      acceptor_(io_),
      signals_(io_, SIGINT, SIGTERM, SIGHUP),
      control_(io_, [this](const nlohmann::json& r) { return control(r); }) {
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  hostname_ = host;
}

Daemon::~Daemon() = default;

bool Daemon::reload() {
  rules::CompileOptions opts;
  opts.matching = cfg_.rule_matching;
  auto r = rules::load_and_compile(cfg_.rules_files, opts);
  last_reload_errors_.clear();
  for (const auto& d : r.diagnostics.sorted()) {
    if (d.severity != rules::Severity::kError) continue;
    log(rules::format_diagnostic(d));
    last_reload_errors_.push_back(rules::format_diagnostic(d));
  }
  if (r.diagnostics.has_errors()) {
    log(rules_ ? "rules not reloaded; the previous rules stay in force"
               : "cannot start: the rules have errors");
    return false;
  }
  rules_ = r.rules;  // one swap; sessions read it per notification
  for (auto& [id, w] : watched_) w->group->clear_cache();
  size_t active = 0;
  for (const auto& rule : r.rules->rules()) active += rule.status == rules::RuleStatus::kCompiled;
  log("rules loaded: " + std::to_string(active) + " in force");
  return true;
}

bool Daemon::start() {
  if (!reload()) return false;
  outputs::OutputConfig oc;
  oc.json = cfg_.json_output;
  oc.stdout_enabled = cfg_.stdout_output;
  oc.syslog_enabled = cfg_.syslog_output;
  oc.file_enabled = cfg_.file_output;
  oc.file_path = cfg_.file_output_path;
  if (oc.file_enabled) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(oc.file_path).parent_path(), ec);
  }
  outputs_ = std::make_unique<outputs::AsyncOutputs>(oc);
  watchdog_ = std::make_unique<fanotify::PermissionWatchdog>(
      std::chrono::milliseconds(cfg_.permission_deadline_ms), cfg_.permission_fallback_allow,
      [this](int64_t held_ms) {
        // On the watchdog thread: the output queue is thread-safe.
        alert_engine(Priority::kCritical, "vigil: permission event answered by the watchdog",
                     "A file permission event was held " + std::to_string(held_ms) +
                         " ms, longer than permission_deadline_ms; answered " +
                         (cfg_.permission_fallback_allow ? "allow" : "deny") + " by the watchdog");
      });
  boost::system::error_code bec;
  if (link_.attached()) {
    // The keeper bound both sockets: they outlive engines, so runtimes and hooks that
    // connect while no engine runs wait in the backlog instead of failing.
    acceptor_.assign(boost::asio::local::stream_protocol(), link_.listener, bec);
  } else {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(cfg_.listener_socket).parent_path(),
                                        ec);
    ::unlink(cfg_.listener_socket.c_str());
    acceptor_.open(boost::asio::local::stream_protocol(), bec);
    if (!bec)
      acceptor_.bind(boost::asio::local::stream_protocol::endpoint(cfg_.listener_socket), bec);
    if (!bec) ::chmod(cfg_.listener_socket.c_str(), 0600);
    if (!bec) acceptor_.listen(128, bec);
  }
  if (bec) {
    log("cannot listen on " + cfg_.listener_socket + ": " + bec.message());
    return false;
  }
  log("listening for runtimes on " + cfg_.listener_socket);
  std::string control_error;
  const bool control_ok = link_.attached() ? control_.adopt(link_.control, control_error)
                                           : control_.listen(cfg_.control_socket, control_error);
  if (!control_ok) {
    log("cannot listen on " + cfg_.control_socket + ": " + control_error);
    return false;
  }
  // What a predecessor left is answered before anything new is accepted.
  if (link_.attached()) {
    adopt_kept();
    if (!outputs_->has_journal()) {
      auto journal = outputs::AlertJournal::create();
      if (journal.valid()) {
        keep(kAlertJournalKey, nlohmann::json::object(), {journal.fd()});
        outputs_->use_journal(std::move(journal));
      }
    }
  }
  if (link_.attached()) watch_keeper();
  accept();
  report_unmonitored();
  return true;
}

void Daemon::watch_keeper() {
  keeper_pid_ = ::getppid();
  keeper_alive_ = true;
  // The keeper sends nothing after "ready": the channel becomes readable when it closes.
  const int fd = ::fcntl(link_.channel, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return;
  keeper_watch_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, fd);
  arm_keeper_watch();
}

void Daemon::arm_keeper_watch() {
  keeper_watch_->async_wait(
      boost::asio::posix::stream_descriptor::wait_read,
      [this](const boost::system::error_code& ec) {
        if (ec) return;
        char byte;
        const ssize_t n = ::recv(link_.channel, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n > 0) {  // not expected; drop it and keep watching
          nlohmann::json msg;
          std::vector<UniqueFd> fds;
          receive_message(link_.channel, msg, fds);
          arm_keeper_watch();
          return;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {  // a spurious wake
          arm_keeper_watch();
          return;
        }
        keeper_alive_ = false;
        const std::string what =
            "the keeper (pid " + std::to_string(keeper_pid_) + ") is gone: this engine (pid " +
            std::to_string(::getpid()) + ") is now the last holder of " +
            std::to_string(sessions_.size()) + " seccomp sessions and " +
            std::to_string(watched_.size()) +
            " file watches; if it dies too, their intercepted syscalls return ENOSYS and "
            "their watched opens are allowed. Restart vigil daemon for new containers";
        log(what);
        alert_engine(Priority::kCritical, "vigil: the keeper died", what);
      });
}

void Daemon::run() {
  // Signals: SIGHUP reloads, SIGINT/SIGTERM stop. Re-armed after each one.
  std::function<void()> arm;
  arm = [this, &arm] {
    signals_.async_wait([this, &arm](const boost::system::error_code& e, int sig) {
      if (e) return;
      if (sig == SIGHUP) {
        reload();
        arm();
        return;
      }
      log("stopping");
      io_.stop();
    });
  };
  arm();
  // `vigil daemon` held these until now (a signal while starting waits for this handler).
  sigset_t handled;
  sigemptyset(&handled);
  for (int s : {SIGHUP, SIGINT, SIGTERM}) sigaddset(&handled, s);
  ::pthread_sigmask(SIG_UNBLOCK, &handled, nullptr);
  io_.run();
  outputs_->flush();
}

void Daemon::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec,
                                boost::asio::local::stream_protocol::socket sock) {
    if (!ec) {
      auto s = std::make_shared<boost::asio::local::stream_protocol::socket>(std::move(sock));
      s->non_blocking(true);
      read_runtime_message(s, std::make_shared<std::string>(), std::make_shared<UniqueFd>());
    }
    accept();
  });
}

void Daemon::read_runtime_message(std::shared_ptr<boost::asio::local::stream_protocol::socket> sock,
                                  std::shared_ptr<std::string> buf, std::shared_ptr<UniqueFd> fd) {
  sock->async_wait(boost::asio::socket_base::wait_read, [this, sock, buf,
                                                         fd](const boost::system::error_code& ec) {
    if (ec) return;
    char data[16384];
    iovec iov{data, sizeof(data)};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n = ::recvmsg(sock->native_handle(), &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      read_runtime_message(sock, buf, fd);
      return;
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
          int received;
          std::memcpy(&received, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
          UniqueFd owned(received);
          if (!*fd) *fd = std::move(owned);  // the first is the seccomp fd; extras are closed
        }
      }
    }
    if (n <= 0) {
      if (!buf->empty()) log("runtime connection closed before a complete message");
      return;  // an empty connection is a liveness probe (vigil hook)
    }
    buf->append(data, size_t(n));
    if (buf->size() > seccomp::kMaxRuntimeMessage) {
      log("runtime message larger than " + std::to_string(seccomp::kMaxRuntimeMessage) +
          " bytes; connection dropped");
      return;
    }
    const size_t len = seccomp::complete_json_object(*buf);
    if (len == 0) {
      if (buf->find_first_not_of(" \t\r\n") != std::string::npos &&
          (*buf)[buf->find_first_not_of(" \t\r\n")] != '{') {
        log("runtime sent something that is not JSON; connection dropped");
        return;
      }
      read_runtime_message(sock, buf, fd);  // never wait for EOF: only for the object's end
      return;
    }
    std::string error;
    auto state = seccomp::parse_runtime_message(std::string_view(*buf).substr(0, len), error);
    if (!state) {
      log("bad runtime message: " + error);
      return;
    }
    if (!*fd) {
      log("runtime message for " + state->container_id + " came without a seccomp fd");
      return;
    }
    nlohmann::json meta = {{"id", state->container_id},
                           {"bundle", state->bundle},
                           {"annotations", state->annotations},
                           {"status", state->status},
                           {"pid", state->pid}};
    start_session(std::move(*fd), meta, seccomp::NotifyJournal::create(), "");
  });
}

void Daemon::start_session(UniqueFd fd, const nlohmann::json& meta, seccomp::NotifyJournal journal,
                           const std::string& adopted_key) {
  const std::string id = meta.value("id", std::string());
  std::map<std::string, std::string> annotations;
  if (meta.contains("annotations") && meta["annotations"].is_object()) {
    for (auto it = meta["annotations"].begin(); it != meta["annotations"].end(); ++it) {
      if (it.value().is_string()) annotations[it.key()] = it.value().get<std::string>();
    }
  }
  auto info =
      fields::ContainerInfo::from_state(id, meta.value("bundle", std::string()), annotations);
  info.read_bundle_config();
  const int notify_fd = fd.get();
  std::shared_ptr<seccomp::NotifySession> session;
  try {
    session = std::make_shared<seccomp::NotifySession>(
        io_, std::move(fd), std::move(info),
        [this](seccomp::NotifySession& s, const seccomp_notif& req) { handle(s, req); },
        [this](seccomp::NotifySession& s) {
          log("container " + s.container().id + ": session ended after " +
              std::to_string(s.notifications()) + " notifications");
          // Every process of the container is gone: its file watch can go too.
          unwatch(s.container().full_id);
          if (auto k = session_keys_.find(&s); k != session_keys_.end()) {
            forget(k->second);
            session_keys_.erase(k);
          }
          sessions_.erase(&s);
        },
        std::move(journal));
  } catch (const std::exception& e) {
    // The io_context cannot watch this fd: there is no way to answer its notifications.
    log("container " + id + ": cannot watch its seccomp fd: " + e.what());
    return;
  }
  if (auto w = watched_.find(id); w != watched_.end()) {
    session->mutable_container().passwd = w->second->info.passwd;
    session->mutable_container().group = w->second->info.group;
    session->mutable_container().files_watched = true;
  }
  std::string key = adopted_key;
  if (link_.attached() && key.empty()) {
    // The keeper holds a duplicate before the first RECV: from here on, this engine's
    // death leaves the container waiting for a successor, never with ENOSYS.
    key = "seccomp/" + std::to_string(::getpid()) + "/" + std::to_string(++next_key_);
    std::vector<int> fds = {notify_fd};
    if (session->journal().valid()) fds.push_back(session->journal().fd());
    keep(key, meta, fds);
  }
  if (!key.empty()) session_keys_[session.get()] = key;
  if (!adopted_key.empty() && session->recover_orphan()) {
    log("container " + session->container().id +
        ": answered a notification its previous engine "
        "had received");
  }
  log("container " + session->container().id + " (" + meta.value("status", std::string()) +
      ", pid " + std::to_string(meta.value("pid", 0)) + "): seccomp session " +
      (adopted_key.empty() ? "started" : "taken over"));
  sessions_[session.get()] = session;
  session->start();
}

void Daemon::keep(const std::string& key, const nlohmann::json& meta, const std::vector<int>& fds) {
  if (!link_.attached()) return;
  if (!send_message(link_.channel, {{"op", "keep"}, {"key", key}, {"meta", meta}}, fds)) {
    log("the keeper is gone: if this engine dies, containers get ENOSYS (" + key + ")");
  }
}

void Daemon::forget(const std::string& key) {
  if (link_.attached()) send_message(link_.channel, {{"op", "forget"}, {"key", key}});
}

void Daemon::adopt_kept() {
  for (;;) {
    nlohmann::json msg;
    std::vector<UniqueFd> fds;
    const Received r = receive_message(link_.channel, msg, fds);
    if (r == Received::kMalformed) continue;
    if (r != Received::kMessage) {
      log("the keeper channel closed before 'ready'");
      return;
    }
    const std::string op = msg.value("op", "");
    if (op == "ready") return;
    if (op == "kept") {
      adopt_session(msg.value("key", std::string()), msg.value("meta", nlohmann::json::object()),
                    fds);
    }
  }
}

void Daemon::adopt_session(const std::string& key, const nlohmann::json& meta,
                           std::vector<UniqueFd>& fds) {
  if (key == kAlertJournalKey && !fds.empty()) {
    outputs_->use_journal(outputs::AlertJournal::adopt(std::move(fds[0])));
    if (size_t n = outputs_->replay()) {
      log("writing " + std::to_string(n) + " alerts the previous engine had not written");
    }
    return;
  }
  if (key.rfind("fanotify/", 0) == 0 && !fds.empty()) {
    adopt_watch(key, meta, fds);
    return;
  }
  if (key.rfind("seccomp/", 0) == 0 && !fds.empty()) {
    seccomp::NotifyJournal journal;
    if (fds.size() > 1) journal = seccomp::NotifyJournal::adopt(std::move(fds[1]));
    start_session(std::move(fds[0]), meta, std::move(journal), key);
  }
}

void Daemon::handle(seccomp::NotifySession& s, const seccomp_notif& req) {
  // Reloads run on this same thread, so the rule set cannot change under this call.
  const rules::CompiledRuleSet* rules = rules_.get();
  fields::SyscallEvent event(req, s.fd(), s.container(), ++events_);
  if (event.known() && cfg_.decision_cache != config::DecisionCache::kOff) {
    // Before any answer: a rename or link let go on must not meet a cached decision.
    auto w = watched_.find(s.container().full_id);
    if (w != watched_.end() && barrier_.before_answer(w->first, w->second->group, req,
                                                      fields::event_type(event.type()).name)) {
      log("container " + s.container().id +
          ": set up io_uring, which renames without system calls vigil sees: its file "
          "decisions are no longer cached");
    }
  }
  uint32_t matched[32];
  const size_t n = event.known() ? rules->evaluate(event, matched, 32) : 0;
  if (n == 0) {
    s.allow();
    return;
  }
  Verdict v = verdict(*rules, matched, n, event, s.container());
  // Queued (and recorded in the alert journal) before the answer, written after it by the
  // output thread: if this engine dies in between, its successor writes them.
  const Action action = v.action;
  const int error = v.error;
  for (auto& a : v.alerts) outputs_->push(std::move(a));
  const bool enforce = cfg_.mode == config::Mode::kEnforce;
  if (!enforce || action == Action::kAlert) {
    s.allow();
  } else if (action == Action::kBlock) {
    s.deny(error);
  } else {
    // Kill through a pidfd, checked against the notification so a recycled pid is never hit.
    UniqueFd pidfd(int(::syscall(SYS_pidfd_open, req.pid, 0)));
    uint64_t id = req.id;
    if (pidfd && ::ioctl(s.fd(), SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0) {
      ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
    }
    s.deny(EPERM);
  }
}

Daemon::Verdict Daemon::verdict(const rules::CompiledRuleSet& rules, const uint32_t* matched,
                                size_t n, Event& event, const fields::ContainerInfo& c) {
  Verdict v;
  for (size_t i = 0; i < n; ++i) {
    const auto& f = rules.facts(matched[i]);
    if (int(f.action) > int(v.action)) {
      v.action = f.action;
      v.error = f.block_errno;
    }
  }
  const bool enforce = cfg_.mode == config::Mode::kEnforce;
  // The alerts' fields are read before answering: once answered, a short-lived process may
  // exit and its /proc entries with it. Only matched events pay this; writing the alerts
  // happens after the answer, on the output thread.
  for (size_t i = 0; i < n; ++i) {
    const auto& f = rules.facts(matched[i]);
    outputs::Alert a;
    a.time_ns = now_ns();
    a.rule = f.name;
    a.priority = f.priority;
    a.output = rules.format_output(matched[i], event);
    a.output_fields = rules.output_fields(matched[i], event);
    a.tags = f.tags;
    if (f.action == Action::kAlert) {
      a.action = "alert";
    } else if (!enforce) {
      a.action = f.action == Action::kBlock ? "would block" : "would kill";
    } else {
      a.action = std::string(action_name(f.action));
    }
    a.container_id = c.id;
    a.container_name = c.name;
    a.container_image = c.image;
    a.hostname = hostname_;
    v.alerts.push_back(std::move(a));
  }
  return v;
}

fanotify::FanotifyGroup::Decision Daemon::handle_file(const fields::ContainerInfo& c,
                                                      const fanotify::FanotifyGroup::Input& in) {
  const fanotify_event_metadata& m = in.m;
  std::optional<std::string> recovered;
  if (in.orphan && !in.path) {
    // The predecessor died between reading the event and journaling its file (a window of
    // one readlink). The opener is still blocked in its open call: its arguments name the
    // file. They are caller memory, so this is a last resort (docs/keeper.md).
    recovered = fields::read_blocked_open_path(pid_t(m.pid));
    if (recovered) {
      log("container " + c.id +
          ": a file event without a journaled path was decided from the "
          "opener's arguments (" +
          *recovered + ")");
      fanotify::FanotifyGroup::Input again{m, &*recovered, true};
      return handle_file(c, again);
    }
  }
  if (in.orphan && !in.path) {
    // A predecessor engine read this event and died before journaling its file: the rules
    // cannot be asked. The watchdog's fallback answers it, and says so.
    fanotify::FanotifyGroup::Decision d;
    d.allow = cfg_.permission_fallback_allow;
    alert_engine(Priority::kCritical, "vigil: file event answered by the fallback after a restart",
                 "Container " + c.id + ": a permission event of pid " + std::to_string(m.pid) +
                     " was read by an engine that died before journaling its file; answered " +
                     (d.allow ? "allow" : "deny") + " (permission_fallback)");
    return d;
  }
  const rules::CompiledRuleSet* rules = rules_.get();
  // The event lives until the group is done with this event (answer, cache, alerts).
  auto event = std::make_shared<fields::FileEvent>(m, c, ++events_, in.path, in.orphan);
  uint32_t matched[32];
  const size_t n = rules->evaluate(*event, matched, 32);
  fanotify::FanotifyGroup::Decision d;
  if (n == 0) {
    const auto scope = cfg_.decision_cache;
    if (event->channel() == Channel::kFileOpen && scope != config::DecisionCache::kOff) {
      d.cacheable = [event, rules, dirs = scope == config::DecisionCache::kDirectory] {
        fanotify::CacheRequest request;
        const auto& path = event->path();
        if (dirs && path) {
          const size_t slash = path->rfind('/');
          if (slash != std::string::npos &&
              rules->provably_no_match_in(*event, slash == 0 ? "/" : path->substr(0, slash))) {
            request.directory_of = *path;
            request.file = true;  // implied: cached alone if the directory cannot be
            return request;
          }
        }
        request.file = rules->provably_no_match(*event);
        return request;
      };
    }
    return d;
  }
  auto v = std::make_shared<Verdict>(verdict(*rules, matched, n, *event, c));
  const bool enforce = cfg_.mode == config::Mode::kEnforce;
  d.allow = !(enforce && v->action != Action::kAlert);
  if (enforce && v->action == Action::kKill) {
    // The event names a thread; the process is killed (pidfd_open takes a process).
    const auto st = fields::read_status(pid_t(m.pid));
    UniqueFd pidfd(int(::syscall(SYS_pidfd_open, st && st->tgid > 0 ? st->tgid : m.pid, 0)));
    if (pidfd) ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
  }
  // Queued (and journaled) before the group answers; written after it.
  for (auto& a : v->alerts) outputs_->push(std::move(a));
  return d;
}

std::string Daemon::watch(const std::string& id, const nlohmann::json& state) {
  const uint64_t mask = rules_->fanotify_mask();
  if (!mask) return {};  // no file rules: no group at all
  // Registered twice (an injected hook and a hooks.d hook): one watch is enough.
  if (watched_.count(id)) return {};
  const std::string bundle = state.value("bundle", std::string());
  const int pid = state.value("pid", 0);
  if (bundle.empty() || pid <= 0) return "state has no bundle or pid";
  std::ifstream in(bundle + "/config.json");
  nlohmann::json config = nlohmann::json::parse(in, nullptr, false);
  if (config.is_discarded() || !config.contains("root")) return "cannot read the bundle's config";
  std::string root = config["root"].value("path", std::string("rootfs"));
  if (root.empty() || root[0] != '/') root = bundle + "/" + root;
  std::error_code ec;
  const std::string rootfs = std::filesystem::weakly_canonical(root, ec).string();
  std::map<std::string, std::string> annotations;
  if (state.contains("annotations") && state["annotations"].is_object()) {
    for (auto it = state["annotations"].begin(); it != state["annotations"].end(); ++it) {
      if (it.value().is_string()) annotations[it.key()] = it.value().get<std::string>();
    }
  }
  auto w = std::make_unique<Watched>();
  w->info = fields::ContainerInfo::from_state(id, bundle, annotations);
  w->info.rootfs = rootfs;
  w->info.read_bundle_config();
  // Through the host's path, which is not the container's (marked) mount.
  w->info.passwd = fields::read_small_file(rootfs + "/etc/passwd").value_or("");
  w->info.group = fields::read_small_file(rootfs + "/etc/group").value_or("");
  w->info.files_watched = true;
  {
    // The start, on the clock file systems stamp inodes with (the coarse real-time clock):
    // a file written after this moment has a ctime at or after it (proc.is_exe_upper_layer).
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    w->info.start_ns = int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  }
  const fields::ContainerInfo* info = &w->info;
  std::string error;
  w->group = fanotify::FanotifyGroup::create(
      io_,
      [this, info](const fanotify::FanotifyGroup::Input& in) { return handle_file(*info, in); },
      error);
  if (!w->group) return error;
  // Before pivot_root the container's mounts are reached through the rootfs path in its
  // mount namespace; marking them marks exactly those mounts, not the host's view. The root
  // mount, then every other mount below it that holds files (volumes, binds, /dev/shm).
  const uint64_t perm_mask =
      mask & (FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM | FAN_MODIFY | FAN_CLOSE_WRITE);
  const std::string proc_root = "/proc/" + std::to_string(pid) + "/root";
  if (!w->group->mark_mount(proc_root + rootfs, perm_mask, error)) return error;
  // The container's root as its processes will see it (before pivot_root, reached through
  // the process's mount namespace), for the per-directory cache.
  w->group->set_root(
      UniqueFd(::open((proc_root + rootfs).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)));
  size_t marked = 1;
  for (const auto& mp : fields::container_mounts(pid, rootfs)) {
    std::string mark_error;
    if (w->group->mark_mount(proc_root + mp, perm_mask, mark_error)) {
      ++marked;
    } else {
      log("container " + id.substr(0, 12) + ": " + mark_error);
    }
  }
  w->group->use_journal(fanotify::EventJournal::create());
  nlohmann::json meta = {
      {"id", id}, {"state", state}, {"rootfs", rootfs}, {"start_ns", w->info.start_ns}};
  serve_watch(id, std::move(w), meta, "");
  log("container " + id.substr(0, 12) + ": watching its root file system (" + rootfs + ") and " +
      std::to_string(marked - 1) + " other mounts");
  return {};
}

void Daemon::serve_watch(const std::string& id, std::unique_ptr<Watched> w,
                         const nlohmann::json& meta, const std::string& adopted_key) {
  std::string key = adopted_key;
  if (link_.attached() && key.empty()) {
    // The keeper holds the group (and its journal) before the first read: if this engine
    // dies, opens wait for a successor instead of being allowed with the marks gone.
    key = "fanotify/" + std::to_string(::getpid()) + "/" + std::to_string(++next_key_);
    std::vector<int> fds = {w->group->fd()};
    fds.push_back(w->group->journal().valid() ? w->group->journal().fd() : -1);
    if (w->group->root_fd() >= 0) fds.push_back(w->group->root_fd());
    if (fds[1] < 0) fds.erase(fds.begin() + 1);
    keep(key, meta, fds);
  }
  w->key = key;
  watchdog_->watch(w->group->in_flight());
  w->group->on_overflow([this, id] {
    alert_engine(
        Priority::kCritical, "vigil: fanotify queue overflow",
        "The kernel dropped file events of container " + id.substr(0, 12) + " (FAN_Q_OVERFLOW)");
  });
  if (!adopted_key.empty()) {
    if (size_t n = w->group->recover_orphans()) {
      log("container " + id.substr(0, 12) + ": answered " + std::to_string(n) +
          " file events its previous engine had read");
    }
  }
  w->group->start();
  // The seccomp session of the same container must not read its files either.
  for (auto& [ptr, session] : sessions_) {
    if (session->container().full_id == id) {
      session->mutable_container().passwd = w->info.passwd;
      session->mutable_container().group = w->info.group;
      session->mutable_container().files_watched = true;
    }
  }
  watched_[id] = std::move(w);
}

void Daemon::adopt_watch(const std::string& key, const nlohmann::json& meta,
                         std::vector<UniqueFd>& fds) {
  const std::string id = meta.value("id", std::string());
  const nlohmann::json state = meta.value("state", nlohmann::json::object());
  std::map<std::string, std::string> annotations;
  if (state.contains("annotations") && state["annotations"].is_object()) {
    for (auto it = state["annotations"].begin(); it != state["annotations"].end(); ++it) {
      if (it.value().is_string()) annotations[it.key()] = it.value().get<std::string>();
    }
  }
  auto w = std::make_unique<Watched>();
  const std::string rootfs = meta.value("rootfs", std::string());
  w->info =
      fields::ContainerInfo::from_state(id, state.value("bundle", std::string()), annotations);
  w->info.rootfs = rootfs;
  w->info.read_bundle_config();
  w->info.passwd = fields::read_small_file(rootfs + "/etc/passwd").value_or("");
  w->info.group = fields::read_small_file(rootfs + "/etc/group").value_or("");
  w->info.files_watched = true;
  w->info.start_ns = meta.value("start_ns", int64_t(0));
  const fields::ContainerInfo* info = &w->info;
  std::string error;
  w->group = fanotify::FanotifyGroup::adopt(
      io_, std::move(fds[0]),
      [this, info](const fanotify::FanotifyGroup::Input& in) { return handle_file(*info, in); },
      error);
  if (!w->group) {
    log("container " + id.substr(0, 12) + ": cannot take over its file watch: " + error);
    forget(key);
    return;
  }
  if (fds.size() > 1) w->group->use_journal(fanotify::EventJournal::adopt(std::move(fds[1])));
  if (fds.size() > 2) w->group->set_root(std::move(fds[2]));
  log("container " + id.substr(0, 12) + ": file watch taken over");
  serve_watch(id, std::move(w), meta, key);
}

void Daemon::unwatch(const std::string& id) {
  auto it = watched_.find(id);
  if (it == watched_.end()) return;
  if (!it->second->key.empty()) forget(it->second->key);
  const auto& g = *it->second->group;
  log("container " + id.substr(0, 12) + ": file watch ended after " + std::to_string(g.events()) +
      " events; cached " + std::to_string(g.cached()) + " files and " +
      std::to_string(g.cached_dirs()) + " directories (" + std::to_string(g.settled_dirs()) +
      " more settled into their files)");
  it->second->group->stop();
  barrier_.forget(id);
  watched_.erase(it);
}

nlohmann::json Daemon::watches_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, w] : watched_) {
    out.push_back({{"id", id},
                   {"events", w->group->events()},
                   {"cached_files", w->group->cached()},
                   {"cached_directories", w->group->cached_dirs()},
                   {"settled_directories", w->group->settled_dirs()},
                   {"cache_held", w->group->cache_held()},
                   {"overflows", w->group->overflows()}});
  }
  return out;
}

nlohmann::json Daemon::control(const nlohmann::json& req) {
  const std::string op = req.value("op", std::string());
  if (op == "status") {
    nlohmann::json containers = nlohmann::json::array();
    for (const auto& [ptr, session] : sessions_) {
      containers.push_back({{"id", session->container().full_id},
                            {"name", session->container().name},
                            {"notifications", session->notifications()},
                            {"registered", registered_.count(session->container().full_id) > 0}});
    }
    size_t in_force = 0;
    for (const auto& r : rules_->rules()) in_force += r.status == rules::RuleStatus::kCompiled;
    return {
        {"ok", true},
        {"mode", cfg_.mode == config::Mode::kEnforce ? "enforce" : "monitor"},
        {"rules_in_force", in_force},
        {"events", events_},
        {"alerts_dropped", outputs_->dropped()},
        {"watchdog_fallbacks", watchdog_->fallbacks()},
        {"open_intents_unknown", fields::FileEvent::unknown_intents()},
        {"seccomp_sessions", containers},
        {"file_watches", watches_json()},
        {"registered_containers", registered_.size()},
        {"keeper", link_.attached() ? nlohmann::json{{"pid", keeper_pid_}, {"alive", keeper_alive_}}
                                    : nlohmann::json(nullptr)}};
  }
  if (op == "reload") {
    const bool ok = reload();
    return {{"ok", ok}, {"errors", last_reload_errors_}};
  }
  if (op == "upgrade") {
    // The keeper stops this engine and starts the binary now at its path, which takes over
    // every session and watch (docs/keeper.md).
    if (!link_.attached()) return {{"ok", false}, {"error", "no keeper (--no-keeper)"}};
    // Asked a moment later, so this answer reaches the caller before the engine stops.
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(100));
    timer->async_wait([this, timer](const boost::system::error_code& ec) {
      if (!ec && !send_message(link_.channel, {{"op", "upgrade"}})) {
        log("upgrade: the keeper is gone");
      }
    });
    return {{"ok", true}, {"engine_pid", ::getpid()}};
  }
  if (op == "container_created" || op == "container_stopped") {
    const auto state = req.value("state", nlohmann::json::object());
    const std::string id = state.is_object() ? state.value("id", std::string()) : "";
    if (id.empty()) return {{"ok", false}, {"error", "state has no container id"}};
    if (op == "container_created") {
      // A runtime's state always has both; anything else is refused whole, never kept half
      // registered.
      const auto pid = state.find("pid");
      const auto bundle = state.find("bundle");
      if (pid == state.end() || !pid->is_number_integer() || pid->get<int64_t>() <= 0 ||
          bundle == state.end() || !bundle->is_string() || bundle->get<std::string>().empty()) {
        return {{"ok", false}, {"error", "state needs a pid (a positive number) and a bundle"}};
      }
      registered_[id] = state;
      log("container " + id.substr(0, 12) + ": registered by its createRuntime hook");
      std::string error;
      try {
        error = watch(id, state);
      } catch (const std::exception& e) {
        error = e.what();
      }
      if (!error.empty()) {
        log("container " + id.substr(0, 12) + ": its files are NOT watched: " + error);
        return {{"ok", true}, {"warning", "files not watched: " + error}};
      }
    } else {
      registered_.erase(id);
      unwatch(id);
      log("container " + id.substr(0, 12) + ": stopped (poststop hook)");
      // Every process of the container is gone; a session still open can go too.
      for (auto it = sessions_.begin(); it != sessions_.end();) {
        if (it->second->container().full_id == id) {
          log("container " + id.substr(0, 12) + ": stopped; session closed");
          UniqueFd done = it->second->release_fd();
          if (auto k = session_keys_.find(it->first); k != session_keys_.end()) {
            forget(k->second);
            session_keys_.erase(k);
          }
          it = sessions_.erase(it);
        } else {
          ++it;
        }
      }
    }
    return {{"ok", true}};
  }
  return {{"ok", false}, {"error", "unknown op '" + op + "'"}};
}

void Daemon::alert_engine(Priority p, const std::string& rule, const std::string& output) {
  outputs::Alert a;
  a.time_ns = now_ns();
  a.rule = rule;
  a.priority = p;
  a.action = "alert";
  a.hostname = hostname_;
  a.output = output;
  outputs_->push(std::move(a));
}

void Daemon::report_unmonitored() {
  // Hooks that found the daemon down (on_daemon_unavailable: allow) left a note each.
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(cfg_.control_socket).parent_path() / "unmonitored";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    auto text = std::ifstream(e.path());
    nlohmann::json note = nlohmann::json::parse(text, nullptr, false);
    outputs::Alert a;
    a.time_ns = now_ns();
    a.rule = "vigil: container started unmonitored";
    a.priority = Priority::kCritical;
    a.action = "alert";
    a.hostname = hostname_;
    const std::string what = note.is_object() ? note.value("container", std::string("?")) : "?";
    const std::string when = note.is_object() ? note.value("time", std::string("?")) : "?";
    a.container_id = what.substr(0, 12);
    a.output =
        "A container started while the vigil daemon was down and runs unmonitored "
        "(container=" +
        what + " at=" + when +
        " via=" + (note.is_object() ? note.value("via", std::string("?")) : "?") + ")";
    outputs_->push(std::move(a));
    fs::remove(e.path(), ec);
  }
}

}  // namespace vigil::engine
