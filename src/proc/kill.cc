// pidfd_open takes a process, not a thread (without PIDFD_THREAD, Linux 6.9): the thread's
// group leader is read from /proc/<tid>/status first.
#include "src/proc/kill.h"
#include "src/proc/proc_reader.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "src/common/unique_fd.h"

namespace vigil::proc {
namespace {

pid_t thread_group_of(pid_t tid) {
  const auto status = proc::read_status(tid);
  return status && status->tgid > 0 ? status->tgid : tid;
}

}  // namespace

bool kill_process_of(pid_t tid, const std::function<bool()>& still_the_target) {
  UniqueFd pidfd(int(::syscall(SYS_pidfd_open, thread_group_of(tid), 0)));
  if (!pidfd || !still_the_target()) return false;
  return ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0) == 0;
}

}  // namespace vigil::proc
