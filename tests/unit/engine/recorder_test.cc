// The recording: one JSON line per event with the values the rules read (missing ones
// left out), and a file that never grows past its cap.
#include "src/engine/recorder.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "src/fields/registry.h"
#include "tests/unit/testing/fake_event.h"

namespace vigil::engine {
namespace {

FieldRef ref(const std::string& name, int32_t index = -1) {
  auto f = fields::find_field(name);
  EXPECT_TRUE(f) << name;
  static std::deque<std::string> keys;  // FieldRef keys are views: a deque keeps them put
  keys.push_back(f->key);
  return FieldRef{f->id, index, keys.back()};
}

TEST(Recorder, OneLinePerEventWithTheValuesTheRulesRead) {
  testing::FakeEvent live("openat", Channel::kFileOpen);
  live.set("fd.name", "/etc/shadow").set_int("proc.pid", 42).set_list("proc.aname", {"sh", "runc"});
  live.set("evt.arg.flags", "O_RDONLY");
  const std::vector<FieldRef> refs = {ref("fd.name"), ref("proc.pid"), ref("proc.aname"),
                                      ref("evt.arg.flags"), ref("proc.cmdline")};
  fields::CapturedEvent e(live, refs);
  const auto line = encode_record(e, refs, "0123456789ab", 5, {"block", "alert", {"R"}});
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["type"], "openat");
  EXPECT_EQ(j["channel"], "fanotify-open");
  EXPECT_EQ(j["container"], "0123456789ab");
  EXPECT_EQ(j["decided"], "block");
  EXPECT_EQ(j["applied"], "alert");
  EXPECT_EQ(j["fields"]["fd.name"], "/etc/shadow");
  EXPECT_EQ(j["fields"]["proc.pid"], 42);
  EXPECT_EQ(j["fields"]["proc.aname"], nlohmann::json({"sh", "runc"}));
  EXPECT_EQ(j["fields"]["evt.arg.flags"], "O_RDONLY");
  EXPECT_FALSE(j["fields"].contains("proc.cmdline")) << "a missing value is left out";
  EXPECT_EQ(field_ref_name(ref("proc.aname", 2)), "proc.aname[2]");
}

TEST(Recorder, TheFileIsCappedAndRotated) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/rec";
  const std::string path = dir + "/events.jsonl";
  const int64_t cap = 65536;
  auto refs = std::make_shared<const std::vector<FieldRef>>(std::vector<FieldRef>{ref("fd.name")});
  {
    Recorder r(path, cap);
    for (int i = 0; i < 3000; ++i) {
      testing::FakeEvent live("openat", Channel::kFileOpen);
      live.set("fd.name", "/tmp/file-" + std::to_string(i));
      r.record(fields::CapturedEvent(live, *refs), refs, "c", i, {"none", "none", {}});
    }
  }  // the destructor writes what is queued
  EXPECT_LE(int64_t(std::filesystem::file_size(path)), cap / 2);
  EXPECT_LE(int64_t(std::filesystem::file_size(path + ".1")), cap / 2);
  std::ifstream in(path);
  std::string last, line;
  while (std::getline(in, line)) last = line;
  EXPECT_EQ(nlohmann::json::parse(last)["fields"]["fd.name"], "/tmp/file-2999");
}

}  // namespace
}  // namespace vigil::engine
