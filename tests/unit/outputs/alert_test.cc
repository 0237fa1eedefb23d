// Alerts in Falco's JSON shape plus vigil's action and container; the async writer.
#include "src/outputs/dispatcher.h"
#include "src/outputs/sinks/sinks.h"

#include <gtest/gtest.h>

#include <fcntl.h>

#include <fstream>
#include <nlohmann/json.hpp>

namespace vigil::outputs {
namespace {

std::vector<std::unique_ptr<AlertSink>> file_sinks(const OutputConfig& cfg) {
  std::vector<std::string> errors;
  auto sinks = make_sinks(cfg, errors);
  EXPECT_TRUE(errors.empty());
  return sinks;
}

Alert sample() {
  Alert a;
  a.time_ns = 1'700'000'000'123'456'789;
  a.rule = "Block mkdir";
  a.priority = Priority::kWarning;
  a.output = "mkdir blocked (path=/tmp/x)";
  a.output_fields = {{"fd.name", "/tmp/x"}, {"proc.name", "mkdir"}};
  a.tags = {"vigil"};
  a.action = "block";
  a.container_id = "abc123";
  a.container_name = "web";
  a.hostname = "node1";
  return a;
}

TEST(Alert, JsonHasFalcosShapePlusActionAndContainer) {
  auto j = nlohmann::json::parse(to_json_line(sample()));
  EXPECT_EQ(j["time"], "2023-11-14T22:13:20.123456789Z");
  EXPECT_EQ(j["rule"], "Block mkdir");
  EXPECT_EQ(j["priority"], "Warning");
  EXPECT_EQ(j["source"], "syscall");
  EXPECT_EQ(j["hostname"], "node1");
  EXPECT_EQ(j["output"], "mkdir blocked (path=/tmp/x)");
  EXPECT_EQ(j["output_fields"]["fd.name"], "/tmp/x");
  EXPECT_EQ(j["tags"], nlohmann::json::array({"vigil"}));
  EXPECT_EQ(j["action"], "block");
  EXPECT_EQ(j["container"]["id"], "abc123");
  EXPECT_EQ(to_json_line(sample()).find('\n'), std::string::npos);
}

TEST(Alert, InvalidUtf8FromATargetDoesNotBreakJson) {
  Alert a = sample();
  a.output_fields = {{"fd.name", std::string("/tmp/\xff\xfe")}};
  EXPECT_NO_THROW(nlohmann::json::parse(to_json_line(a)));
}

TEST(AlertDispatcher, WritesJsonLinesToTheFile) {
  const std::string path = std::string(getenv("TEST_TMPDIR")) + "/alerts.json";
  {
    OutputConfig cfg;
    cfg.stdout_enabled = false;
    cfg.syslog_enabled = false;
    cfg.file_enabled = true;
    cfg.file_path = path;
    AlertDispatcher out(file_sinks(cfg));
    for (int i = 0; i < 100; ++i) out.push(sample());
    out.flush();
    EXPECT_EQ(out.dropped(), 0u);
  }
  std::ifstream in(path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    EXPECT_EQ(nlohmann::json::parse(line)["rule"], "Block mkdir");
    ++n;
  }
  EXPECT_EQ(n, 100);
}

TEST(AlertDispatcher, OverflowIsCountedAndReported) {
  const std::string path = std::string(getenv("TEST_TMPDIR")) + "/overflow.json";
  OutputConfig cfg;
  cfg.stdout_enabled = false;
  cfg.syslog_enabled = false;
  cfg.file_enabled = true;
  cfg.file_path = path;
  AlertDispatcher out(file_sinks(cfg), /*capacity=*/1);
  for (int i = 0; i < 10000; ++i) out.push(sample());
  out.flush();
  const uint64_t dropped = out.dropped();
  EXPECT_GT(dropped, 0u) << "a queue of one must overflow under 10000 pushes";
  out.push(sample());
  out.flush();
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("alerts were dropped"), std::string::npos);
}

}  // namespace
TEST(AlertJournal, RecordsRoundTripAndASuccessorWritesWhatWasNotWritten) {
  AlertJournal dead = AlertJournal::create();
  ASSERT_TRUE(dead.valid());
  UniqueFd keeper_copy(::fcntl(dead.fd(), F_DUPFD_CLOEXEC, 0));
  Alert written = sample();
  written.id = "1-1";
  written.output = "written before the death";
  Alert lost = sample();
  lost.id = "1-2";
  lost.output = "queued, never written";
  lost.output_fields = {{"fd.name", "/etc/shadow"}, {"proc.name", "cat"}};
  const int a = dead.record(written);
  const int b = dead.record(lost);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  dead.done(a);  // the output thread wrote the first; the engine died before the second

  const std::string path = std::string(getenv("TEST_TMPDIR")) + "/replayed.json";
  OutputConfig cfg;
  cfg.stdout_enabled = false;
  cfg.syslog_enabled = false;
  cfg.file_enabled = true;
  cfg.file_path = path;
  {
    AlertDispatcher successor(file_sinks(cfg));
    successor.use_journal(AlertJournal::adopt(std::move(keeper_copy)));
    EXPECT_EQ(successor.replay(), 1u);
    successor.flush();
    EXPECT_EQ(successor.replay(), 0u) << "written once, marked done";
  }
  std::ifstream in(path);
  std::string line;
  std::vector<nlohmann::json> lines;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["id"], "1-2");
  EXPECT_EQ(lines[0]["output"], "queued, never written");
  EXPECT_EQ(lines[0]["output_fields"]["fd.name"], "/etc/shadow");
  EXPECT_EQ(lines[0]["rule"], lost.rule);

  auto back = from_record(to_record(lost));
  ASSERT_TRUE(back);
  EXPECT_EQ(to_json_line(*back), to_json_line(lost));
  EXPECT_FALSE(from_record("{\"t\": 1}"));
  EXPECT_FALSE(from_record("not json"));
}

}  // namespace vigil::outputs
