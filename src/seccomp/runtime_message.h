// The message runc and crun send on `linux.seccomp.listenerPath`: one "container process
// state" JSON object, with the notify fd attached by SCM_RIGHTS. Parsing is bounded and
// never throws; garbage is an error string.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::seccomp {

inline constexpr size_t kMaxRuntimeMessage = 1 << 20;

struct ContainerProcessState {
  std::string oci_version;
  int pid = 0;  // host pid of the process (0 from crun on exec)
  std::string metadata;
  std::string container_id;
  std::string status;     // "creating" at create, "running" for exec
  int container_pid = 0;  // state.pid
  std::string bundle;
  std::map<std::string, std::string> annotations;
  int seccomp_fd_index = -1;  // index of "seccompFd" in fds
};

// Parses one JSON object. On failure returns nullopt and sets `error`.
std::optional<ContainerProcessState> parse_runtime_message(std::string_view text,
                                                           std::string& error);

// Length of the first complete JSON object in `buf` (balanced braces outside strings), or 0
// if it is not complete yet. Never waits for EOF: runc may keep the connection open.
size_t complete_json_object(std::string_view buf);

}  // namespace vigil::seccomp
