// Falco's stable ruleset (../shared/compat/falco_rules.yaml, unmodified) loads with no
// errors; every rule is compiled or unsupported with the exact missing fields.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "src/rules/compiler.h"
#include "tests/unit/testing/fake_event.h"

namespace vigil::rules {
namespace {

const char* kPath = "external/shared/compat/falco_rules.yaml";

TEST(FalcoCompat, StableRulesLoadWithoutErrors) {
  ASSERT_TRUE(std::filesystem::exists(kPath)) << kPath;
  auto r = load_and_compile({kPath}, {});
  for (const auto& d : r.diagnostics.all()) {
    EXPECT_NE(d.severity, Severity::kError) << format_diagnostic(d);
  }
  ASSERT_EQ(r.rules->rules().size(), 25u);
  std::map<std::string, std::string> unsupported;
  size_t compiled = 0;
  for (const auto& rule : r.rules->rules()) {
    if (rule.status == RuleStatus::kCompiled) {
      ++compiled;
      EXPECT_FALSE(rule.bindings.empty()) << rule.facts.name;
    } else {
      EXPECT_EQ(rule.status, RuleStatus::kUnsupported) << rule.facts.name;
      unsupported[rule.facts.name] = rule.reason;
    }
  }
  EXPECT_EQ(compiled, 25u);  // every rule of Falco's stable set
  EXPECT_EQ(unsupported, (std::map<std::string, std::string>{}));
}

TEST(FalcoCompat, ReadSensitiveFileUntrustedFiresAsFalcoWould) {
  auto r = load_and_compile({kPath}, {RuleMatching::kAll});
  // open_read binds to fanotify opens: the file and the flags are both race-free there.
  testing::FakeEvent e("openat", Channel::kFileOpen);
  e.set("fd.name", "/etc/shadow")
      .set("fd.directory", "/etc")
      .set("fd.typechar", "f")
      .set_int("fd.num", 0)
      .set_bool("evt.is_open_read", true)
      .set("proc.name", "python3")
      .set("proc.pname", "bash")
      .set("proc.cmdline", "python3 x.py")
      .set("proc.args", "x.py")
      .set("container.id", "abc123")
      .set("user.name", "root")
      .set_list("proc.aname", {"python3", "bash"});
  uint32_t ids[8];
  size_t n = r.rules->evaluate(e, ids, 8);
  std::vector<std::string> names;
  for (size_t i = 0; i < n; ++i) names.push_back(r.rules->facts(ids[i]).name);
  EXPECT_EQ(names, (std::vector<std::string>{"Read sensitive file untrusted"}));
  // A trusted reader is excluded by the rule's own lists.
  e.set("proc.name", "sshd");
  EXPECT_EQ(r.rules->evaluate(e, ids, 8), 0u);
}

TEST(FalcoCompat, TerminalShellInContainer) {
  auto r = load_and_compile({kPath}, {RuleMatching::kAll});
  testing::FakeEvent e("execve");
  e.set("proc.name", "bash")
      .set("container.id", "abc123")
      .set_int("proc.tty", 34816)
      .set("proc.pname", "runc:[1:CHILD]");
  uint32_t ids[8];
  size_t n = r.rules->evaluate(e, ids, 8);
  ASSERT_EQ(n, 1u);
  EXPECT_EQ(r.rules->facts(ids[0]).name, "Terminal shell in container");
  e.set("container.id", "host");
  EXPECT_EQ(r.rules->evaluate(e, ids, 8), 0u);
}

}  // namespace
}  // namespace vigil::rules
