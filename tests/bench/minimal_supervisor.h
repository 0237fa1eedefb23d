// What a minimal seccomp supervisor does per notification, for the benchmarks' floors
// (seccomp_bench, exec_floor): RECV one notification, SEND CONTINUE.
#pragma once

#include <linux/seccomp.h>
#include <sys/ioctl.h>

#include <cstring>

namespace vigil::bench {

// False if there was nothing to receive (the target died meanwhile).
inline bool answer_continue(int fd) {
  seccomp_notif req;
  std::memset(&req, 0, sizeof(req));
  if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) return false;
  seccomp_notif_resp resp;
  std::memset(&resp, 0, sizeof(resp));
  resp.id = req.id;
  resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
  return true;
}

}  // namespace vigil::bench
