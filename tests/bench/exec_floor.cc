// The floor of fork+exec in a container for any supervisor that sees what vigil's default
// rules need to see of an exec: its execve as a seccomp user notification (the memory-file
// and argument rules cannot be served otherwise) and its open as a fanotify permission
// event (one per exec, as vigil's "execs judged at the open" leaves it). It does nothing but
// answer: CONTINUE, FAN_ALLOW. One thread, blocking in poll() on everything.
//
// It is a seccomp agent as runc speaks to one (linux.seccomp.listenerPath: a connection per
// container, its notify fd with SCM_RIGHTS and the state as JSON). On each container's fd it
// marks the container's root mount (/proc/<pid>/root, FAN_MARK_MOUNT, FAN_OPEN_EXEC_PERM)
// before it answers anything, so the first exec is already seen.
// With --epoll it waits in epoll_wait instead (level-triggered, registered once), as an event
// loop does: the kernel then wakes it as any waiter, not on the CPU of the process it serves
// (seccomp's synchronous wake-up reaches poll()'s waiters only).
// Usage: exec_floor [--epoll] SOCKET   (runs until SIGTERM; container_exec.sh starts it)
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tests/bench/minimal_supervisor.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif

namespace {

volatile sig_atomic_t g_stop = 0;

// One container's message: its notify fd and the pid from the state JSON ("pid":N).
bool receive_container(int conn, int& fd, pid_t& pid) {
  char buf[16384];
  iovec iov{buf, sizeof(buf) - 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof(control);
  const ssize_t n = recvmsg(conn, &m, MSG_CMSG_CLOEXEC);
  if (n <= 0) return false;
  buf[n] = 0;
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  if (!c || c->cmsg_type != SCM_RIGHTS) return false;
  std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
  const char* p = std::strstr(buf, "\"pid\":");
  pid = p ? pid_t(std::atoi(p + 6)) : 0;
  return true;
}

unsigned long g_notifications = 0, g_file_events = 0;

void answer_notification(int fd) {
  if (vigil::bench::answer_continue(fd)) ++g_notifications;
}

void answer_file_events(int fan) {
  alignas(fanotify_event_metadata) char buf[4096];
  const ssize_t n = read(fan, buf, sizeof(buf));
  if (n <= 0) return;
  auto* e = reinterpret_cast<fanotify_event_metadata*>(buf);
  for (ssize_t left = n; FAN_EVENT_OK(e, left); e = FAN_EVENT_NEXT(e, left)) {
    if (e->fd < 0) continue;
    if (e->mask & (FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM)) {
      ++g_file_events;
      fanotify_response r{e->fd, FAN_ALLOW};
      if (write(fan, &r, sizeof(r)) < 0) std::perror("fanotify response");
    }
    close(e->fd);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bool use_epoll = argc == 3 && std::strcmp(argv[1], "--epoll") == 0;
  if (argc != 2 && !use_epoll) {
    std::fprintf(stderr, "usage: exec_floor [--epoll] SOCKET\n");
    return 2;
  }
  const char* path = argv[argc - 1];
  signal(SIGTERM, [](int) { g_stop = 1; });
  signal(SIGPIPE, SIG_IGN);
  const int fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_UNLIMITED_QUEUE,
                                O_RDONLY | O_LARGEFILE | O_CLOEXEC);
  if (fan < 0) {
    std::perror("fanotify_init");
    return 1;
  }
  const int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path, sizeof(addr.sun_path) - 1);
  unlink(path);
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listener, 16) != 0) {
    std::perror("listen");
    return 1;
  }
  // The fds and what poll() or epoll_wait() said of each, in one vector.
  std::vector<pollfd> fds{{listener, POLLIN, 0}, {fan, POLLIN, 0}};
  const int ep = use_epoll ? epoll_create1(EPOLL_CLOEXEC) : -1;
  auto watch = [&](int fd) {
    if (ep < 0) return;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  };
  watch(listener);
  watch(fan);
  while (!g_stop) {
    for (auto& p : fds) p.revents = 0;
    if (ep >= 0) {
      epoll_event ready[16];
      const int n = epoll_wait(ep, ready, 16, -1);
      if (n < 0) continue;  // EINTR: SIGTERM
      for (int i = 0; i < n; ++i) {
        for (auto& p : fds) {
          if (p.fd == ready[i].data.fd) p.revents = short(ready[i].events);
        }
      }
    } else if (poll(fds.data(), fds.size(), -1) < 0) {
      continue;
    }
    if (fds[0].revents & POLLIN) {
      const int conn = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      int fd = -1;
      pid_t pid = 0;
      if (conn >= 0 && receive_container(conn, fd, pid)) {
        ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, 1UL);  // the wake-up hint vigil uses too
        const std::string root = "/proc/" + std::to_string(pid) + "/root";
        if (fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN_EXEC_PERM, AT_FDCWD,
                          root.c_str()) != 0) {
          std::perror("fanotify_mark");
        }
        fds.push_back({fd, POLLIN, 0});
        watch(fd);
      }
      if (conn >= 0) close(conn);
    }
    if (fds[1].revents & POLLIN) answer_file_events(fan);
    for (size_t i = 2; i < fds.size();) {
      if (fds[i].revents & (POLLHUP | POLLERR | POLLNVAL)) {
        close(fds[i].fd);  // every process of that container is gone (and out of epoll)
        fds[i] = fds.back();
        fds.pop_back();
        continue;
      }
      if (fds[i].revents & POLLIN) answer_notification(fds[i].fd);
      ++i;
    }
  }
  std::fprintf(stderr, "exec_floor: answered %lu notifications and %lu file events\n",
               g_notifications, g_file_events);
  unlink(path);
  return 0;
}
