#include "src/runtime/plan.h"

#include <fcntl.h>

#include "src/fields/event_types.h"

namespace vigil::runtime {

ContainerPlan plan_for(const rules::CompiledRuleSet& rules, const config::Config& cfg) {
  ContainerPlan out;
  seccomp::InjectionPlan& plan = out.seccomp;
  plan.syscalls = rules.syscalls();
  // Cached file decisions must not follow a file through a rename or link
  // (fanotify/rename_barrier.h).
  if (cfg.decision_cache != config::DecisionCache::kOff &&
      (rules.file_channels() & channel_bit(Channel::kFileOpen))) {
    for (const auto s : fields::cache_barrier_syscalls()) plan.syscalls.emplace(s);
  }
  // Rules that care about clone only for some flags: a fork stays in the kernel. clone3
  // passes its flags in memory, out of any filter's reach: it gets ENOSYS, as the
  // runtimes' default profiles answer it, and libc falls back to clone.
  for (const auto& [s, f] : rules.flag_filters()) plan.filters[s] = {f.index, f.bits};
  if (plan.syscalls.count("clone")) plan.enosys.insert("clone3");
  // Rules that only care about opens for writing: read-only opens stay in the kernel.
  for (const auto& s : rules.write_only_syscalls()) {
    plan.filters[s] = {s == "open" ? 1u : 2u, uint64_t(O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)};
  }
  if (cfg.mode == config::Mode::kEnforce) {
    out.readonly_paths = cfg.readonly_paths;
    out.sealed_files = cfg.sealed_files;
  }
  return out;
}

nlohmann::json to_json(const ContainerPlan& plan) {
  nlohmann::json filters = nlohmann::json::object();
  for (const auto& [s, f] : plan.seccomp.filters) filters[s] = {f.index, f.bits};
  return {{"syscalls", plan.seccomp.syscalls},
          {"filters", filters},
          {"enosys", plan.seccomp.enosys},
          {"readonly_paths", plan.readonly_paths},
          {"sealed_files", plan.sealed_files}};
}

std::optional<ContainerPlan> plan_from_json(const nlohmann::json& j, std::string& error) {
  ContainerPlan out;
  auto names = [&](const char* key, auto& into) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_array()) return false;
    for (const auto& v : *it) {
      if (!v.is_string() || v.get<std::string>().empty()) return false;
      into.insert(into.end(), v.get<std::string>());
    }
    return true;
  };
  if (!j.is_object() || !names("syscalls", out.seccomp.syscalls) ||
      !names("enosys", out.seccomp.enosys) || !names("readonly_paths", out.readonly_paths)) {
    error = "an injection plan needs syscalls, enosys and readonly_paths (lists of names)";
    return std::nullopt;
  }
  // Optional: a daemon from before sealed files sends none.
  if (j.contains("sealed_files") && !names("sealed_files", out.sealed_files)) {
    error = "an injection plan's sealed_files must be a list of names";
    return std::nullopt;
  }
  const auto f = j.find("filters");
  if (f == j.end() || !f->is_object()) {
    error = "an injection plan needs filters (an object)";
    return std::nullopt;
  }
  for (const auto& [name, v] : f->items()) {
    if (!v.is_array() || v.size() != 2 || !v[0].is_number_unsigned() ||
        !v[1].is_number_unsigned() || v[0].get<unsigned>() > 5) {
      error = "filter of " + name + ": want [argument index 0-5, bits]";
      return std::nullopt;
    }
    out.seccomp.filters[name] = {v[0].get<unsigned>(), v[1].get<uint64_t>()};
  }
  return out;
}

}  // namespace vigil::runtime
