#include "tests/unit/testing/real_events.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>

#include "src/fields/container_info.h"
#include "src/fields/syscall_event.h"

namespace vigil::testing {
RealEvents capture_syscalls(const std::set<std::string>& syscalls,
                            const std::vector<FieldRef>& refs, const std::string& script,
                            size_t max_events) {
  RealEvents out;
  // Everything the child needs is built before fork: after it, the child (of a process with
  // threads) makes system calls only.
  std::vector<sock_filter> prog = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
  };
  std::vector<int> numbers;
  for (const auto& name : syscalls) {
    const int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr >= 0) numbers.push_back(nr);
  }
  for (size_t i = 0; i < numbers.size(); ++i) {
    // Jump to the NOTIFY return at the end if equal.
    prog.push_back(
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, uint32_t(numbers[i]), uint8_t(numbers.size() - i), 0));
  }
  prog.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  prog.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF));
  sock_fprog fprog{uint16_t(prog.size()), prog.data()};
  const char* argv[] = {"sh", "-c", script.c_str(), nullptr};
  const char* envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", nullptr};

  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    out.error = std::string("socketpair: ") + std::strerror(errno);
    return out;
  }
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(sv[0]);
    ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    const int fd = int(
        ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &fprog));
    // The parent takes the listener itself (pidfd_getfd): only its number travels.
    if (fd < 0 || ::write(sv[1], &fd, sizeof(fd)) != sizeof(fd)) ::_exit(126);
    char go;
    if (::read(sv[1], &go, 1) != 1) ::_exit(126);
    ::close(fd);
    ::execve("/bin/sh", const_cast<char* const*>(argv), const_cast<char* const*>(envp));
    ::_exit(127);
  }
  ::close(sv[1]);
  UniqueFd sock(sv[0]);
  if (child < 0) {
    out.error = std::string("fork: ") + std::strerror(errno);
    return out;
  }
  int child_fd = -1;
  UniqueFd pidfd(int(::syscall(SYS_pidfd_open, child, 0)));
  UniqueFd notify;
  if (pidfd && ::read(sock.get(), &child_fd, sizeof(child_fd)) == sizeof(child_fd)) {
    notify.reset(int(::syscall(SYS_pidfd_getfd, pidfd.get(), child_fd, 0)));
  }
  if (!notify) {
    out.error = "the child could not load a seccomp filter with a listener";
  } else {
    const char go = 'g';
    if (::write(sock.get(), &go, 1) != 1) out.error = "cannot start the child";
  }
  fields::ContainerInfo container = fields::ContainerInfo::from_state(
      "0123456789abcdef0123456789abcdef", "/run/capture", {{"io.kubernetes.pod.name", "cap"}});
  uint64_t number = 0;
  while (notify && out.error.empty()) {
    pollfd p{notify.get(), POLLIN, 0};
    const int r = ::poll(&p, 1, 10000);
    if (r == 0) {
      out.error = "no notification for 10 s: the script hangs";
      break;
    }
    if (r < 0 && errno == EINTR) continue;
    if (!(p.revents & POLLIN)) break;  // POLLHUP: every process of the script is gone
    seccomp_notif req{};
    if (::ioctl(notify.get(), SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
      if (errno == EINTR || errno == ENOENT) continue;
      break;
    }
    {
      fields::SyscallEvent live(req, notify.get(), container, ++number);
      if (live.known() && out.events.size() < max_events) out.events.emplace_back(live, refs);
    }
    seccomp_notif_resp resp{};
    resp.id = req.id;
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    ::ioctl(notify.get(), SECCOMP_IOCTL_NOTIF_SEND, &resp);
  }
  notify.reset();  // a blocked child would now get ENOSYS, never hang
  int status = 0;
  ::waitpid(child, &status, 0);
  out.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return out;
}

std::string everyday_script() {
  return R"(set -e
T=$(mktemp -d)
cat /etc/hostname /etc/os-release > /dev/null
ls -la /etc /usr/bin > /dev/null
grep -r root /etc/passwd > /dev/null
find /etc -maxdepth 1 -name '*.conf' > /dev/null
cat /etc/shadow > /dev/null 2>&1 || true
echo data > "$T/a"
ln -s /etc/shadow "$T/s"
ln "$T/a" "$T/b"
sh -c 'id > /dev/null; uname -a > /dev/null'
env | sort > /dev/null
rm -rf "$T"
)";
}

}  // namespace vigil::testing
