#include "src/keeper/systemd.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <sstream>

namespace vigil::keeper::systemd {

bool under_systemd() {
  const char* s = std::getenv("NOTIFY_SOCKET");
  return s && *s;
}

bool notify(const std::string& state, const std::vector<int>& fds) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (!path || !*path) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const size_t len = std::strlen(path);
  if (len >= sizeof(addr.sun_path)) return false;
  std::memcpy(addr.sun_path, path, len);
  if (path[0] == '@') addr.sun_path[0] = '\0';  // an abstract socket
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  iovec iov{const_cast<char*>(state.data()), state.size()};
  msghdr m{};
  m.msg_name = &addr;
  m.msg_namelen = socklen_t(offsetof(sockaddr_un, sun_path) + len);
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
  if (!fds.empty()) {
    m.msg_control = control.data();
    m.msg_controllen = control.size();
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  return ::sendmsg(fd.get(), &m, MSG_NOSIGNAL) == ssize_t(state.size());
}

bool store_fd(const std::string& name, int fd) { return notify("FDSTORE=1\nFDNAME=" + name, {fd}); }

bool remove_stored(const std::string& name) { return notify("FDSTOREREMOVE=1\nFDNAME=" + name); }

std::vector<std::pair<std::string, UniqueFd>> passed_fds() {
  std::vector<std::pair<std::string, UniqueFd>> out;
  const char* pid = std::getenv("LISTEN_PID");
  const char* count = std::getenv("LISTEN_FDS");
  const char* names = std::getenv("LISTEN_FDNAMES");
  const bool ours = pid && count && std::strtol(pid, nullptr, 10) == long(::getpid());
  const long n = ours ? std::strtol(count, nullptr, 10) : 0;
  std::vector<std::string> split;
  if (names) {
    std::istringstream in(names);
    for (std::string s; std::getline(in, s, ':');) split.push_back(s);
  }
  for (long i = 0; i < n && i < 65536; ++i) {
    const int fd = 3 + int(i);  // SD_LISTEN_FDS_START
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    out.emplace_back(size_t(i) < split.size() ? split[size_t(i)] : "unknown", UniqueFd(fd));
  }
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  return out;
}

}  // namespace vigil::keeper::systemd
