// A container's plan: computed from the rules and config, and carried over the control
// socket from the daemon to the hooks and the shim.
#include "src/runtime/plan.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "src/rules/compiler.h"

namespace vigil::runtime {
namespace {

std::shared_ptr<const rules::CompiledRuleSet> compile(const std::string& yaml) {
  char path[] = "/tmp/vigil-plan-XXXXXX.yaml";
  const int fd = ::mkstemps(path, 5);
  ::close(fd);
  std::ofstream(path) << yaml;
  auto r = rules::load_and_compile({path}, {});
  ::unlink(path);
  EXPECT_FALSE(r.diagnostics.has_errors());
  return r.rules;
}

constexpr const char* kRules = R"(
- rule: Namespace escape
  desc: d
  condition: evt.type = clone and evt.arg.flags contains CLONE_NEWUSER
  output: o
  priority: WARNING
  action: block
- rule: Mkdir below etc
  desc: d
  condition: evt.type in (mkdir, mkdirat) and fd.name startswith /etc/
  output: o
  priority: WARNING
  action: block
)";

TEST(Plan, ComesFromTheRulesAndTheConfig) {
  auto rules = compile(kRules);
  ASSERT_TRUE(rules);
  config::Config cfg;
  cfg.mode = config::Mode::kMonitor;
  const ContainerPlan monitor = plan_for(*rules, cfg);
  EXPECT_TRUE(monitor.seccomp.syscalls.count("clone"));
  EXPECT_TRUE(monitor.seccomp.enosys.count("clone3")) << "clone3's flags are out of reach";
  EXPECT_TRUE(monitor.seccomp.syscalls.count("mkdirat"));
  ASSERT_TRUE(monitor.seccomp.filters.count("clone")) << "only clones with those flags";
  EXPECT_EQ(monitor.seccomp.filters.at("clone").index, 0u);
  EXPECT_TRUE(monitor.seccomp.filters.at("clone").bits & 0x10000000) << "CLONE_NEWUSER";
  EXPECT_TRUE(monitor.readonly_paths.empty()) << "read-only paths only in enforce mode";
  EXPECT_TRUE(monitor.sealed_files.empty()) << "sealed files only in enforce mode";
  cfg.mode = config::Mode::kEnforce;
  EXPECT_EQ(plan_for(*rules, cfg).readonly_paths, cfg.readonly_paths);
  EXPECT_EQ(plan_for(*rules, cfg).sealed_files, std::vector<std::string>{"/etc/ld.so.preload"});
}

TEST(Plan, SurvivesTheControlSocket) {
  auto rules = compile(kRules);
  ASSERT_TRUE(rules);
  config::Config cfg;
  cfg.mode = config::Mode::kEnforce;
  const ContainerPlan plan = plan_for(*rules, cfg);
  std::string error;
  const auto back = plan_from_json(nlohmann::json::parse(to_json(plan).dump()), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->seccomp.syscalls, plan.seccomp.syscalls);
  EXPECT_EQ(back->seccomp.enosys, plan.seccomp.enosys);
  EXPECT_EQ(back->readonly_paths, plan.readonly_paths);
  EXPECT_EQ(back->sealed_files, plan.sealed_files);
  ASSERT_EQ(back->seccomp.filters.size(), plan.seccomp.filters.size());
  for (const auto& [name, f] : plan.seccomp.filters) {
    EXPECT_EQ(back->seccomp.filters.at(name).index, f.index) << name;
    EXPECT_EQ(back->seccomp.filters.at(name).bits, f.bits) << name;
  }
}

TEST(Plan, GarbageFromTheSocketIsRefused) {
  const nlohmann::json good = {{"syscalls", {"mkdir"}},
                               {"filters", nlohmann::json::object()},
                               {"enosys", nlohmann::json::array()},
                               {"readonly_paths", nlohmann::json::array()}};
  std::string error;
  EXPECT_TRUE(plan_from_json(good, error)) << error << " (sealed_files is optional: older daemons)";
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, nlohmann::json>>{{"syscalls", 7},
                                                           {"syscalls", {""}},
                                                           {"syscalls", {1}},
                                                           {"enosys", nullptr},
                                                           {"readonly_paths", "x"},
                                                           {"sealed_files", {3}},
                                                           {"filters", {{"openat", {9, 1}}}},
                                                           {"filters", {{"openat", {2}}}},
                                                           {"filters", {{"openat", {2, -1}}}},
                                                           {"filters", "x"}}) {
    nlohmann::json bad = good;
    bad[key] = value;
    error.clear();
    EXPECT_FALSE(plan_from_json(bad, error)) << key << " = " << value.dump();
    EXPECT_FALSE(error.empty());
  }
  nlohmann::json missing = good;
  missing.erase("filters");
  EXPECT_FALSE(plan_from_json(missing, error));
  EXPECT_FALSE(plan_from_json(nlohmann::json::array(), error));
}

}  // namespace
}  // namespace vigil::runtime

namespace vigil::runtime {
namespace {

// The calls that give an inode another name come from the event table (cache_effect):
// with file decisions cached they are intercepted whatever the rules say, without they
// are not.
TEST(Plan, TheCacheBarrierCallsAreInterceptedOnlyWhileFileDecisionsAreCached) {
  auto rules = compile(R"(
- rule: Write below etc
  desc: d
  condition: evt.type in (open, openat) and fd.name startswith /etc/ and evt.is_open_write = true
  output: o
  priority: WARNING
  action: block
)");
  config::Config cfg;
  cfg.decision_cache = config::DecisionCache::kDirectory;
  const auto cached = plan_for(*rules, cfg).seccomp.syscalls;
  for (const char* s : {"rename", "renameat", "renameat2", "link", "linkat", "io_uring_setup"}) {
    EXPECT_EQ(cached.count(s), 1u) << s;
  }
  cfg.decision_cache = config::DecisionCache::kOff;
  const auto uncached = plan_for(*rules, cfg).seccomp.syscalls;
  EXPECT_EQ(uncached.count("renameat2"), 0u);
  EXPECT_EQ(uncached.count("io_uring_setup"), 0u);
}

}  // namespace
}  // namespace vigil::runtime
