// libFuzzer target: the parsers of the /proc files the daemon reads about container
// processes (status, mountinfo, the blocked system call). The kernel writes them, but a
// container controls parts (its comm, its mount points' names), so they are untrusted.
#include <cstddef>
#include <cstdint>
#include <string>

#include "src/proc/blocked_call.h"
#include "src/proc/proc_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)vigil::proc::parse_status(text);
  (void)vigil::proc::parse_blocked_syscall(text);
  (void)vigil::proc::parse_container_mounts(text, "/run/rootfs");
  (void)vigil::proc::normalize_path(text);
  (void)vigil::proc::lookup_id_name(text, 0);
  return 0;
}
