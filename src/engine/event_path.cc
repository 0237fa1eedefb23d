// The engine's answer to one event (event_path.h).
#include "src/engine/event_path.h"

#include "src/common/log.h"
#include "src/fields/event_types.h"
#include "src/fields/file_event.h"
#include "src/fields/syscall_event.h"
#include "src/proc/blocked_call.h"

namespace vigil::engine {
namespace {

// The decision cache's questions (fanotify/decision_cache.h), answered by the rules the
// event was decided by, about opens of the event's file: for an open, the event itself;
// for an exec, the open event every exec of that file also raises, built on the first
// question (after the answer, as every question is).
class RulesProof final : public fanotify::CacheProof {
 public:
  RulesProof(std::shared_ptr<const rules::CompiledRuleSet> rules,
             std::shared_ptr<fields::FileEvent> event, const fields::ContainerInfo& info,
             const std::string* exec_path)
      : rules_(std::move(rules)), event_(std::move(event)), info_(info) {
    if (event_->channel() == Channel::kFileOpen) {
      open_ = event_;
    } else if (exec_path) {
      exec_path_ = *exec_path;
    }
  }
  const std::optional<std::string>& path() const override { return open().path(); }
  bool no_open_matches_file() const override { return rules_->provably_no_match(open()); }
  bool no_open_matches_directory(const std::string& dir) const override {
    return rules_->provably_no_match_in(open(), dir);
  }

 private:
  fields::FileEvent& open() const {
    if (!open_) {
      fanotify_event_metadata as_open = {};
      as_open.vers = FANOTIFY_METADATA_VERSION;
      as_open.mask = FAN_OPEN_PERM;
      as_open.fd = event_->fd();
      as_open.pid = event_->pid();
      open_ = std::make_shared<fields::FileEvent>(as_open, info_, 0,
                                                  exec_path_ ? &*exec_path_ : nullptr, false);
    }
    return *open_;
  }
  // Held: a reload between the answer and these questions can neither free nor swap them.
  std::shared_ptr<const rules::CompiledRuleSet> rules_;
  std::shared_ptr<fields::FileEvent> event_;
  const fields::ContainerInfo& info_;  // the container's, which outlives its watch
  std::optional<std::string> exec_path_;
  mutable std::shared_ptr<fields::FileEvent> open_;
};

}  // namespace

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
    d.outcome = cfg_.permission_fallback_allow ? fanotify::FanotifyGroup::Outcome::kAllow
                                               : fanotify::FanotifyGroup::Outcome::kDeny;
    out_.alert(pipeline_.engine_alert(
        Priority::kCritical, "vigil: file event answered by the fallback after a restart",
        "Container " + c.info.id + ": a permission event of pid " + std::to_string(m.pid) +
            " was read by an engine that died before journaling its file; answered " +
            (d.allows() ? "allow" : "deny") + " (permission_fallback)",
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
  using Outcome = fanotify::FanotifyGroup::Outcome;
  fanotify::FanotifyGroup::Decision d;
  if (!v.matched()) {
    d.outcome = Outcome::kAllowUnmatched;
    // What the cache may ask after the answer. An orphan's fd is its dead reader's, so it
    // is never offered.
    if (event->channel() == Channel::kFileOpen ||
        (event->channel() == Channel::kFileExec && !in.orphan)) {
      d.proof = std::make_shared<RulesProof>(rules, event, c.info, in.path);
    }
    return d;
  }
  d.outcome = v.action == Action::kAlert  ? Outcome::kAllow
              : v.action == Action::kKill ? Outcome::kKill
                                          : Outcome::kDeny;
  // Queued (and journaled) before the group answers; written after it.
  for (auto& a : v.alerts) out_.alert(std::move(a));
  return d;
}

}  // namespace vigil::engine
