// systemd's service protocols through libsystemd (sd_notify(3), sd_listen_fds(3)):
// readiness, and the file descriptor store that keeps the containers' fds across
// `systemctl restart`.
//
// - notify: one datagram to $NOTIFY_SOCKET ("READY=1", "STATUS=...", "STOPPING=1"); with
//   "FDSTORE=1\nFDNAME=<name>" and fds attached (SCM_RIGHTS), systemd keeps the fds for the
//   service's next start (FileDescriptorStoreMax= must allow them; the unit in
//   deploy/systemd sets it). "FDSTOREREMOVE=1\nFDNAME=<name>" drops them again.
// - the next start gets them as fds 3.. with $LISTEN_PID (its pid), $LISTEN_FDS (how many)
//   and $LISTEN_FDNAMES (their names, ':'-separated).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "src/common/unique_fd.h"

namespace vigil::keeper::systemd {

// True when $NOTIFY_SOCKET is set (started by systemd with Type=notify).
bool under_systemd();
// Sends one notification; false if there is no socket or the send failed.
bool notify(const std::string& state, const std::vector<int>& fds = {});
// Stores `fd` in the fd store under `name` (letters, digits, '-', '_', '.': up to 255).
bool store_fd(const std::string& name, int fd);
bool remove_stored(const std::string& name);

// The fds systemd passed to this process, by name (O_CLOEXEC set); the variables are
// unset so that no child sees them.
std::vector<std::pair<std::string, UniqueFd>> passed_fds();

}  // namespace vigil::keeper::systemd
