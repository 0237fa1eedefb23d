// Seccomp sessions: one per runtime connection (container create, each exec), new or
// taken over from the keeper, and the handler that turns a notification into a Response.
#include "src/common/log.h"
#include "src/engine/engine.h"
#include "src/fields/event_types.h"
#include "src/fields/syscall_event.h"
#include "src/proc/proc_reader.h"

namespace vigil::engine {

void Engine::on_runtime_container(UniqueFd fd, const seccomp::ContainerProcessState& st) {
  nlohmann::json meta = {{"id", st.container_id},
                         {"bundle", st.bundle},
                         {"annotations", st.annotations},
                         {"status", st.status},
                         {"pid", st.pid}};
  Container& c = container(st.container_id, st.bundle, st.annotations, nullptr,
                           creating_root(st.status, int(st.pid)));
  start_session(c, std::move(fd), meta, seccomp::NotifyJournal::create(), "");
}

void Engine::adopt_session(KeptItem& item) {
  UniqueFd fd = item.take("notify");
  if (!fd) return;
  seccomp::NotifyJournal journal;
  if (UniqueFd j = item.take("journal")) journal = seccomp::NotifyJournal::adopt(std::move(j));
  const auto& meta = item.meta;
  Container& c = container(meta.value("id", std::string()), meta.value("bundle", std::string()),
                           annotations_of(meta));
  start_session(c, std::move(fd), meta, std::move(journal), item.key);
}

void Engine::start_session(Container& c, UniqueFd fd, const nlohmann::json& meta,
                           seccomp::NotifyJournal journal, const std::string& adopted_key) {
  const int notify_fd = fd.get();
  Container* cp = &c;
  std::shared_ptr<seccomp::NotifySession> session;
  try {
    session = std::make_shared<seccomp::NotifySession>(
        io_, std::move(fd),
        [this, cp](seccomp::NotifySession& s, const seccomp_notif& req) {
          const auto t0 = std::chrono::steady_clock::now();
          const seccomp::Response r = path_.on_notification(*cp, req, s.fd());
          using K = seccomp::Response::Kind;
          metrics_.answered(web::MetricChannel::kSeccomp,
                            r.kind == K::kContinue ? web::EngineMetrics::kAllow
                            : r.kind == K::kKill   ? web::EngineMetrics::kKill
                                                   : web::EngineMetrics::kDeny,
                            std::chrono::steady_clock::now() - t0);
          return r;
        },
        [this, cp](seccomp::NotifySession& s) { end_session(*cp, s, /*log_end=*/true); },
        std::move(journal));
  } catch (const std::exception& e) {
    // The io_context cannot watch this fd: there is no way to answer its notifications.
    log::error("container " + c.id + ": cannot watch its seccomp fd: " + e.what());
    containers_.release_if_empty(c.id);
    return;
  }
  std::string key = adopted_key;
  if (key.empty()) {
    // The keeper holds a duplicate before the first RECV: from here on, this engine's
    // death leaves the container waiting for a successor, never with ENOSYS.
    key = keeper_.keep(KeptKind::kSession, meta,
                       {{"notify", notify_fd},
                        {"journal", session->journal().valid() ? session->journal().fd() : -1}});
  }
  if (!adopted_key.empty() && session->recover_orphan()) {
    log::info("container " + c.info.id + ": answered a notification its previous engine had " +
              "received");
  }
  log::info("container " + c.info.id + " (" + meta.value("status", std::string()) + ", pid " +
            std::to_string(meta.value("pid", 0)) + "): seccomp session " +
            (adopted_key.empty() ? "started" : "taken over"));
  c.sessions[session.get()] = Container::Session{session, key};
  session->start();
}

void Engine::end_session(Container& c, seccomp::NotifySession& s, bool log_end) {
  auto it = c.sessions.find(&s);
  if (it == c.sessions.end()) return;
  const std::string id = c.id;
  if (log_end) {
    log::info("container " + c.info.id + ": session ended after " +
              std::to_string(s.notifications()) + " notifications");
  }
  keeper_.forget(it->second.key);
  UniqueFd done = it->second.session->release_fd();  // closed here: nothing waits on it
  c.sessions.erase(it);
  // Every process under the container's filters is gone: its file watch can go too. (An
  // exec's session ending alone leaves the container running.)
  if (log_end && c.sessions.empty()) unwatch(c);
  containers_.release_if_empty(id);
  proc::forget_gone_processes();  // the /proc fds kept for its processes
}

}  // namespace vigil::engine
