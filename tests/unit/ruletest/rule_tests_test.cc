// `vigil rules test` on small rule sets: what a case's event answers, channels, modes, and
// the errors a cases file can have.
#include "src/ruletest/rule_tests.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "src/rules/compiler.h"
#include "src/rules/loader.h"

namespace vigil::ruletest {
namespace {

std::string write(const std::string& name, const std::string& text) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::shared_ptr<rules::CompiledRuleSet> compile(const std::string& yaml) {
  rules::Collection col;
  rules::Diagnostics d;
  rules::load_rules_text("rules.yaml", yaml, col, d);
  auto set = rules::compile_rules(col, {RuleMatching::kAll}, d);
  EXPECT_FALSE(d.has_errors());
  return set;
}

const char* kRules = R"(
- rule: Shell from sshd
  desc: d
  condition: evt.type = execve and proc.aname[2] = sshd and proc.name = bash
  output: o %proc.name
  priority: WARNING
  action: kill
- rule: Shadow opened
  desc: d
  condition: evt.type = openat and fd.name = /etc/shadow
  output: o %fd.name
  priority: NOTICE
)";

TEST(RuleTests, AncestorIndexesComeFromTheListAndActionsFromTheMode) {
  auto set = compile(kRules);
  rules::Diagnostics d;
  auto cases = load_cases(write("a.yaml", R"(
- case: grandparent sshd
  event: {evt.type: execve, proc.name: bash, proc.aname: [sh, sshd]}
  expect: {rules: [Shell from sshd], action: kill}
- case: in monitor mode a kill only alerts
  event: {evt.type: execve, proc.name: bash, proc.aname: [sh, sshd]}
  mode: monitor
  expect: {action: alert}
- case: parent sshd is not grandparent sshd
  event: {evt.type: execve, proc.name: bash, proc.aname: [sshd]}
  expect: {rules: [], action: none}
- case: a file rule fires through the fanotify channel
  event: {evt.type: openat, fd.name: /etc/shadow}
  expect: {rules: [Shadow opened], action: alert}
)"),
                          d);
  ASSERT_FALSE(d.has_errors());
  ASSERT_EQ(cases.size(), 4u);
  auto results = run_cases(*set, cases);
  for (const auto& r : results) EXPECT_TRUE(r.passed) << r.c->name << ": " << r.why;
  EXPECT_EQ(results[0].outputs, std::vector<std::string>{"Shell from sshd: o bash"});
}

TEST(RuleTests, ProblemsInACasesFileHavePositions) {
  rules::Diagnostics d;
  const auto path = write("bad.yaml", R"(- case: one
  event: {evt.type: frobnicate}
  expect: {action: none}
- case: two
  event: {evt.type: execve, proc.apid: 3}
  expect: {action: maybe}
- case: three
  event: {evt.type: execve}
)");
  auto cases = load_cases(path, d);
  EXPECT_TRUE(cases.empty());
  std::vector<std::string> got;
  for (const auto& x : d.sorted()) got.push_back(rules::format_diagnostic(x));
  EXPECT_EQ(got, (std::vector<std::string>{
                     path + ":2:21: error: unknown event type 'frobnicate'",
                     path + ":5:29: error: field 'proc.apid' needs an argument, as in proc.apid[1]",
                     path + ":6:20: error: 'expect.action' is alert, block, kill or none",
                     path + ":7:3: error: case 'three' needs 'expect' (rules and/or action)",
                 }));
}

}  // namespace
}  // namespace vigil::ruletest
