// pidfd_open takes a process, not a thread (without PIDFD_THREAD, Linux 6.9): the thread's
// group leader is read from /proc/<tid>/status first.
#include "src/common/kill.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "src/common/unique_fd.h"

namespace vigil {
namespace {

pid_t thread_group_of(pid_t tid) {
  const std::string path = "/proc/" + std::to_string(tid) + "/status";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return tid;
  char buf[4096];
  const ssize_t n = ::read(fd.get(), buf, sizeof(buf) - 1);
  if (n <= 0) return tid;
  buf[n] = '\0';
  const char* line = std::strstr(buf, "\nTgid:");
  if (!line) return tid;
  const long tgid = std::strtol(line + 6, nullptr, 10);
  return tgid > 0 ? pid_t(tgid) : tid;
}

}  // namespace

bool kill_process_of(pid_t tid, const std::function<bool()>& still_the_target) {
  UniqueFd pidfd(int(::syscall(SYS_pidfd_open, thread_group_of(tid), 0)));
  if (!pidfd || !still_the_target()) return false;
  return ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0) == 0;
}

}  // namespace vigil
