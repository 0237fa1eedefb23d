// What the compiler derives from a rule: event types, the channel per event type, the
// syscalls and fanotify events to request, soundness of blocks, unsupported fields, and
// the rule index that evaluation uses.
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

std::string rule_yaml(const std::string& name, const std::string& cond,
                      const std::string& action = "alert",
                      const std::string& output = "o %proc.name") {
  return "- rule: " + name + "\n  desc: d\n  condition: " + cond + "\n  output: " + output +
         "\n  priority: warning\n  action: " + action + "\n";
}

TEST(Channels, RegisterArgumentBlocksAreSoundSeccomp) {
  auto r =
      load_yaml(rule_yaml("P", "evt.type = ptrace and evt.arg.request = PTRACE_ATTACH", "block"));
  ASSERT_EQ(errors(r), "");
  const auto* rule = find_rule(r, "P");
  EXPECT_EQ(rule->syscalls, (V{"ptrace"}));
  EXPECT_EQ(rule->file_channels, 0u);
  ASSERT_TRUE(rule->sound.has_value());
  EXPECT_TRUE(*rule->sound);
}

TEST(Channels, PathBlocksUseFanotifyAndAreSound) {
  auto r =
      load_yaml(rule_yaml("S", "evt.type in (open, openat) and fd.name = /etc/shadow", "block"));
  ASSERT_EQ(errors(r), "");
  const auto* rule = find_rule(r, "S");
  EXPECT_TRUE(rule->syscalls.empty());
  EXPECT_EQ(rule->file_channels, channel_bit(Channel::kFileOpen));
  EXPECT_TRUE(*rule->sound);
}

TEST(Channels, ExecPathBlocksUseFanotifyExec) {
  auto r = load_yaml(rule_yaml("X", "evt.type = execve and proc.exepath startswith /tmp/", "kill"));
  const auto* rule = find_rule(r, "X");
  EXPECT_EQ(rule->file_channels, channel_bit(Channel::kFileExec));
  EXPECT_TRUE(*rule->sound);
}

TEST(Channels, FieldsOnlySeccompCanSupplyForceSeccompAndAreRacyForBlocks) {
  // An open's mode is only known to seccomp; the path there comes from target memory.
  auto r = load_yaml(rule_yaml("W",
                               "evt.type = openat and evt.arg.mode = 0 and "
                               "fd.name startswith /etc/",
                               "block"));
  ASSERT_EQ(errors(r), "");
  const auto* rule = find_rule(r, "W");
  EXPECT_EQ(rule->syscalls, (V{"openat"}));
  EXPECT_EQ(rule->file_channels, 0u);
  ASSERT_TRUE(rule->sound.has_value());
  EXPECT_FALSE(*rule->sound);
  EXPECT_EQ(rule->racy_fields, (V{"fd.name on openat"}));
}

TEST(Channels, OpenFlagsOnFileOpensMakeWriteBlocksSound) {
  // fanotify gives the file; the opener's blocked open call gives the flags (registers).
  auto r = load_yaml(rule_yaml("W",
                               "evt.type in (open, openat, creat) and evt.is_open_write = true "
                               "and fd.name startswith /etc/",
                               "block"));
  ASSERT_EQ(errors(r), "");
  const auto* rule = find_rule(r, "W");
  EXPECT_EQ(rule->syscalls, (V{}));
  EXPECT_EQ(rule->file_channels, channel_bit(Channel::kFileOpen));
  ASSERT_TRUE(rule->sound.has_value());
  EXPECT_TRUE(*rule->sound);
}

// Counts which fields a rule read.
class CountingEvent : public testing::FakeEvent {
 public:
  using FakeEvent::FakeEvent;
  Value field(const FieldRef& ref) override {
    read.push_back(std::string(fields::field_info(ref.id).name));
    return FakeEvent::field(ref);
  }
  std::vector<std::string> read;
};

TEST(Matching, CheapChecksRunBeforeCostlyOnes) {
  // Written costly first: the open flags (a /proc read on file events), then the process,
  // then the path. The path decides this event, so nothing else is read.
  auto r = load_yaml(rule_yaml("W",
                               "evt.type = openat and evt.is_open_write = true and "
                               "proc.name != sh and fd.name startswith /etc/"));
  ASSERT_EQ(errors(r), "");
  CountingEvent e("openat", Channel::kFileOpen);
  e.set("fd.name", "/usr/lib/x").set("proc.name", "cat").set_bool("evt.is_open_write", true);
  EXPECT_EQ(matches(r, e), (V{}));
  EXPECT_EQ(e.read, (V{"fd.name"}));
  CountingEvent w("openat", Channel::kFileOpen);
  w.set("fd.name", "/etc/x").set("proc.name", "cat").set_bool("evt.is_open_write", true);
  EXPECT_EQ(matches(r, w), (V{"W"}));
  EXPECT_EQ(w.read, (V{"fd.name", "proc.name", "evt.is_open_write"}));
}

TEST(Channels, NewImageFieldsOfExecNeedSeccomp) {
  auto r = load_yaml(rule_yaml("N", "evt.type = execve and proc.name = nc", "block"));
  const auto* rule = find_rule(r, "N");
  EXPECT_EQ(rule->syscalls, (V{"execve"}));
  EXPECT_FALSE(*rule->sound) << "the new program's name is read from the caller's memory";
}

TEST(Channels, AlertRulesHaveNoSoundness) {
  auto r = load_yaml(rule_yaml("A", "evt.type = mkdir"));
  EXPECT_FALSE(find_rule(r, "A")->sound.has_value());
  EXPECT_EQ(find_rule(r, "A")->syscalls, (V{"mkdir"}));
}

TEST(Channels, WriteIsNeverNotifiedAndCannotBeBlockedSoundly) {
  auto r = load_yaml(rule_yaml("W", "evt.type = write and fd.name startswith /etc", "block"));
  const auto* rule = find_rule(r, "W");
  EXPECT_TRUE(rule->syscalls.empty());
  EXPECT_EQ(rule->file_channels, channel_bit(Channel::kFileModify));
  EXPECT_FALSE(*rule->sound);
}

TEST(Channels, RuleSetInterceptionIsTheUnionOfItsActiveRules) {
  auto r = load_yaml(rule_yaml("A", "evt.type = mkdir") + rule_yaml("B", "evt.type = unlink") +
                     rule_yaml("C", "evt.type = rmdir") + "  enabled: false\n");
  ASSERT_EQ(errors(r), "");
  EXPECT_EQ(r.rules->syscalls(), (std::set<std::string>{"mkdir", "unlink"}));
}

TEST(EventTypes, NegationAndDisjunction) {
  auto r = load_yaml(rule_yaml("A",
                               "(evt.type = mkdir or evt.type in (rmdir, unlink)) and "
                               "not evt.type = rmdir"));
  EXPECT_EQ(find_rule(r, "A")->syscalls, (V{"mkdir", "unlink"}));
}

TEST(EventTypes, UnrestrictedRulesWarnAndInterceptNothing) {
  auto r = load_yaml(rule_yaml("Any", "proc.name = nc") +
                     rule_yaml("Mk", "evt.type = mkdir and proc.name = mkdir"));
  EXPECT_NE(warnings(r).find("does not restrict evt.type"), std::string::npos);
  const auto* any = find_rule(r, "Any");
  EXPECT_TRUE(any->unrestricted);
  EXPECT_TRUE(any->syscalls.empty());
  EXPECT_EQ(r.rules->syscalls(), (std::set<std::string>{"mkdir"}));
  FakeEvent mk("mkdir");
  mk.set("proc.name", "nc");
  EXPECT_EQ(matches(r, mk), (V{"Any"})) << "it still sees events other rules intercept";
  auto quiet = load_yaml(rule_yaml("Any", "proc.name = nc") + "  warn_evttypes: false\n");
  EXPECT_EQ(warnings(quiet), "");
}

TEST(EventTypes, UnknownEventTypesWarn) {
  auto r = load_yaml(rule_yaml("A", "evt.type in (mkdir, switch)"));
  EXPECT_NE(warnings(r).find("unknown event type 'switch'"), std::string::npos);
  EXPECT_EQ(find_rule(r, "A")->syscalls, (V{"mkdir"}));
}

TEST(Unsupported, KnownFalcoFieldsMakeTheRuleUnsupportedNotAnError) {
  auto r = load_yaml(rule_yaml("K", "evt.type = connect and fd.types contains ipv4") +
                     rule_yaml("Ok", "evt.type = mkdir"));
  EXPECT_EQ(errors(r), "");
  EXPECT_EQ(find_rule(r, "K")->status, RuleStatus::kUnsupported);
  EXPECT_EQ(find_rule(r, "K")->reason, "unsupported: fd.types");
  EXPECT_EQ(find_rule(r, "Ok")->status, RuleStatus::kCompiled);
}

TEST(Unsupported, UnknownFieldsAreErrorsUnlessSkipIfUnknownFilter) {
  auto r = load_yaml(rule_yaml("U", "evt.type = mkdir and proc.nmae = x"));
  EXPECT_NE(errors(r).find("unknown field 'proc.nmae'"), std::string::npos);
  auto s = load_yaml(rule_yaml("U", "evt.type = mkdir and proc.nmae = x") +
                     "  skip-if-unknown-filter: true\n");
  EXPECT_EQ(errors(s), "");
  EXPECT_EQ(find_rule(s, "U")->status, RuleStatus::kUnsupported);
}

TEST(Unsupported, UnsupportedTransformersAreNamed) {
  auto r = load_yaml(rule_yaml("J", "evt.type = execve and join(\",\", proc.args) = x"));
  EXPECT_EQ(errors(r), "");
  EXPECT_EQ(find_rule(r, "J")->reason, "unsupported: transformer join");
}

TEST(Matching, FirstStopsAtTheFirstMatchAllReportsEvery) {
  const std::string yaml = rule_yaml("One", "evt.type = mkdir") +
                           rule_yaml("Two", "evt.type = mkdir and proc.name = mkdir") +
                           rule_yaml("Three", "evt.type = rmdir");
  FakeEvent mk("mkdir");
  mk.set("proc.name", "mkdir");
  auto all = load_yaml(yaml, RuleMatching::kAll);
  EXPECT_EQ(matches(all, mk), (V{"One", "Two"}));
  auto first = load_yaml(yaml, RuleMatching::kFirst);
  EXPECT_EQ(matches(first, mk), (V{"One"}));
}

TEST(Matching, EventsAreRoutedByChannel) {
  auto r = load_yaml(rule_yaml("File", "evt.type = openat and fd.name = /etc/shadow") +
                     rule_yaml("Flags", "evt.type = openat and evt.arg.flags contains O_WRONLY"));
  FakeEvent via_fanotify("openat", Channel::kFileOpen);
  via_fanotify.set("fd.name", "/etc/shadow").set("evt.arg.flags", "O_WRONLY");
  EXPECT_EQ(matches(r, via_fanotify), (V{"File"}));
  FakeEvent via_seccomp("openat", Channel::kSyscall);
  via_seccomp.set("fd.name", "/etc/shadow").set("evt.arg.flags", "O_WRONLY");
  EXPECT_EQ(matches(r, via_seccomp), (V{"Flags"}));
}

TEST(Matching, SharedChecksAreReevaluatedForEveryEvent) {
  // "proc.name = nc" is one interned check used by both rules; its memoized result must
  // never leak from one event to the next.
  auto r = load_yaml(rule_yaml("A", "evt.type = execve and proc.name = nc") +
                     rule_yaml("B",
                               "evt.type in (execve, mkdir) and proc.name = nc and "
                               "proc.pname = sh"));
  FakeEvent nc("execve");
  nc.set("proc.name", "nc").set("proc.pname", "sh");
  FakeEvent ls("execve");
  ls.set("proc.name", "ls").set("proc.pname", "sh");
  FakeEvent mk("mkdir");
  mk.set("proc.name", "nc").set("proc.pname", "sh");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(matches(r, nc), (V{"A", "B"}));
    EXPECT_EQ(matches(r, ls), (V{}));
    EXPECT_EQ(matches(r, mk), (V{"B"}));
  }
}

TEST(Matching, EventTypeChecksFoldAgainstTheRulesIndex) {
  // Inside a rule bound to execve and mkdir, "evt.type = execve" still distinguishes them.
  auto r = load_yaml(rule_yaml("R",
                               "evt.type in (execve, mkdir) and "
                               "(evt.type = execve or proc.name = mkdir)"));
  FakeEvent ex("execve");
  ex.set("proc.name", "x");
  FakeEvent mk_other("mkdir");
  mk_other.set("proc.name", "x");
  FakeEvent mk("mkdir");
  mk.set("proc.name", "mkdir");
  EXPECT_EQ(matches(r, ex), (V{"R"}));
  EXPECT_EQ(matches(r, mk_other), (V{}));
  EXPECT_EQ(matches(r, mk), (V{"R"}));
}

TEST(DecisionCache, ProvesNoMatchFromThePathAlone) {
  auto r = load_yaml(
      rule_yaml("Shadow", "evt.type in (open, openat) and fd.name = /etc/shadow", "block") +
      rule_yaml("Secret by cat",
                "evt.type = openat and proc.name = cat and "
                "fd.name startswith /secret/") +
      rule_yaml("Not under usr",
                "evt.type = openat and container.id != host and "
                "not fd.name pmatch (/usr, /etc/shadow)"));
  ASSERT_EQ(errors(r), "");
  auto file = [](const std::string& path) {
    FakeEvent e("openat", Channel::kFileOpen);
    e.set("fd.name", path).set("container.id", "abc").set("proc.name", "anything");
    return e;
  };
  auto lib = file("/usr/lib/libc.so.6");
  EXPECT_TRUE(r.rules->provably_no_match(lib)) << "no rule can match /usr/lib/...";
  auto shadow = file("/etc/shadow");
  EXPECT_FALSE(r.rules->provably_no_match(shadow)) << "a rule matches it";
  auto secret = file("/secret/key");
  EXPECT_FALSE(r.rules->provably_no_match(secret)) << "another opener (cat) would match";
  auto tmp = file("/tmp/x");
  EXPECT_FALSE(r.rules->provably_no_match(tmp)) << "'Not under usr' matches";
}

TEST(DecisionCache, ProvesNoMatchForEveryFileOfADirectory) {
  auto r = load_yaml(
      rule_yaml("Shadow", "evt.type in (open, openat) and fd.name = /etc/shadow", "block") +
      rule_yaml("Keys", "evt.type = openat and fd.name pmatch (/root/.ssh, /home/a/.aws/creds)") +
      rule_yaml("Bins", "evt.type = openat and fd.directory in (/bin, /usr/bin)") +
      rule_yaml("Logs",
                "evt.type = openat and fd.name startswith /var/log/ and "
                "not fd.name contains /var/log/apt") +
      rule_yaml("Pem", "evt.type = openat and fd.name endswith .pem and fd.name contains /ssl/") +
      rule_yaml("Lower", "evt.type = openat and tolower(fd.name) startswith /data/x"));
  ASSERT_EQ(errors(r), "");
  FakeEvent e("openat", Channel::kFileOpen);
  e.set("container.id", "abc").set("proc.name", "anything").set("fd.name", "/whatever");
  auto none_in = [&](const std::string& dir) { return r.rules->provably_no_match_in(e, dir); };
  EXPECT_TRUE(none_in("/usr/lib")) << "no rule can match a file directly in /usr/lib";
  EXPECT_TRUE(none_in("/")) << "'/shadow' is not /etc/shadow";
  EXPECT_TRUE(none_in("/home/a")) << "pmatch /home/a/.aws/creds is two levels down";
  EXPECT_TRUE(none_in("/var/log/apt")) << "the exception holds for every name";
  EXPECT_FALSE(none_in("/etc")) << "/etc/shadow is in /etc";
  EXPECT_FALSE(none_in("/root/.ssh")) << "pmatch covers the whole directory";
  EXPECT_FALSE(none_in("/home/a/.aws")) << "pmatch names a file of this directory";
  EXPECT_FALSE(none_in("/usr/bin")) << "fd.directory is known";
  EXPECT_FALSE(none_in("/var/log")) << "startswith covers the directory";
  EXPECT_FALSE(none_in("/etc/ssl")) << "endswith depends on the name";
  EXPECT_FALSE(none_in("/DATA")) << "tolower keeps the directory's shape";
  EXPECT_TRUE(none_in("/data/y")) << "tolower keeps the directory's shape";
  EXPECT_FALSE(none_in("relative")) << "only absolute directories";
}

TEST(Interception, OpensOnlyForWritingWhenEveryRuleNeedsAWrite) {
  const std::string writes =
      rule_yaml("Core",
                "evt.type in (open, openat) and evt.is_open_write = true and "
                "fd.name_resolved endswith /core_pattern") +
      rule_yaml("Mkdir", "evt.type = mkdir");
  auto r = load_yaml(writes);
  ASSERT_EQ(errors(r), "");
  EXPECT_EQ(r.rules->write_only_syscalls(), (std::set<std::string>{"open", "openat"}));
  auto reads = load_yaml(writes + rule_yaml("Read", "evt.type = openat and fd.name_resolved = /x"));
  ASSERT_EQ(errors(reads), "");
  EXPECT_EQ(reads.rules->write_only_syscalls(), (std::set<std::string>{"open"}))
      << "a rule on openat that may match a read-only open";
  auto negated = load_yaml(rule_yaml(
      "Not read", "evt.type = openat and not evt.is_open_read = true and fd.name_resolved = /x"));
  EXPECT_EQ(negated.rules->write_only_syscalls(), (std::set<std::string>{"openat"}));
  auto flags =
      load_yaml(rule_yaml("Flags", "evt.type = openat and evt.arg.flags contains O_RDONLY"));
  EXPECT_EQ(flags.rules->write_only_syscalls(), (std::set<std::string>{}))
      << "anything else about the call is unknown";
}

TEST(Interception, TheNameAnOpenerPassedIsServedByTheFileWatch) {
  // Falco's directory traversal rule reads fd.nameraw of read-only opens: on the file watch
  // it comes from the open call the opener is blocked in, so no open is notified for it.
  auto r = load_yaml(rule_yaml("Traversal",
                               "evt.type in (open, openat) and evt.is_open_read = true and "
                               "fd.name startswith /etc/ and fd.nameraw contains ../"));
  ASSERT_EQ(errors(r), "");
  EXPECT_TRUE(r.rules->syscalls().empty());
  EXPECT_TRUE(r.rules->file_channels() & channel_bit(Channel::kFileOpen));
}

TEST(DecisionCache, WhetherAFileChangedAfterTheStartIsNeverCached) {
  // False now, true after a chmod or a rename into place: never a basis for the cache.
  auto r = load_yaml(rule_yaml(
      "Planted", "evt.type = openat and fd.name startswith /etc/ and fd.is_upper_layer = true",
      "block"));
  ASSERT_EQ(errors(r), "");
  FakeEvent e("openat", Channel::kFileOpen);
  e.set("fd.name", "/etc/motd").set_bool("fd.is_upper_layer", false);
  EXPECT_EQ(matches(r, e), (V{}));
  EXPECT_FALSE(r.rules->provably_no_match(e));
  FakeEvent other("openat", Channel::kFileOpen);
  other.set("fd.name", "/srv/motd").set_bool("fd.is_upper_layer", false);
  EXPECT_TRUE(r.rules->provably_no_match(other)) << "the path alone rules it out";
}

TEST(DecisionCache, ARuleOnTheProcessAloneMakesNothingCacheable) {
  auto r = load_yaml(rule_yaml("Any open by nc", "evt.type = openat and proc.name = nc"));
  FakeEvent e("openat", Channel::kFileOpen);
  e.set("fd.name", "/usr/lib/x").set("proc.name", "bash");
  EXPECT_EQ(matches(r, e), (V{}));
  EXPECT_FALSE(r.rules->provably_no_match(e));
}

TEST(Output, FieldsAreInterpolatedAndMissingOnesAreNA) {
  auto r = load_yaml(rule_yaml("O", "evt.type = mkdir", "alert",
                               "made %fd.name by %proc.name (%proc.aname[2]) u=%user.uid "
                               "%tolower(proc.exe) %8proc.pname| loginuid=%user.loginuid"));
  ASSERT_EQ(errors(r), "");
  FakeEvent e("mkdir");
  e.set("fd.name", "/x")
      .set("proc.name", "mkdir")
      .set_int("user.uid", 0)
      .set("proc.exe", "MK")
      .set("proc.pname", "sh");
  uint32_t id = 0;
  ASSERT_EQ(r.rules->evaluate(e, &id, 1), 1u);
  EXPECT_EQ(r.rules->format_output(id, e),
            "made /x by mkdir (<NA>) u=0 mk sh      | loginuid=<NA>");
  auto fields = r.rules->output_fields(id, e);
  ASSERT_GE(fields.size(), 3u);
  EXPECT_EQ(fields[0], (std::pair<std::string, std::string>{"fd.name", "/x"}));
  EXPECT_EQ(fields[2], (std::pair<std::string, std::string>{"proc.aname[2]", "<NA>"}));
}

TEST(Output, UnknownOutputFieldsAreErrorsUnsupportedOnesWarn) {
  auto r = load_yaml(rule_yaml("O", "evt.type = mkdir", "alert", "x=%proc.nope"));
  EXPECT_NE(errors(r).find("unknown field 'proc.nope'"), std::string::npos);
  auto w = load_yaml(rule_yaml("O", "evt.type = mkdir", "alert", "x=%proc.vmrss"));
  EXPECT_EQ(errors(w), "");
  EXPECT_NE(warnings(w).find("output field 'proc.vmrss' is not supplied"), std::string::npos);
  auto trailing = load_yaml(rule_yaml("O", "evt.type = mkdir", "alert", "x=%"));
  EXPECT_NE(errors(trailing).find("cannot end with '%'"), std::string::npos);
}

}  // namespace
}  // namespace vigil::rules

namespace vigil::rules {
namespace {

// Falco's config options that leave rules out: priority, then rules: selectors in order.
TEST(ConfigSelection, PriorityAndSelectorsLeaveRulesOutAndSaySo) {
  const std::string yaml = R"(
- rule: Net A
  desc: d
  condition: evt.type = connect
  output: o
  priority: notice
  tags: [network]
- rule: Net B
  desc: d
  condition: evt.type = bind
  output: o
  priority: error
  tags: [network]
- rule: Mount block
  desc: d
  condition: evt.type = mount
  output: o
  priority: warning
  action: block
- rule: Off in its file
  desc: d
  condition: evt.type = chmod
  output: o
  priority: critical
  enabled: false
)";
  LoadResult r;
  load_rules_text("t.yaml", yaml, r.collection, r.diagnostics);
  CompileOptions opts;
  opts.min_priority = Priority::kWarning;
  opts.selectors = {{false, false, {"*"}},              // everything off
                    {true, true, {"network"}},          // network back on
                    {true, false, {"Off in * file"}}};  // a wildcard enables a disabled rule
  r.rules = compile_rules(r.collection, opts, r.diagnostics);
  ASSERT_FALSE(r.diagnostics.has_errors());
  auto status = [&](const std::string& n) {
    const auto* rule = testing::find_rule(r, n);
    return std::string(rule_status_name(rule->status)) + (rule->by_config ? "/config: " : ": ") +
           rule->reason;
  };
  EXPECT_EQ(status("Net A"),
            "disabled/config: priority Notice is below the config's priority: Warning");
  EXPECT_EQ(status("Net B"), "compiled: ");
  EXPECT_EQ(status("Mount block"), "disabled/config: the config's rules: disable by rule name");
  EXPECT_EQ(status("Off in its file"), "compiled: ");
}

TEST(ConfigSelection, SelectorWildcards) {
  EXPECT_TRUE(selector_matches("*", "anything"));
  EXPECT_TRUE(selector_matches("Read sensitive*", "Read sensitive file untrusted"));
  EXPECT_TRUE(selector_matches("*file*", "Read sensitive file untrusted"));
  EXPECT_TRUE(selector_matches("a*b*c", "aXbYbZc"));
  EXPECT_FALSE(selector_matches("a*b*c", "aXbYbZ"));
  EXPECT_FALSE(selector_matches("Mount", "Mount in container"));
  EXPECT_TRUE(selector_matches("Mount in container", "Mount in container"));
  EXPECT_TRUE(selector_matches("x[1]", "x[1]"));  // only '*' is special
}

}  // namespace
}  // namespace vigil::rules

namespace vigil::rules {
namespace {

// Which clones the filter may leave in the kernel: only where no rule can match them.
TEST(FlagFilters, OnlyWhereEveryRuleNeedsOneOfTheFlags) {
  auto r = testing::load_yaml(
      rule_yaml("N",
                "evt.type in (clone, unshare) and (evt.arg.flags contains CLONE_NEWUSER "
                "or evt.arg.flags contains CLONE_NEWNS)",
                "block"));
  ASSERT_EQ(testing::errors(r), "");
  auto f = r.rules->flag_filters();
  ASSERT_EQ(f.count("clone"), 1u);
  EXPECT_EQ(f["clone"].index, 0u);
  EXPECT_EQ(f["clone"].bits, uint64_t(0x10000000 | 0x00020000));  // NEWUSER | NEWNS
  EXPECT_EQ(f["unshare"].bits, f["clone"].bits);
  // A rule that matches clones without those flags: no filter may drop them.
  for (const char* cond :
       {"evt.type = clone and not evt.arg.flags contains CLONE_NEWUSER",
        "evt.type = clone and proc.name = x", "evt.type = clone and evt.rawarg.flags = 0",
        "evt.type = clone and evt.arg.flags contains NEW"}) {
    auto r2 = testing::load_yaml(
        rule_yaml("N", "evt.type = clone and evt.arg.flags contains CLONE_NEWNS") +
        rule_yaml("M", cond));
    ASSERT_EQ(testing::errors(r2), "") << cond;
    EXPECT_EQ(r2.rules->flag_filters().count("clone"), 0u) << cond;
  }
}

}  // namespace
}  // namespace vigil::rules
