// libFuzzer target: an OCI config.json as the precreate hook and the runtime shim get it
// (and the OCI state on a hook's stdin): the seccomp merge and the read-only paths must
// refuse or edit it, never crash, whatever its shape.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "src/fields/container_info.h"
#include "src/runtime/inject.h"
#include "src/seccomp/profile_merge.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto config = nlohmann::json::parse(data, data + size, nullptr, false);
  if (config.is_discarded()) return 0;
  vigil::seccomp::InjectionPlan plan;
  plan.syscalls = {"mkdir", "execve", "openat", "open", "ptrace", "socket"};
  plan.filters["openat"] = {2, 0x243};  // O_WRONLY | O_RDWR | O_CREAT | O_TRUNC
  plan.filters["open"] = {1, 0x243};
  plan.listener_path = "/run/vigil/seccomp.sock";
  vigil::seccomp::InjectionReport report;
  std::string error;
  nlohmann::json copy = config;
  (void)vigil::seccomp::inject(copy, plan, report, error);
  if (config.is_object()) {
    nlohmann::json ro = config;
    try {
      vigil::runtime::add_readonly_paths(ro, {"/proc/sys/kernel/core_pattern"});
    } catch (const nlohmann::json::exception&) {
      // A config whose "linux" is not an object is refused by the caller's type checks.
    }
    // As OCI state on a hook's stdin.
    std::map<std::string, std::string> annotations;
    if (config.contains("annotations") && config["annotations"].is_object()) {
      for (auto it = config["annotations"].begin(); it != config["annotations"].end(); ++it) {
        if (it.value().is_string()) annotations[it.key()] = it.value().get<std::string>();
      }
    }
    const auto id = config.value("id", nlohmann::json("x"));
    (void)vigil::fields::ContainerInfo::from_state(id.is_string() ? id.get<std::string>() : "x",
                                                   "/nonexistent", annotations);
  }
  return 0;
}
