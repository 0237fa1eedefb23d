// The merge rules on synthetic profiles; real Podman/containerd profiles are checked by
// tests/integration/merge_test.
#include "src/seccomp/profile_merge.h"

#include <gtest/gtest.h>

namespace vigil::seccomp {
namespace {

using nlohmann::json;

InjectionPlan plan(std::set<std::string> s) {
  InjectionPlan p;
  p.syscalls = std::move(s);
  p.listener_path = "/run/vigil/seccomp.sock";
  return p;
}

TEST(Merge, NoSeccompSectionGetsAnAllowProfile) {
  json c = {{"ociVersion", "1.0.2"}, {"linux", json::object()}};
  InjectionReport r;
  std::string err;
  ASSERT_TRUE(inject(c, plan({"mkdir"}), r, err)) << err;
  EXPECT_EQ(c["linux"]["seccomp"]["defaultAction"], "SCMP_ACT_ALLOW");
  EXPECT_EQ(c["linux"]["seccomp"]["listenerPath"], "/run/vigil/seccomp.sock");
  EXPECT_EQ(c["linux"]["seccomp"]["syscalls"],
            json::parse(R"([{"names":["mkdir"],"action":"SCMP_ACT_NOTIFY"}])"));
  EXPECT_EQ(r.notified, (std::vector<std::string>{"mkdir"}));
}

TEST(Merge, AllowRulesSplitAndConditionalAllowsKeepTheirArguments) {
  json c = json::parse(R"({"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
    {"names":["read","mkdir","write"],"action":"SCMP_ACT_ALLOW"},
    {"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]}
  ]}}})");
  InjectionReport r;
  std::string err;
  ASSERT_TRUE(inject(c, plan({"mkdir", "personality", "write"}), r, err)) << err;
  EXPECT_EQ(c["linux"]["seccomp"]["syscalls"], json::parse(R"([
    {"names":["read","write"],"action":"SCMP_ACT_ALLOW"},
    {"names":["mkdir"],"action":"SCMP_ACT_NOTIFY"},
    {"names":["personality"],"action":"SCMP_ACT_NOTIFY","args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]}
  ])"))
      << "write is never notified";
  EXPECT_EQ(c["linux"]["seccomp"]["defaultAction"], "SCMP_ACT_ERRNO");
}

// openat only when its flags (argument 2) ask to write: one NOTIFY rule per flag bit, and
// the calls with none of them keep the allow rule's action (or fall to an allowing default).
TEST(Merge, AFilterNotifiesOnlyTheCallsWithOneOfItsBits) {
  json c = json::parse(R"({"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
    {"names":["read","openat","mkdir"],"action":"SCMP_ACT_ALLOW"},
    {"names":["open"],"action":"SCMP_ACT_ALLOW","args":[{"index":1,"value":0,"op":"SCMP_CMP_EQ"}]}
  ]}}})");
  InjectionPlan p = plan({"openat", "open", "mkdir"});
  p.filters["openat"] = {2, 0x1 | 0x40};
  p.filters["open"] = {1, 0x1 | 0x40};
  InjectionReport r;
  std::string err;
  ASSERT_TRUE(inject(c, p, r, err)) << err;
  EXPECT_EQ(c["linux"]["seccomp"]["syscalls"], json::parse(R"([
    {"names":["read"],"action":"SCMP_ACT_ALLOW"},
    {"names":["openat"],"action":"SCMP_ACT_NOTIFY","args":[{"index":2,"value":1,"valueTwo":1,"op":"SCMP_CMP_MASKED_EQ"}]},
    {"names":["openat"],"action":"SCMP_ACT_NOTIFY","args":[{"index":2,"value":64,"valueTwo":64,"op":"SCMP_CMP_MASKED_EQ"}]},
    {"names":["openat"],"action":"SCMP_ACT_ALLOW","args":[{"index":2,"value":65,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}]},
    {"names":["mkdir"],"action":"SCMP_ACT_NOTIFY"},
    {"names":["open"],"action":"SCMP_ACT_NOTIFY","args":[{"index":1,"value":0,"op":"SCMP_CMP_EQ"}]}
  ])"))
      << "a rule that already tests the argument keeps the syscall notified whole";
  EXPECT_EQ(r.notified, (std::vector<std::string>{"mkdir", "open", "openat"}));

  json d = {{"linux", json::object()}};
  InjectionReport r2;
  ASSERT_TRUE(inject(d, p, r2, err)) << err;
  EXPECT_EQ(d["linux"]["seccomp"]["syscalls"], json::parse(R"([
    {"names":["open"],"action":"SCMP_ACT_NOTIFY","args":[{"index":1,"value":1,"valueTwo":1,"op":"SCMP_CMP_MASKED_EQ"}]},
    {"names":["open"],"action":"SCMP_ACT_NOTIFY","args":[{"index":1,"value":64,"valueTwo":64,"op":"SCMP_CMP_MASKED_EQ"}]},
    {"names":["openat"],"action":"SCMP_ACT_NOTIFY","args":[{"index":2,"value":1,"valueTwo":1,"op":"SCMP_CMP_MASKED_EQ"}]},
    {"names":["openat"],"action":"SCMP_ACT_NOTIFY","args":[{"index":2,"value":64,"valueTwo":64,"op":"SCMP_CMP_MASKED_EQ"}]},
    {"names":["mkdir"],"action":"SCMP_ACT_NOTIFY"}
  ])"))
      << "under an allowing default, the calls left out are allowed by it";
}

// Found by oci_config_fuzz: ill-typed members are refused or skipped, never thrown on.
TEST(Merge, IllTypedMembersAreRefusedNotThrown) {
  json c =
      json::parse(R"({"linux":{"seccomp":{"defaultAction":["SCMP_ARCH_X86_64"],"syscalls":[]}}})");
  InjectionReport r;
  std::string err;
  EXPECT_FALSE(inject(c, plan({"mkdir"}), r, err));
  EXPECT_EQ(err, "config.json: linux.seccomp has no defaultAction (a string)");
  json d = json::parse(R"({"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
    {"names":["openat"],"action":7},
    {"names":["open"],"action":"SCMP_ACT_ALLOW","args":[{"index":"1","value":0,"op":"SCMP_CMP_EQ"}]}
  ]}}})");
  InjectionPlan p = plan({"openat", "open"});
  p.filters["openat"] = {2, 0x1};
  p.filters["open"] = {1, 0x1};
  ASSERT_TRUE(inject(d, p, r, err)) << err;
  EXPECT_EQ(d["linux"]["seccomp"]["syscalls"][0], json::parse(R"({"names":["openat"],"action":7})"))
      << "an action that is not a string allows nothing: left as it is";
  EXPECT_EQ(d["linux"]["seccomp"]["syscalls"].size(), 3u)
      << "open: an index that is not a number tests no argument, so open is filtered";
}

TEST(Merge, DeniedSyscallsStayDenied) {
  json c = json::parse(R"({"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
    {"names":["bpf"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}}})");
  const json before = c;
  InjectionReport r;
  std::string err;
  ASSERT_TRUE(inject(c, plan({"bpf", "init_module"}), r, err)) << err;
  EXPECT_EQ(c["linux"]["seccomp"]["syscalls"], before["linux"]["seccomp"]["syscalls"]);
  EXPECT_EQ(r.already_denied, (std::vector<std::string>{"bpf", "init_module"}));
  EXPECT_FALSE(c["linux"]["seccomp"].contains("listenerPath")) << "nothing to listen for";
}

TEST(Merge, PartlyDeniedUnderAnAllowDefaultIsSkippedNotWidened) {
  json c = json::parse(R"({"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
    {"names":["socket"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":16,"op":"SCMP_CMP_EQ"}]}]}}})");
  InjectionReport r;
  std::string err;
  ASSERT_TRUE(inject(c, plan({"socket", "mkdir"}), r, err)) << err;
  EXPECT_EQ(r.skipped, (std::vector<std::string>{"socket"}));
  EXPECT_EQ(r.notified, (std::vector<std::string>{"mkdir"}));
}

TEST(Merge, ExistingListenerIsRefusedAndConfigUntouched) {
  json c = json::parse(R"({"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW",
    "listenerPath":"/run/crio/notifier.sock","syscalls":[]}}})");
  const json before = c;
  InjectionReport r;
  std::string err;
  EXPECT_FALSE(inject(c, plan({"mkdir"}), r, err));
  EXPECT_NE(err.find("already has a seccomp listener"), std::string::npos);
  EXPECT_EQ(c, before);
}

TEST(Merge, MalformedSectionsAreErrors) {
  InjectionReport r;
  std::string err;
  json a = json::parse(R"({"linux":{"seccomp":{"syscalls":[]}}})");
  EXPECT_FALSE(inject(a, plan({"mkdir"}), r, err));
  EXPECT_NE(err.find("defaultAction"), std::string::npos);
  json b = json::parse(R"({"linux":{"seccomp":"nope"}})");
  EXPECT_FALSE(inject(b, plan({"mkdir"}), r, err));
  json c = json::parse(R"([1,2])");
  EXPECT_FALSE(inject(c, plan({"mkdir"}), r, err));
  json d = json::parse(R"({"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
    {"names":["x"],"action":"SCMP_ACT_NOTIFY"}]}}})");
  EXPECT_FALSE(inject(d, plan({"mkdir"}), r, err));
}

}  // namespace
}  // namespace vigil::seccomp

namespace vigil::seccomp {
namespace {

TEST(Merge, Clone3IsAnsweredEnosysWhereTheProfileAllowsIt) {
  InjectionPlan p;
  p.syscalls = {"clone", "clone3"};
  p.enosys = {"clone3"};
  p.listener_path = "/l";
  std::string err;
  InjectionReport r;
  // An allow default: clone3 gets a rule of its own, and is not notified.
  nlohmann::json c = {{"linux", nlohmann::json::object()}};
  ASSERT_TRUE(inject(c, p, r, err)) << err;
  EXPECT_EQ(c["linux"]["seccomp"]["syscalls"], nlohmann::json::parse(R"([
    {"names":["clone"],"action":"SCMP_ACT_NOTIFY"},
    {"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38}])"));
  // Named in an allow rule: taken out of it (two rules for one call would conflict).
  c = nlohmann::json::parse(R"({"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO",
    "syscalls":[{"names":["read","clone3"],"action":"SCMP_ACT_ALLOW"}]}}})");
  ASSERT_TRUE(inject(c, p, r, err)) << err;
  EXPECT_EQ(c["linux"]["seccomp"]["syscalls"], nlohmann::json::parse(R"([
    {"names":["read"],"action":"SCMP_ACT_ALLOW"},
    {"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38}])"));
  // Already denied (Docker's and containerd's profiles say ENOSYS themselves): unchanged.
  c = nlohmann::json::parse(R"({"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW",
    "syscalls":[{"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}}})");
  ASSERT_TRUE(inject(c, p, r, err)) << err;
  EXPECT_EQ(c["linux"]["seccomp"]["syscalls"], nlohmann::json::parse(R"([
    {"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38},
    {"names":["clone"],"action":"SCMP_ACT_NOTIFY"}])"));
}

}  // namespace
}  // namespace vigil::seccomp
