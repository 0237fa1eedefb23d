// Injection: merges the syscalls the rule set needs, as SCMP_ACT_NOTIFY, into a container's
// OCI config (linux.seccomp) and points the runtime at vigil's listener socket. Syscalls
// outside the NOTIFY set, and calls a filter leaves out, keep exactly the rules they had.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace vigil::seccomp {

// NOTIFY a syscall only when argument `index` has any one of `bits` set; with none set,
// the call keeps the profile's own action (open/openat and their write flags).
struct NotifyFilter {
  unsigned index = 0;
  uint64_t bits = 0;
};

struct InjectionPlan {
  std::set<std::string> syscalls;               // to NOTIFY
  std::map<std::string, NotifyFilter> filters;  // some of them only for some arguments
  // Answered ENOSYS in the kernel where the profile allows them: clone3, whose flags are
  // in memory out of the filter's reach, so that libc falls back to clone (whose flags a
  // filter can test). What the runtimes' own default profiles do.
  std::set<std::string> enosys;
  std::string listener_path;
};

struct InjectionReport {
  std::vector<std::string> notified;        // NOTIFY rules added or converted
  std::vector<std::string> already_denied;  // the profile denies them: left denied
  std::vector<std::string> skipped;         // partly denied by conditional rules: not notified
};

// Edits `config` in place. Returns false (and sets `error`, leaving `config` untouched) when
// the config cannot be merged: it already has a listener, or its seccomp section is malformed.
bool inject(nlohmann::json& config, const InjectionPlan& plan, InjectionReport& report,
            std::string& error);

}  // namespace vigil::seccomp
