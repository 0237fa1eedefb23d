// Real events for tests and benchmarks. A child process runs a shell script under a
// seccomp filter that notifies the given syscalls; each notification becomes the live
// SyscallEvent the daemon would build (registers, /proc and memory of a real process),
// is captured with the given field references while the caller waits, and is answered
// CONTINUE. What the captured events hold is what those real processes did.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "src/fields/captured_event.h"

namespace vigil::testing {

struct RealEvents {
  std::vector<fields::CapturedEvent> events;
  std::string error;  // why nothing could be captured (empty on success)
  int exit_status = -1;
};

// `syscalls` by name (libseccomp's names, x86-64); the script runs as `/bin/sh -c script`.
RealEvents capture_syscalls(const std::set<std::string>& syscalls,
                            const std::vector<FieldRef>& refs, const std::string& script,
                            size_t max_events = 20000);

// A script that does what a container's shell session often does: runs programs that load
// libraries, reads /etc (including /etc/shadow), lists and searches, writes and links
// files in a temporary folder, runs nested shells, and cleans up.
std::string everyday_script();

}  // namespace vigil::testing
