// The verdict pipeline on a rule set of real compiled rules and fake events: the mode is
// applied in one place, the strongest action wins, every matched rule gets one alert.
#include "src/verdict/verdict_pipeline.h"

#include <gtest/gtest.h>

#include "tests/unit/testing/fake_event.h"
#include "tests/unit/testing/load.h"

namespace vigil::verdict {
namespace {

std::shared_ptr<rules::CompiledRuleSet> compile(const std::string& yaml) {
  auto r = testing::load_yaml(yaml);
  EXPECT_FALSE(r.diagnostics.has_errors()) << testing::errors(r);
  return r.rules;
}

constexpr const char* kRules = R"(
- rule: Mkdir alert
  desc: d
  condition: evt.type = mkdir
  output: mkdir by %proc.name
  priority: NOTICE
- rule: Mkdir in etc
  desc: d
  condition: evt.type = mkdir and fs.path.name startswith /etc
  output: mkdir %fs.path.name
  priority: WARNING
  action: block
  errno: EACCES
- rule: Ptrace
  desc: d
  condition: evt.type = ptrace
  output: ptrace
  priority: CRITICAL
  action: kill
  tags: [t1]
)";

fields::ContainerInfo container() {
  fields::ContainerInfo c;
  c.id = "0123456789ab";
  c.full_id = "0123456789abcdef";
  c.name = "web";
  c.image = "nginx:1";
  return c;
}

TEST(VerdictPipeline, NothingMatchedIsAnAlertVerdictWithoutAlerts) {
  auto rules = compile(kRules);
  VerdictPipeline p(config::Mode::kEnforce, "node1");
  testing::FakeEvent e("openat");
  const Verdict v = p.decide(*rules, e, container());
  EXPECT_FALSE(v.matched());
  EXPECT_EQ(v.action, Action::kAlert);
}

TEST(VerdictPipeline, TheStrongestActionWinsWithItsErrno) {
  auto rules = compile(kRules);
  VerdictPipeline p(config::Mode::kEnforce, "node1");
  testing::FakeEvent e("mkdir");
  e.set("fs.path.name", "/etc/x").set("proc.name", "mkdir");
  const Verdict v = p.decide(*rules, e, container());
  ASSERT_EQ(v.alerts.size(), 2u);
  EXPECT_EQ(v.action, Action::kBlock);
  EXPECT_EQ(v.error, EACCES);
  EXPECT_EQ(v.alerts[0].action, "alert");
  EXPECT_EQ(v.alerts[0].output, "mkdir by mkdir");
  EXPECT_EQ(v.alerts[1].action, "block");
  EXPECT_EQ(v.alerts[1].container_name, "web");
  EXPECT_EQ(v.alerts[1].container_image, "nginx:1");
  EXPECT_EQ(v.alerts[1].hostname, "node1");
}

TEST(VerdictPipeline, MonitorModeLetsEverythingGoAndSaysWhatItWouldHaveDone) {
  auto rules = compile(kRules);
  VerdictPipeline p(config::Mode::kMonitor, "node1");
  testing::FakeEvent mkdir("mkdir");
  mkdir.set("fs.path.name", "/etc/x");
  Verdict v = p.decide(*rules, mkdir, container());
  EXPECT_EQ(v.action, Action::kAlert);
  EXPECT_EQ(v.decided, Action::kBlock) << "what enforce mode would have done";
  ASSERT_EQ(v.alerts.size(), 2u);
  EXPECT_EQ(v.alerts[1].action, "would block");
  testing::FakeEvent ptrace("ptrace");
  v = p.decide(*rules, ptrace, container());
  EXPECT_EQ(v.action, Action::kAlert);
  ASSERT_EQ(v.alerts.size(), 1u);
  EXPECT_EQ(v.alerts[0].action, "would kill");
  EXPECT_EQ(v.alerts[0].tags, std::vector<std::string>{"t1"});
}

TEST(VerdictPipeline, EngineAlertsCarryTheHostAndContainer) {
  VerdictPipeline p(config::Mode::kEnforce, "node1");
  const auto a = p.engine_alert(Priority::kCritical, "vigil: x", "what", "abc");
  EXPECT_EQ(a.hostname, "node1");
  EXPECT_EQ(a.container_id, "abc");
  EXPECT_EQ(a.action, "alert");
  EXPECT_GT(a.time_ns, 0);
}

}  // namespace
}  // namespace vigil::verdict
