#include "src/keeper/systemd.h"

#include <systemd/sd-daemon.h>

#include <cstdlib>

namespace vigil::keeper::systemd {

bool under_systemd() {
  const char* s = std::getenv("NOTIFY_SOCKET");
  return s && *s;
}

bool notify(const std::string& state, const std::vector<int>& fds) {
  // 0: no $NOTIFY_SOCKET; > 0: sent.
  return ::sd_pid_notify_with_fds(0, /*unset_environment=*/0, state.c_str(), fds.data(),
                                  unsigned(fds.size())) > 0;
}

bool store_fd(const std::string& name, int fd) { return notify("FDSTORE=1\nFDNAME=" + name, {fd}); }

bool remove_stored(const std::string& name) { return notify("FDSTOREREMOVE=1\nFDNAME=" + name); }

std::vector<std::pair<std::string, UniqueFd>> passed_fds() {
  std::vector<std::pair<std::string, UniqueFd>> out;
  char** names = nullptr;
  // Checks $LISTEN_PID, sets O_CLOEXEC on each fd, and unsets the variables.
  const int n = ::sd_listen_fds_with_names(/*unset_environment=*/1, &names);
  for (int i = 0; i < n; ++i) {
    out.emplace_back(names && names[i] ? names[i] : "unknown", UniqueFd(SD_LISTEN_FDS_START + i));
  }
  if (names) {
    for (int i = 0; i < n; ++i) std::free(names[i]);
    std::free(names);
  }
  return out;
}

}  // namespace vigil::keeper::systemd
