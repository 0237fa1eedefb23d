// What vigil gives a container at its creation, computed from the rules in force and the
// daemon's config: the syscalls to NOTIFY (with argument filters), those answered ENOSYS
// in the kernel, and in enforce mode the paths made read-only. The daemon computes it for
// the hooks and the shim (control op "injection_plan"), so that a container is set up for
// the rules the daemon will judge it by, even where the runtime's host has other files
// (a Kubernetes node whose daemon reads a ConfigMap); they compute it themselves only
// from their own config when the daemon cannot say.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "src/config/config.h"
#include "src/rules/compiled_rules.h"
#include "src/seccomp/profile_merge.h"

namespace vigil::runtime {

struct ContainerPlan {
  seccomp::InjectionPlan seccomp;           // listener_path is left to the caller
  std::vector<std::string> readonly_paths;  // enforce mode only
  std::vector<std::string> sealed_files;    // enforce mode only (config.h)
};

ContainerPlan plan_for(const rules::CompiledRuleSet& rules, const config::Config& cfg);

nlohmann::json to_json(const ContainerPlan& plan);
// nullopt with `error` for anything but what to_json writes (names checked, no more).
std::optional<ContainerPlan> plan_from_json(const nlohmann::json& j, std::string& error);

}  // namespace vigil::runtime
