// The daemon config file: defaults, Falco's key names, relative rules paths, errors.
#include "src/config/config.h"

#include <gtest/gtest.h>

#include <fstream>

namespace vigil::config {
namespace {

std::string write(const std::string& name, const std::string& text) {
  std::string path = std::string(getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(Config, ReadsEveryKey) {
  auto path = write("full.yaml", R"(
rules_files: [rules.d, /abs/rules.yaml]
mode: monitor
rule_matching: all
json_output: false
stdout_output: {enabled: false}
syslog_output: {enabled: false}
file_output: {enabled: true, filename: /tmp/alerts.json}
listener_socket: /tmp/l.sock
control_socket: /tmp/c.sock
on_daemon_unavailable: deny
permission_deadline_ms: 50
permission_fallback: deny
decision_cache: file
readonly_paths: [/proc/sys/kernel/core_pattern, /proc/sysrq-trigger]
sealed_files: [/etc/ld.so.preload, /etc/security/pam_env.conf]
successor_wait_s: 5
log_level: warning
log_stderr: false
log_syslog: true
record: {enabled: true, path: rec/events.jsonl, max_size: 100000}
)");
  rules::Diagnostics d;
  auto c = load_config(path, d);
  ASSERT_TRUE(c);
  EXPECT_TRUE(d.all().empty());
  const std::string dir = std::string(getenv("TEST_TMPDIR"));
  EXPECT_EQ(c->rules_files, (std::vector<std::string>{dir + "/rules.d", "/abs/rules.yaml"}));
  EXPECT_EQ(c->mode, Mode::kMonitor);
  EXPECT_EQ(c->rule_matching, RuleMatching::kAll);
  EXPECT_FALSE(c->json_output);
  EXPECT_FALSE(c->stdout_output);
  EXPECT_FALSE(c->syslog_output);
  EXPECT_TRUE(c->file_output);
  EXPECT_EQ(c->file_output_path, "/tmp/alerts.json");
  EXPECT_EQ(c->listener_socket, "/tmp/l.sock");
  EXPECT_EQ(c->control_socket, "/tmp/c.sock");
  EXPECT_EQ(c->on_daemon_unavailable, Unavailable::kDeny);
  EXPECT_EQ(c->permission_deadline_ms, 50);
  EXPECT_FALSE(c->permission_fallback_allow);
  EXPECT_EQ(c->decision_cache, DecisionCache::kFile);
  EXPECT_EQ(c->readonly_paths,
            (std::vector<std::string>{"/proc/sys/kernel/core_pattern", "/proc/sysrq-trigger"}));
  EXPECT_EQ(c->sealed_files,
            (std::vector<std::string>{"/etc/ld.so.preload", "/etc/security/pam_env.conf"}));
  EXPECT_EQ(c->successor_wait_s, 5);
  EXPECT_EQ(c->log_level, "warning");
  EXPECT_FALSE(c->log_stderr);
  EXPECT_TRUE(c->log_syslog);
  EXPECT_TRUE(c->record_enabled);
  EXPECT_EQ(c->record_path, dir + "/rec/events.jsonl");
  EXPECT_EQ(c->record_max_size, 100000);
}

TEST(Config, LogAndStopKeysAreChecked) {
  auto path = write("log.yaml", "log_level: chatty\nsuccessor_wait_s: -1\nlog_syslog: maybe\n");
  rules::Diagnostics d;
  EXPECT_FALSE(load_config(path, d));
  ASSERT_EQ(d.all().size(), 3u);
  EXPECT_EQ(rules::format_diagnostic(d.all()[0]),
            path +
                ":1:12: error: 'log_level' must be one of emergency, alert, critical, error, "
                "warning, notice, info, debug");
  EXPECT_EQ(rules::format_diagnostic(d.all()[1]),
            path + ":2:19: error: 'successor_wait_s' must be a number of seconds, 0..3600");
}

TEST(Config, DefaultsAreDesignsDefaults) {
  auto path = write("empty.yaml", "");
  rules::Diagnostics d;
  auto c = load_config(path, d);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->rules_files, (std::vector<std::string>{"/etc/vigil/rules.d"}));
  EXPECT_EQ(c->mode, Mode::kEnforce);
  EXPECT_EQ(c->rule_matching, RuleMatching::kFirst);
  EXPECT_EQ(c->listener_socket, "/run/vigil/seccomp.sock");
  EXPECT_EQ(c->on_daemon_unavailable, Unavailable::kAllow);
  EXPECT_EQ(c->decision_cache, DecisionCache::kDirectory);
  EXPECT_EQ(c->successor_wait_s, 30);
  EXPECT_EQ(c->log_level, "info");
  EXPECT_TRUE(c->log_stderr);
  EXPECT_FALSE(c->log_syslog);
}

TEST(Config, ErrorsHavePositionsAndUnknownKeysWarn) {
  auto path = write("bad.yaml", "mode: sometimes\nrule_matching: [x]\ncolour: red\n");
  rules::Diagnostics d;
  EXPECT_FALSE(load_config(path, d));
  ASSERT_EQ(d.all().size(), 3u);
  EXPECT_EQ(rules::format_diagnostic(d.all()[0]),
            path + ":1:7: error: 'mode' must be enforce or monitor");
  EXPECT_EQ(rules::format_diagnostic(d.all()[1]),
            path + ":2:16: error: 'rule_matching' must be a string");
  EXPECT_EQ(rules::format_diagnostic(d.all()[2]),
            path + ":3:1: warning: unknown key 'colour'; the key is ignored");
}

TEST(Config, ReadonlyPathsMustBeAbsoluteAndDecisionCacheKnown) {
  auto path = write("ro.yaml", "readonly_paths: [proc/x]\ndecision_cache: inode\n");
  rules::Diagnostics d;
  EXPECT_FALSE(load_config(path, d));
  ASSERT_EQ(d.all().size(), 2u);
  EXPECT_EQ(rules::format_diagnostic(d.all()[0]),
            path + ":1:18: error: 'readonly_paths' entries must be absolute paths of files");
  EXPECT_EQ(rules::format_diagnostic(d.all()[1]),
            path + ":2:17: error: 'decision_cache' must be directory, file or off");
}

TEST(Config, MissingAndMalformedFiles) {
  rules::Diagnostics d;
  EXPECT_FALSE(load_config("/nonexistent/vigil.yaml", d));
  auto path = write("syntax.yaml", "mode: [unclosed\n");
  rules::Diagnostics d2;
  EXPECT_FALSE(load_config(path, d2));
  ASSERT_FALSE(d2.all().empty());
  EXPECT_NE(d2.all()[0].message.find("YAML"), std::string::npos);
}

}  // namespace
}  // namespace vigil::config

namespace vigil::config {
namespace {

TEST(Config, ReadsFalcosOutputOptionsAndWebserver) {
  auto path = write("falco.yaml", R"(
priority: notice
rules:
  - disable: {rule: "*"}
  - enable: {tag: [network, filesystem]}
  - enable:
      rule: Block mkdir
json_include_output_property: false
json_include_tags_property: false
time_format_iso_8601: true
buffered_outputs: true
outputs_queue: {capacity: 100}
http_output:
  enabled: true
  url: https://sidekick:2801/
  user_agent: me
  insecure: true
  ca_cert: certs/ca.pem
  mtls: true
  client_cert: /c.crt
  client_key: /c.key
  compress_uploads: true
  keep_alive: false
program_output: {enabled: true, keep_alive: true, program: "jq '{text: .output}' | curl -d @- X"}
webserver:
  enabled: true
  listen_address: 127.0.0.1
  listen_port: 9876
  k8s_healthz_endpoint: /health
  prometheus_metrics_enabled: true
  threadiness: 0
watch_config_files: false
)");
  rules::Diagnostics d;
  auto c = load_config(path, d);
  ASSERT_TRUE(c) << d.sorted().front().message;
  EXPECT_EQ(d.sorted().size(), 0u);
  EXPECT_EQ(c->min_priority, Priority::kNotice);
  ASSERT_EQ(c->rule_selectors.size(), 3u);
  EXPECT_FALSE(c->rule_selectors[0].enable);
  EXPECT_EQ(c->rule_selectors[0].patterns, std::vector<std::string>{"*"});
  EXPECT_TRUE(c->rule_selectors[1].by_tag);
  EXPECT_EQ(c->rule_selectors[1].patterns.size(), 2u);
  EXPECT_EQ(c->rule_selectors[2].patterns, std::vector<std::string>{"Block mkdir"});
  EXPECT_FALSE(c->json_include_output_property);
  EXPECT_FALSE(c->json_include_tags_property);
  EXPECT_TRUE(c->time_format_iso_8601);
  EXPECT_TRUE(c->buffered_outputs);
  EXPECT_EQ(c->outputs_queue_capacity, 100u);
  EXPECT_TRUE(c->http_output.enabled);
  EXPECT_EQ(c->http_output.url, "https://sidekick:2801/");
  EXPECT_EQ(c->http_output.user_agent, "me");
  EXPECT_TRUE(c->http_output.insecure);
  EXPECT_EQ(c->http_output.ca_cert, std::string(getenv("TEST_TMPDIR")) + "/certs/ca.pem");
  EXPECT_TRUE(c->http_output.mtls);
  EXPECT_EQ(c->http_output.client_key, "/c.key");
  EXPECT_TRUE(c->http_output.compress_uploads);
  EXPECT_FALSE(c->http_output.keep_alive);
  EXPECT_TRUE(c->program_output.enabled);
  EXPECT_TRUE(c->program_output.keep_alive);
  EXPECT_EQ(c->program_output.program, "jq '{text: .output}' | curl -d @- X");
  EXPECT_TRUE(c->webserver.enabled);
  EXPECT_EQ(c->webserver.listen_address, "127.0.0.1");
  EXPECT_EQ(c->webserver.listen_port, 9876);
  EXPECT_EQ(c->webserver.k8s_healthz_endpoint, "/health");
  EXPECT_TRUE(c->webserver.prometheus_metrics_enabled);
  EXPECT_FALSE(c->watch_config_files);
}

TEST(Config, OutputMistakesArePositionedErrors) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"http_output: {enabled: true}\n", "'http_output.url' must be an http:// or https:// URL"},
      {"http_output: {enabled: true, url: ftp://x}\n", "must be an http:// or https:// URL"},
      {"program_output: {enabled: true}\n", "'program_output.program' must name a program"},
      {"webserver: {listen_port: 70000}\n", "'webserver.listen_port' must be a TCP port"},
      {"webserver: {listen_address: localhost}\n", "must be an IPv4 or IPv6 address"},
      {"webserver: {ssl_enabled: true}\n", "'webserver.ssl_enabled: true' is not supported"},
      {"priority: loud\n", "'priority' must be one of"},
      {"rules: [{enable: {name: x}}]\n", "selects by 'rule' or 'tag', not 'name'"},
      {"rules: {enable: x}\n", "'rules' must be a list of"},
      {"outputs_queue: {capacity: -1}\n", "'outputs_queue.capacity' must be a number of alerts"},
  };
  for (const auto& tc : cases) {
    rules::Diagnostics d;
    auto c = load_config(write("bad.yaml", tc.text), d);
    EXPECT_FALSE(c) << tc.text;
    ASSERT_TRUE(d.has_errors()) << tc.text;
    EXPECT_NE(d.sorted().front().message.find(tc.message), std::string::npos)
        << tc.text << " -> " << d.sorted().front().message;
    EXPECT_GT(d.sorted().front().pos.line, 0u) << tc.text;
  }
  rules::Diagnostics d;
  auto c = load_config(write("warn.yaml", "http_output: {enabled: false, proxy: x}\n"), d);
  ASSERT_TRUE(c);
  ASSERT_EQ(d.sorted().size(), 1u);
  EXPECT_NE(d.sorted().front().message.find("unknown key 'http_output.proxy'"), std::string::npos);
}

TEST(Config, SealedFilesMustBeFilesAndDefaultToThePreloadList) {
  rules::Diagnostics none;
  auto defaults = load_config(write("empty.yaml", "mode: enforce\n"), none);
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->sealed_files, std::vector<std::string>{"/etc/ld.so.preload"});
  auto path = write("sealed.yaml", "sealed_files: [/etc/, /etc/../x, /, etc/a, /ok]\n");
  rules::Diagnostics d;
  EXPECT_FALSE(load_config(path, d));
  ASSERT_EQ(d.all().size(), 4u);
  EXPECT_EQ(rules::format_diagnostic(d.all()[0]),
            path + ":1:16: error: 'sealed_files' entries must be absolute paths of files");
  auto empty = load_config(write("unsealed.yaml", "sealed_files: []\n"), none);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->sealed_files.empty());
}

}  // namespace
}  // namespace vigil::config
