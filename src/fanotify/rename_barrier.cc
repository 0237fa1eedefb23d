#include "src/fanotify/rename_barrier.h"

#include <algorithm>

namespace vigil::fanotify {
namespace {

// Out of the call it was let go on: gone, in another call, or in no call at all. A thread
// that reads "running" may still be in it: it is looked at again.
bool moved_on(pid_t tid, const proc::BlockedSyscall& call) {
  const auto st = proc::read_syscall_state(tid);
  using Kind = proc::SyscallState::Kind;
  if (st.kind == Kind::kRunning) return false;
  return st.kind != Kind::kInCall || !proc::same_call(st.call, call);
}

}  // namespace

bool RenameBarrier::before_answer(const std::string& id,
                                  const std::shared_ptr<FanotifyGroup>& group,
                                  const seccomp_notif& req, fields::CacheEffect effect) {
  if (!group || effect == fields::CacheEffect::kNone) return false;
  const bool io_uring = effect == fields::CacheEffect::kRing;
  Held& h = held_[id];
  h.group = group;
  group->cache().hold(true);
  if (io_uring) {
    const bool first = !h.forever;
    h.forever = true;
    return first;
  }
  proc::BlockedSyscall call;
  call.nr = req.data.nr;
  std::copy(std::begin(req.data.args), std::end(req.data.args), call.args);
  h.movers[pid_t(req.pid)] = call;
  if (!polling_) {
    polling_ = true;
    poll();
  }
  return false;
}

void RenameBarrier::poll() {
  timer_.expires_after(std::chrono::milliseconds(1));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) {
      polling_ = false;
      return;
    }
    bool waiting = false;
    for (auto it = held_.begin(); it != held_.end();) {
      Held& h = it->second;
      for (auto m = h.movers.begin(); m != h.movers.end();) {
        m = moved_on(m->first, m->second) ? h.movers.erase(m) : std::next(m);
      }
      auto group = h.group.lock();
      if (!group) {
        it = held_.erase(it);
        continue;
      }
      if (h.movers.empty() && !h.forever) {
        group->cache().hold(false);
        it = held_.erase(it);
        continue;
      }
      waiting |= !h.movers.empty();
      ++it;
    }
    if (waiting) {
      poll();
    } else {
      polling_ = false;
    }
  });
}

}  // namespace vigil::fanotify
