// Falco's rules-file semantics: macros, lists, exceptions, append, override, enabled-only
// entries, redefinition, priorities, vigil's action key.
#include <gtest/gtest.h>

#include "tests/unit/testing/fake_event.h"
#include "tests/unit/testing/load.h"

namespace vigil::rules {
namespace {

using testing::errors;
using testing::FakeEvent;
using testing::find_rule;
using testing::load_yaml;
using testing::matches;
using testing::warnings;
using V = std::vector<std::string>;

const char* kBase = R"(
- list: shells
  items: [bash, sh]
- macro: spawned
  condition: evt.type in (execve, execveat)
- rule: Shell
  desc: a shell
  condition: spawned and proc.name in (shells)
  output: shell %proc.name
  priority: warning
)";

FakeEvent exec(const std::string& name, const std::string& parent = "init") {
  FakeEvent e("execve");
  e.set("proc.name", name).set("proc.pname", parent).set("fd.name", "/bin/" + name);
  return e;
}

TEST(Macros, ExpandAndNest) {
  auto r = load_yaml(std::string(kBase) + R"(
- macro: shell_spawned
  condition: spawned and proc.name in (shells)
- rule: Nested
  desc: d
  condition: shell_spawned and not proc.pname = sshd
  output: o
  priority: notice
)");
  EXPECT_EQ(errors(r), "");
  auto e = exec("bash");
  EXPECT_EQ(matches(r, e), (V{"Shell", "Nested"}));
  auto e2 = exec("bash", "sshd");
  EXPECT_EQ(matches(r, e2), (V{"Shell"}));
}

TEST(Macros, MayOnlyUseEarlierMacros) {
  auto r = load_yaml(R"(
- macro: a
  condition: b and proc.name = x
- macro: b
  condition: evt.type = execve
- rule: R
  desc: d
  condition: a
  output: o
  priority: info
)");
  EXPECT_NE(errors(r).find("undefined macro 'b' used in macro 'a': it is defined later"),
            std::string::npos)
      << errors(r);
  EXPECT_EQ(find_rule(r, "R")->status, RuleStatus::kError);
}

TEST(Macros, RulesMayUseMacrosDefinedAfterThem) {
  // Falco compiles rules after every file is read: a rule sees every macro and list.
  auto r = load_yaml(R"(
- rule: R
  desc: d
  condition: later and proc.name in (later_list)
  output: o
  priority: info
- macro: later
  condition: evt.type = execve
- list: later_list
  items: [x]
)");
  EXPECT_EQ(errors(r), "");
  auto e = exec("x");
  EXPECT_EQ(matches(r, e), (V{"R"}));
}

TEST(Macros, AppendAndOverride) {
  auto r = load_yaml(std::string(kBase) + R"(
- macro: spawned
  condition: and proc.pname != cron
  append: true
- list: shells
  items: [zsh]
  override:
    items: append
)");
  EXPECT_EQ(errors(r), "");
  auto e = exec("zsh");
  EXPECT_EQ(matches(r, e), (V{"Shell"}));
  auto e2 = exec("bash", "cron");
  EXPECT_EQ(matches(r, e2), (V{}));
}

TEST(Lists, ListsInListsAndQuotedItems) {
  auto r = load_yaml(R"y(
- list: a
  items: [one, '"two words"', '"(systemd)"']
- list: b
  items: [a, three]
- rule: R
  desc: d
  condition: evt.type = execve and proc.name in (b)
  output: o
  priority: info
)y");
  EXPECT_EQ(errors(r), "");
  for (const char* n : {"one", "two words", "(systemd)", "three"}) {
    auto e = exec(n);
    EXPECT_EQ(matches(r, e), (V{"R"})) << n;
  }
  auto e = exec("a");
  EXPECT_EQ(matches(r, e), (V{})) << "the list name itself is not an item";
}

TEST(Lists, AListNamingALaterListTakesTheNameLiterally) {
  auto r = load_yaml(R"(
- list: a
  items: [b, one]
- list: b
  items: [two]
- rule: R
  desc: d
  condition: evt.type = execve and proc.name in (a)
  output: o
  priority: info
)");
  EXPECT_NE(warnings(r).find("names a list defined later"), std::string::npos) << warnings(r);
  auto two = exec("two");
  EXPECT_EQ(matches(r, two), (V{}));
  auto b = exec("b");
  EXPECT_EQ(matches(r, b), (V{"R"}));
}

TEST(Lists, RedefinitionReplaces) {
  auto r = load_yaml(std::string(kBase) + R"(
- list: shells
  items: [fish]
)");
  auto bash = exec("bash");
  auto fish = exec("fish");
  EXPECT_EQ(matches(r, bash), (V{}));
  EXPECT_EQ(matches(r, fish), (V{"Shell"}));
}

TEST(Exceptions, TupleFormWithDefaultComps) {
  auto r = load_yaml(std::string(kBase) + R"(
- rule: Ex
  desc: d
  condition: spawned
  output: o
  priority: info
  exceptions:
    - name: known
      fields: [proc.name, proc.pname]
      values:
        - [bash, cron]
    - name: lists
      fields: [proc.name, proc.pname]
      comps: [=, in]
      values:
        - [sh, [init, systemd]]
)");
  EXPECT_EQ(errors(r), "");
  auto a = exec("bash", "cron");
  EXPECT_EQ(matches(r, a), (V{"Shell"}));
  auto b = exec("bash", "init");
  EXPECT_EQ(matches(r, b), (V{"Shell", "Ex"}));
  auto c = exec("sh", "systemd");
  EXPECT_EQ(matches(r, c), (V{"Shell"})) << "a list value with an 'in' comp";
  auto d = exec("sh", "cron");
  EXPECT_EQ(matches(r, d), (V{"Shell", "Ex"}));
}

TEST(Exceptions, AListValueNeedsAListComp) {
  // Falco renders this as "proc.pname = (init, systemd)", which does not parse.
  auto r = load_yaml(std::string(kBase) + R"(
- rule: Ex
  desc: d
  condition: spawned
  output: o
  priority: info
  exceptions:
    - name: known
      fields: [proc.name, proc.pname]
      values:
        - [sh, [init, systemd]]
)");
  EXPECT_NE(errors(r).find("operator '=' takes one value, not a list"), std::string::npos);
}

TEST(Exceptions, SingleFieldFormUsesInAndLists) {
  auto r = load_yaml(std::string(kBase) + R"(
- rule: Ex
  desc: d
  condition: spawned
  output: o
  priority: info
  exceptions:
    - name: names
      fields: proc.name
      values: [shells, ls]
    - name: paths
      fields: [fd.name]
      comps: [startswith]
      values: [[/usr/]]
)");
  EXPECT_EQ(errors(r), "");
  auto sh = exec("sh");
  EXPECT_EQ(matches(r, sh), (V{"Shell"}));
  auto ls = exec("ls");
  EXPECT_EQ(matches(r, ls), (V{}));
  auto cat = exec("cat");
  EXPECT_EQ(matches(r, cat), (V{"Ex"}));
  FakeEvent usr("execve");
  usr.set("proc.name", "cat").set("fd.name", "/usr/bin/cat");
  EXPECT_EQ(matches(r, usr), (V{}));
}

TEST(Exceptions, AppendValuesToAnExistingException) {
  auto r = load_yaml(std::string(kBase) + R"(
- rule: Shell
  exceptions:
    - name: parents
      fields: [proc.pname]
      values: [[cron]]
  append: true
- rule: Shell
  exceptions:
    - name: parents
      values: [[sshd]]
  override:
    exceptions: append
)");
  EXPECT_EQ(errors(r), "");
  auto cron = exec("bash", "cron");
  auto sshd = exec("bash", "sshd");
  auto init = exec("bash", "init");
  EXPECT_EQ(matches(r, cron), (V{}));
  EXPECT_EQ(matches(r, sshd), (V{}));
  EXPECT_EQ(matches(r, init), (V{"Shell"}));
}

TEST(Exceptions, Errors) {
  auto r = load_yaml(std::string(kBase) + R"(
- rule: Bad
  desc: d
  condition: spawned
  output: o
  priority: info
  exceptions:
    - name: e
      fields: [proc.name, proc.pname]
      values: [[only_one]]
)");
  EXPECT_NE(errors(r).find("each value must be a list as long as fields"), std::string::npos)
      << errors(r);
  auto r2 = load_yaml(std::string(kBase) + R"(
- rule: Bad
  desc: d
  condition: spawned
  output: o
  priority: info
  exceptions:
    - name: e
      fields: proc.name
      comps: startswith
      values: [a]
)");
  EXPECT_NE(errors(r2).find("comps must be in, pmatch or intersects"), std::string::npos);
}

TEST(Rules, LegacyAppendAddsToTheCondition) {
  auto r = load_yaml(std::string(kBase) + R"(
- rule: Shell
  condition: and proc.pname != cron
  append: true
)");
  EXPECT_EQ(errors(r), "");
  auto cron = exec("bash", "cron");
  EXPECT_EQ(matches(r, cron), (V{}));
}

TEST(Rules, OverrideAppendAndReplace) {
  auto r = load_yaml(std::string(kBase) + R"(
- rule: Shell
  condition: and proc.pname != cron
  output: (appended)
  priority: critical
  tags: [new]
  override:
    condition: append
    output: append
    priority: replace
    tags: replace
)");
  EXPECT_EQ(errors(r), "");
  const auto* rule = find_rule(r, "Shell");
  EXPECT_EQ(rule->facts.priority, Priority::kCritical);
  EXPECT_EQ(rule->facts.tags, (V{"new"}));
  auto e = exec("bash");
  uint32_t id = 0;
  ASSERT_EQ(r.rules->evaluate(e, &id, 1), 1u);
  EXPECT_EQ(r.rules->format_output(id, e), "shell bash (appended)");
}

TEST(Rules, OverrideErrors) {
  auto r = load_yaml(std::string(kBase) + R"(
- rule: Shell
  priority: critical
  override:
    priority: append
)");
  EXPECT_NE(errors(r).find("'priority' cannot be appended to"), std::string::npos);
  auto r2 = load_yaml(std::string(kBase) + R"(
- rule: Missing
  condition: x
  override:
    condition: append
)");
  EXPECT_NE(errors(r2).find("no rule by that name exists yet"), std::string::npos);
  auto r3 = load_yaml(std::string(kBase) + R"(
- rule: Shell
  condition: and x
  output: o
  override:
    condition: append
)");
  EXPECT_NE(errors(r3).find("unexpected key 'output'"), std::string::npos) << errors(r3);
  auto r4 = load_yaml(std::string(kBase) + R"(
- rule: Shell
  condition: and x
  append: true
  override:
    condition: append
)");
  EXPECT_NE(errors(r4).find("cannot be used together"), std::string::npos);
}

TEST(Rules, EnabledOnlyEntryTogglesAnEarlierRule) {
  auto r = load_yaml(std::string(kBase) + R"(
- rule: Shell
  enabled: false
)");
  EXPECT_EQ(errors(r), "");
  EXPECT_EQ(find_rule(r, "Shell")->status, RuleStatus::kDisabled);
  auto e = exec("bash");
  EXPECT_EQ(matches(r, e), (V{}));
  auto r2 = load_yaml(std::string(kBase) + R"(
- rule: Shell
  enabled: false
- rule: Shell
  enabled: true
  override:
    enabled: replace
)");
  EXPECT_EQ(errors(r2), "");
  EXPECT_EQ(find_rule(r2, "Shell")->status, RuleStatus::kCompiled);
}

TEST(Rules, RedefinitionReplacesWithAWarning) {
  auto r = load_yaml(std::string(kBase) + R"(
- rule: Shell
  desc: again
  condition: spawned and proc.name = ksh
  output: o
  priority: info
)");
  EXPECT_NE(warnings(r).find("is defined again"), std::string::npos);
  auto bash = exec("bash");
  auto ksh = exec("ksh");
  EXPECT_EQ(matches(r, bash), (V{}));
  EXPECT_EQ(matches(r, ksh), (V{"Shell"}));
  EXPECT_EQ(r.rules->rules().size(), 1u);
}

TEST(Rules, PrioritiesAreCaseInsensitiveWithInfoAlias) {
  for (auto [text, want] :
       std::vector<std::pair<std::string, Priority>>{{"EMERGENCY", Priority::kEmergency},
                                                     {"Alert", Priority::kAlert},
                                                     {"critical", Priority::kCritical},
                                                     {"ERROR", Priority::kError},
                                                     {"Warning", Priority::kWarning},
                                                     {"notice", Priority::kNotice},
                                                     {"INFO", Priority::kInformational},
                                                     {"informational", Priority::kInformational},
                                                     {"Debug", Priority::kDebug}}) {
    auto r = load_yaml(
        "- rule: R\n  desc: d\n  condition: evt.type = open\n  output: o\n"
        "  priority: " +
        text + "\n");
    ASSERT_EQ(errors(r), "") << text;
    EXPECT_EQ(find_rule(r, "R")->facts.priority, want) << text;
  }
  auto bad = load_yaml(
      "- rule: R\n  desc: d\n  condition: evt.type = open\n  output: o\n"
      "  priority: loud\n");
  EXPECT_NE(errors(bad).find("invalid priority 'loud'"), std::string::npos);
}

TEST(Rules, ActionAndErrnoKeys) {
  auto r = load_yaml(R"(
- rule: B
  desc: d
  condition: evt.type = mkdir
  output: o
  priority: info
  action: block
  errno: EACCES
- rule: K
  desc: d
  condition: evt.type = ptrace
  output: o
  priority: info
  action: kill
- rule: A
  desc: d
  condition: evt.type = mkdir
  output: o
  priority: info
)");
  EXPECT_EQ(errors(r), "");
  EXPECT_EQ(find_rule(r, "B")->facts.action, Action::kBlock);
  EXPECT_EQ(find_rule(r, "B")->facts.block_errno, EACCES);
  EXPECT_EQ(find_rule(r, "K")->facts.action, Action::kKill);
  EXPECT_EQ(find_rule(r, "A")->facts.action, Action::kAlert);
  EXPECT_EQ(find_rule(r, "A")->facts.block_errno, EPERM);
  auto bad = load_yaml(
      "- rule: R\n  desc: d\n  condition: evt.type = open\n  output: o\n"
      "  priority: info\n  action: maybe\n");
  EXPECT_NE(errors(bad).find("invalid action 'maybe'"), std::string::npos);
}

TEST(Rules, UnknownKeysAreWarnings) {
  auto r = load_yaml(
      "- rule: R\n  desc: d\n  condition: evt.type = open\n  output: o\n"
      "  priority: info\n  colour: red\n");
  EXPECT_EQ(errors(r), "");
  EXPECT_EQ(warnings(r), "t.yaml:6:3: warning: unknown key 'colour'; the key is ignored\n");
}

TEST(Rules, OtherSourcesAreUnsupported) {
  auto r = load_yaml(
      "- rule: R\n  desc: d\n  condition: ka.verb = create\n  output: o\n"
      "  priority: info\n  source: k8s_audit\n");
  EXPECT_EQ(errors(r), "");
  EXPECT_EQ(find_rule(r, "R")->status, RuleStatus::kUnsupported);
  EXPECT_NE(find_rule(r, "R")->reason.find("k8s_audit"), std::string::npos);
}

TEST(Rules, EngineVersion) {
  EXPECT_EQ(errors(load_yaml("- required_engine_version: 0.50.0\n")), "");
  EXPECT_EQ(errors(load_yaml("- required_engine_version: 13\n")), "");
  EXPECT_NE(errors(load_yaml("- required_engine_version: 1.0.0\n")).find("require engine"),
            std::string::npos);
  EXPECT_NE(errors(load_yaml("- required_engine_version: banana\n")).find("unable to parse"),
            std::string::npos);
}

TEST(Rules, AllErrorsOfALoadAreReported) {
  auto r = load_yaml(R"(
- rule: A
  desc: d
  condition: proc.name = "x
  output: o
  priority: info
- rule: B
  desc: d
  condition: nope
  output: o
  priority: info
- rule: C
  desc: d
  condition: evt.type = open
  output: o
  priority: info
)");
  EXPECT_EQ(r.diagnostics.error_count(), 2u) << errors(r);
  EXPECT_EQ(find_rule(r, "C")->status, RuleStatus::kCompiled);
}

}  // namespace
}  // namespace vigil::rules
