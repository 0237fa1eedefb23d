// Alerts in Falco's JSON shape plus vigil's action and container; the async writer.
#include "src/outputs/alert.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

namespace vigil::outputs {
namespace {

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

TEST(AsyncOutputs, WritesJsonLinesToTheFile) {
  const std::string path = std::string(getenv("TEST_TMPDIR")) + "/alerts.json";
  {
    OutputConfig cfg;
    cfg.stdout_enabled = false;
    cfg.syslog_enabled = false;
    cfg.file_enabled = true;
    cfg.file_path = path;
    AsyncOutputs out(cfg);
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

TEST(AsyncOutputs, OverflowIsCountedAndReported) {
  const std::string path = std::string(getenv("TEST_TMPDIR")) + "/overflow.json";
  OutputConfig cfg;
  cfg.stdout_enabled = false;
  cfg.syslog_enabled = false;
  cfg.file_enabled = true;
  cfg.file_path = path;
  AsyncOutputs out(cfg, /*capacity=*/1);
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
}  // namespace vigil::outputs
