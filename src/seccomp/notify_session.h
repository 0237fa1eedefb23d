// One container's seccomp notify fd: waits on it in the io_context without blocking,
// RECVs the notifications that are pending at each readiness (a bounded burst: poll() with
// no timeout between them, see on_ready), asks the handler for a Response, and applies it:
// every notification gets exactly one answer (the handler's, or CONTINUE if it threw).
// Ownership: the session owns the fd; release_fd() stops the session and hands the fd on
// (to a successor process) without closing it, since closing the last copy turns every
// intercepted syscall of the container into ENOSYS.
#pragma once

#include <linux/seccomp.h>

#include <boost/asio.hpp>
#include <functional>
#include <memory>

#include "src/common/shared_memory.h"
#include "src/common/unique_fd.h"

namespace vigil::seccomp {

// Not in Debian 12's headers (Linux 6.6+).
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

// The journal of one session: a page of shared memory (a memfd the keeper also holds)
// whose first bytes are the RECV buffer itself, so the kernel's own write of a
// notification is its record. Zeroed after each answer. An engine that dies between RECV
// and SEND leaves the notification there for its successor (DESIGN.md, "Surviving the
// engine's death").
class NotifyJournal {
 public:
  // A new journal; an invalid one (no memfd) if the kernel refuses.
  static NotifyJournal create();
  // Maps an existing journal memfd (from the keeper).
  static NotifyJournal adopt(UniqueFd memfd);
  NotifyJournal() = default;
  bool valid() const { return mem_.valid(); }
  int fd() const { return mem_.fd(); }
  seccomp_notif* slot() const { return static_cast<seccomp_notif*>(mem_.data()); }

 private:
  SharedMemory mem_;
};

// What a handler decides for one notification (crun's handlers return a named outcome the
// same way). The session applies it, once:
//   response = Continue()          the syscall runs (SECCOMP_USER_NOTIF_FLAG_CONTINUE)
//            | Error(errno)        it returns -errno without running
//            | Kill()              the calling process is SIGKILLed, the call gets EPERM
struct Response {
  enum class Kind : uint8_t { kContinue, kError, kKill };
  Kind kind = Kind::kContinue;
  int error = 0;
  static Response Continue() { return {}; }
  static Response Error(int e) { return {Kind::kError, e}; }
  static Response Kill() { return {Kind::kKill, EPERM}; }
};

class NotifySession : public std::enable_shared_from_this<NotifySession> {
 public:
  // Decides one notification; runs on the io thread and must not block. Never answers
  // itself: the session does, with what it returns.
  using Handler = std::function<Response(NotifySession&, const seccomp_notif&)>;
  using Closed = std::function<void(NotifySession&)>;

  NotifySession(boost::asio::io_context& io, UniqueFd fd, Handler handler, Closed closed,
                NotifyJournal journal = {});
  ~NotifySession();

  // A notification a dead predecessor received but never answered (still pending in the
  // kernel: SECCOMP_IOCTL_NOTIF_ID_VALID) is decided and answered now. Returns true if there
  // was one. Call before start().
  bool recover_orphan();
  void start();
  int fd() const { return fd_; }
  UniqueFd release_fd();
  const NotifyJournal& journal() const { return journal_; }
  uint64_t notifications() const { return count_; }
  // Whether notification `id` is still pending (its target has not died or been
  // interrupted): SECCOMP_IOCTL_NOTIF_ID_VALID, the check seccomp_unotify(2) asks for after
  // opening anything of the target's.
  bool still_pending(uint64_t id) const;

 private:
  void wait();
  void on_ready();
  void receive_one();  // one RECV, decide and SEND
  void close();
  // Sends the answer; false if the target is gone (ENOENT: normal, the process died or the
  // call was interrupted).
  bool apply(const seccomp_notif& req, const Response& r);
  void decide(const seccomp_notif& req);

  // Notifications answered per wakeup at most, before the reactor runs other work.
  static constexpr int kBurst = 32;
  boost::asio::posix::stream_descriptor stream_;
  int fd_;
  Handler handler_;
  Closed closed_;
  uint64_t count_ = 0;
  bool closed_called_ = false;
  bool hung_up_ = false;
  NotifyJournal journal_;
};

}  // namespace vigil::seccomp
