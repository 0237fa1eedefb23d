// The decision cache against renames (decision_cache.h, point 3). A cached "no rule matches" sits
// on a file's inode (or its directory's), and a rename or hard link keeps the inode: a file opened
// once in /tmp, then moved below /etc, would carry its cached decision there. So before vigil lets
// a rename or link go on, it forgets the container's cached decisions and caches nothing
// more until that thread is seen out of the call (in another call, or gone); io_uring can
// rename without a system call, so a container that sets it up is never cached again.
// docs/fanotify.md, "Renames".
#pragma once

#include <linux/seccomp.h>

#include <boost/asio.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/fanotify/fanotify_group.h"
#include "src/fields/event_types.h"
#include "src/proc/blocked_call.h"

namespace vigil::fanotify {

class RenameBarrier {
 public:
  explicit RenameBarrier(boost::asio::io_context& io) : timer_(io) {}
  // Call before answering a notification of container `id`, whose file watch is `group`;
  // `effect` is its event type's (fields::EventTypeInfo::cache_effect). Returns true when
  // the container has just set up io_uring (held for good from now).
  bool before_answer(const std::string& id, const std::shared_ptr<FanotifyGroup>& group,
                     const seccomp_notif& req, fields::CacheEffect effect);
  void forget(const std::string& id) { held_.erase(id); }

 private:
  void poll();

  struct Held {
    std::weak_ptr<FanotifyGroup> group;
    std::map<pid_t, proc::BlockedSyscall> movers;  // thread -> the call it was let go on
    bool forever = false;                          // io_uring
  };
  std::map<std::string, Held> held_;
  boost::asio::steady_timer timer_;
  bool polling_ = false;
};

}  // namespace vigil::fanotify
