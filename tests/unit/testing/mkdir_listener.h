// A seccomp filter on the calling thread (filters apply per thread) whose mkdir and mkdirat
// notify a listener of its own; every other call is allowed. And the rule that blocks some
// of those mkdirs. A raw filter: libseccomp keeps one listener per process, so it cannot
// give each test thread a fresh one.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>

namespace vigil::testing {

// The block rule the tests pair with this filter: a mkdir whose path contains /blocked
// gets EACCES, with the alert "mkdir <path>".
inline constexpr const char* kBlockedMkdirRule = R"(
- rule: Mkdir in blocked
  desc: d
  condition: evt.type in (mkdir, mkdirat) and fs.path.name contains /blocked
  output: mkdir %fs.path.name
  priority: WARNING
  action: block
  errno: EACCES
)";

// Sets no_new_privs on the thread and installs the filter; the listener fd, or -1 (errno).
inline int install_mkdir_listener() {
  ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mkdir, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mkdirat, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
  };
  struct sock_fprog prog = {sizeof(filter) / sizeof(filter[0]), filter};
  return int(
      ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog));
}

}  // namespace vigil::testing
