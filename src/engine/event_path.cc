// The engine's answer to one event (event_path.h).
#include "src/engine/event_path.h"

#include "src/common/log.h"
#include "src/fields/event_types.h"
#include "src/fields/file_event.h"
#include "src/fields/syscall_event.h"
#include "src/proc/blocked_call.h"

namespace vigil::engine {

seccomp::Response EventPath::on_notification(Container& c, const seccomp_notif& req,
                                             int notify_fd) {
  // Reloads run on this same thread, so the rule set cannot change under this call.
  const rules::CompiledRuleSet& rules = *rules_;
  fields::SyscallEvent event(req, notify_fd, c.info, ++events_);
  if (!event.known()) return seccomp::Response::Continue();
  const fields::CacheEffect effect = fields::event_type(event.type()).cache_effect;
  // Before the link goes on: from now the directory analysis cannot assume one link.
  if (effect == fields::CacheEffect::kLink) c.info.links_made.value = true;
  if (effect != fields::CacheEffect::kNone && c.watch && barrier_ &&
      cfg_.decision_cache != config::DecisionCache::kOff &&
      barrier_->before_answer(c.id, c.watch->group_ptr(), req, effect)) {
    // Before any answer: a rename or link let go on must not meet a cached decision.
    log::warn("container " + c.info.id +
              ": set up io_uring, which renames without system calls vigil sees: its file "
              "decisions are no longer cached");
  }
  verdict::Verdict v = pipeline_.decide(rules, event, c.info);
  // Nothing read of a caller that is gone is written out: its pid may be another
  // process's by now. Its call gets no answer anyway (SEND needs it pending).
  if ((!v.alerts.empty() || out_.recording()) && !event.caller_still_there()) {
    return seccomp::Response::Continue();
  }
  record(event, c, v);  // before the answer: the caller's memory is still what was judged
  // Queued (and recorded in the alert journal) before the answer, written after it by the
  // output threads: if this engine dies in between, its successor writes them.
  for (auto& a : v.alerts) out_.alert(std::move(a));
  switch (v.action) {
    case Action::kAlert:
      return seccomp::Response::Continue();
    case Action::kBlock:
      return seccomp::Response::Error(v.error);
    case Action::kKill:
      return seccomp::Response::Kill();
  }
  return seccomp::Response::Continue();
}

fanotify::FanotifyGroup::Decision EventPath::on_file_event(
    Container& c, const fanotify::FanotifyGroup::Input& in) {
  const fanotify_event_metadata& m = in.m;
  if (in.orphan && !in.path) {
    // The predecessor died between reading the event and journaling its file (a window of
    // one readlink). The opener is still blocked in its open call: its arguments name the
    // file. They are caller memory, so this is a last resort (docs/keeper.md).
    if (auto recovered = proc::read_blocked_open_path(pid_t(m.pid))) {
      log::warn("container " + c.info.id +
                ": a file event without a journaled path was decided from the "
                "opener's arguments (" +
                *recovered + ")");
      return on_file_event(c, fanotify::FanotifyGroup::Input{m, &*recovered, true});
    }
    // The rules cannot be asked. The fallback answers it, and says so.
    fanotify::FanotifyGroup::Decision d;
    d.allow = cfg_.permission_fallback_allow;
    out_.alert(pipeline_.engine_alert(
        Priority::kCritical, "vigil: file event answered by the fallback after a restart",
        "Container " + c.info.id + ": a permission event of pid " + std::to_string(m.pid) +
            " was read by an engine that died before journaling its file; answered " +
            (d.allow ? "allow" : "deny") + " (permission_fallback)",
        c.info.id));
    return d;
  }
  // Held by what is asked after the answer too: a reload in between cannot free them.
  const std::shared_ptr<const rules::CompiledRuleSet> rules = rules_;
  // The event lives until the group is done with it (answer, cache, alerts).
  auto event = std::make_shared<fields::FileEvent>(m, c.info, ++events_, in.path, in.orphan);
  if (in.file_stat) event->seed_stat(*in.file_stat);
  verdict::Verdict v = pipeline_.decide(*rules, *event, c.info);
  record(*event, c, v);
  // The open of an exec, of a file whose exec events are in the ignore mask (or maybe so:
  // an orphan): the exec rules judge it here (docs/fanotify.md, "Execs judged at the open").
  if ((in.exec_moved || in.orphan) && event->channel() == Channel::kFileOpen &&
      event->opened_by_exec()) {
    fanotify_event_metadata as_exec = m;
    as_exec.mask = FAN_OPEN_EXEC_PERM;
    fields::FileEvent exec(as_exec, c.info, ++events_, in.path, in.orphan);
    if (in.file_stat) exec.seed_stat(*in.file_stat);
    verdict::Verdict ev = pipeline_.decide(*rules, exec, c.info);
    record(exec, c, ev);
    if (ev.matched()) {
      v.action = std::max(v.action, ev.action);
      v.decided = std::max(v.decided, ev.decided);
      for (auto& a : ev.alerts) v.alerts.push_back(std::move(a));
    }
  }
  fanotify::FanotifyGroup::Decision d;
  if (!v.matched() && event->channel() == Channel::kFileExec && !in.orphan) {
    // Whether no open of this file can ever be cached (by the file's analysis or its
    // directory's): then every exec's open event reaches the engine, and the exec event,
    // a second round trip per exec, can go into the ignore mask.
    std::optional<std::string> raw;
    if (in.path) raw = *in.path;
    d.exec_on_open = [event, rules, scope = cfg_.decision_cache, info = &c.info, raw] {
      if (scope == config::DecisionCache::kOff) return true;
      fanotify_event_metadata as_open = {};
      as_open.vers = FANOTIFY_METADATA_VERSION;
      as_open.mask = FAN_OPEN_PERM;
      as_open.fd = event->fd();
      as_open.pid = event->pid();
      fields::FileEvent open(as_open, *info, 0, raw ? &*raw : nullptr, false);
      const auto& path = open.path();
      if (!path || path->empty() || (*path)[0] != '/') return false;
      if (rules->provably_no_match(open)) return false;
      const size_t slash = path->rfind('/');
      return scope != config::DecisionCache::kDirectory ||
             !rules->provably_no_match_in(open, slash == 0 ? "/" : path->substr(0, slash));
    };
  }
  if (!v.matched()) {
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
  d.allow = v.action == Action::kAlert;
  d.kill = v.action == Action::kKill;
  // Queued (and journaled) before the group answers; written after it.
  for (auto& a : v.alerts) out_.alert(std::move(a));
  return d;
}

}  // namespace vigil::engine
