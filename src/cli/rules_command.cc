// Argument handling for the rules subcommands; the work is in src/rules and src/config.
#include "src/cli/rules_command.h"

#include <algorithm>
#include <iostream>
#include <memory>

#include "src/cli/cli_app.h"
#include "src/config/compile_options.h"
#include "src/config/config.h"
#include "src/rules/compiler.h"
#include "src/rules/report.h"
#include "src/ruletest/replay.h"
#include "src/ruletest/rule_tests.h"

namespace vigil::cli {
namespace {

constexpr const char* kValidateHelp =
    R"(Loads and compiles Falco-format rules files (or folders of *.yaml files, in name order),
as one load in the order given. For each file: the items read, each rule's status
(compiled, unsupported with the missing fields, disabled, error), the syscalls it makes
vigil intercept with seccomp, the fanotify events it needs, and for blocking rules whether
the block is sound (decided on values the target cannot change) or racy. Then every
warning and every error as file:line:col. Exits 1 if there is any error, 0 otherwise.)";

constexpr const char* kListHelp =
    R"(The rules in force: those of the config's rules_files that compile and are enabled, with
the same facts as validate. Exits 1 if the rules or config have errors.)";

constexpr const char* kTestHelp =
    R"(Rules as code: loads PATH... as the daemon does (rule_matching: all) and runs each case
of each CASES file through the compiled rules and the daemon's own verdict pipeline, once
per channel the event type can come from. A case gives field values (Falco's names and
meanings; a field it does not give is <NA>) and expects the rules that fire and/or the
action (alert, block, kill, none) in its mode (enforce by default):
  - case: a mount in a container is blocked
    event: {evt.type: mount, container.id: 0123456789ab, proc.name: mount}
    expect: {rules: [Mount in container], action: block}
Prints one line per case (a failure says what was expected and what fired), then
"N passed, M failed"; exits 1 if any case failed or a file has errors (an unknown field is
an error with file:line:col; a field no rule reads, a warning). --json: per case the
rules, the action and the output lines.)";

constexpr const char* kReplayHelp =
    R"(Evaluates a recording (record: in vigil.yaml: every event the daemon evaluated, with the
fields its rules read) against the rules in PATH..., each event on the channel it came
from, in enforce mode: what they would alert and block, per rule and per container, and
every event decided differently than the daemon did. --cases OUT.yaml also writes the
recording as a cases file for `rules test` (expecting what these rules do). Try a block
rule on last week's traffic before you enforce it. Exits 1 if an event was decided
differently or a file has errors.)";

int test_command(const std::vector<std::string>& paths, const std::vector<std::string>& cases_files,
                 bool json) {
  auto loaded = rules::load_and_compile(paths, {RuleMatching::kAll});
  for (const auto& d : loaded.diagnostics.sorted()) {
    if (d.severity == rules::Severity::kError) std::cerr << rules::format_diagnostic(d) << "\n";
  }
  if (loaded.diagnostics.has_errors()) {
    std::cerr << "vigil rules test: the rules have errors\n";
    return kExitFailed;
  }
  rules::Diagnostics diags;
  std::vector<ruletest::Case> cases;
  for (const auto& f : cases_files) {
    auto more = ruletest::load_cases(f, diags);
    for (auto& c : more) cases.push_back(std::move(c));
  }
  ruletest::warn_unread_fields(*loaded.rules, cases, diags);
  for (const auto& d : diags.sorted()) std::cerr << rules::format_diagnostic(d) << "\n";
  const auto results = ruletest::run_cases(*loaded.rules, cases);
  ruletest::print_results(results, json, std::cout);
  const bool failed =
      std::any_of(results.begin(), results.end(), [](const auto& r) { return !r.passed; });
  return failed || diags.has_errors() ? kExitFailed : kExitOk;
}

int replay_command(const std::vector<std::string>& paths, const std::string& events,
                   const std::string& cases_out, bool json) {
  auto loaded = rules::load_and_compile(paths, {RuleMatching::kAll});
  for (const auto& d : loaded.diagnostics.sorted()) {
    if (d.severity == rules::Severity::kError) std::cerr << rules::format_diagnostic(d) << "\n";
  }
  if (loaded.diagnostics.has_errors()) {
    std::cerr << "vigil rules replay: the rules have errors\n";
    return kExitFailed;
  }
  rules::Diagnostics diags;
  ruletest::ReplayOptions o;
  o.json = json;
  o.cases_out = cases_out;
  const size_t bad = ruletest::replay(*loaded.rules, events, o, std::cout, diags);
  for (const auto& d : diags.sorted()) std::cerr << rules::format_diagnostic(d) << "\n";
  return bad || diags.has_errors() ? kExitFailed : kExitOk;
}

// validate and list: the report of one load.
int report_command(const std::string& sub, std::vector<std::string> paths,
                   const std::string& config_path, bool json) {
  rules::CompileOptions opts;
  if (sub == "list") {
    auto cfg = load_config(config_path);
    if (!cfg) return kExitFailed;
    paths = cfg->rules_files;
    opts = config::compile_options(*cfg);
  }
  auto result = rules::load_and_compile(paths, opts);
  if (json) {
    auto j = rules::report_json(result);
    if (sub == "list") {
      nlohmann::json in_force = nlohmann::json::array();
      for (const auto& r : result.rules->rules()) {
        if (r.status == rules::RuleStatus::kCompiled) in_force.push_back(rules::rule_json(r));
      }
      j["rules"] = in_force;
      nlohmann::json left_out = nlohmann::json::array();
      for (const auto& r : result.rules->rules()) {
        if (r.by_config) left_out.push_back(rules::rule_json(r));
      }
      j["left_out_by_config"] = left_out;
    }
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << rules::report_text(result, sub == "list");
  }
  return result.diagnostics.has_errors() ? kExitFailed : kExitOk;
}

struct RulesOptions {
  bool json = false;
  std::string config;
  std::vector<std::string> paths, cases;
  std::string events, cases_out;
};

}  // namespace

void add_rules_command(CLI::App& app, int& status) {
  auto* rules = app.add_subcommand("rules", "validate, list, test and replay rules");
  rules->require_subcommand(1);
  auto o = std::make_shared<RulesOptions>();
  const auto json_flag = [&o](CLI::App* cmd) {
    cmd->add_flag("--json", o->json, "print one JSON object instead of text");
  };
  const auto paths = [&o](CLI::App* cmd) {
    cmd->add_option("PATH", o->paths, "rules files or folders of *.yaml files")
        ->type_name("")
        ->required();
  };

  auto* validate = rules->add_subcommand(
      "validate",
      "load and compile rules files: every rule's status, interception needs and "
      "soundness, every error with file:line:col (exit 1 on errors)");
  validate->footer(kValidateHelp);
  json_flag(validate);
  paths(validate);
  validate->callback(
      [o, &status] { status = report_command("validate", o->paths, o->config, o->json); });

  auto* list = rules->add_subcommand("list", "the rules in force under a config file");
  list->footer(kListHelp);
  json_flag(list);
  add_config_option(list, o->config);
  list->callback([o, &status] { status = report_command("list", {}, o->config, o->json); });

  auto* test = rules->add_subcommand(
      "test", "rules as code: run cases (field values and what must fire) through the rules");
  test->footer(kTestHelp);
  json_flag(test);
  test->add_option("--cases", o->cases, "a cases file (repeatable)")->type_name("FILE")->required();
  paths(test);
  test->callback([o, &status] { status = test_command(o->paths, o->cases, o->json); });

  auto* replay = rules->add_subcommand(
      "replay",
      "a recording (record: in vigil.yaml) against other rules: what they would "
      "alert and block");
  replay->footer(kReplayHelp);
  json_flag(replay);
  replay->add_option("--events", o->events, "the recording")->type_name("FILE")->required();
  replay->add_option("--cases", o->cases_out, "also write the recording as a cases file")
      ->type_name("OUT");
  paths(replay);
  replay->callback(
      [o, &status] { status = replay_command(o->paths, o->events, o->cases_out, o->json); });
}

}  // namespace vigil::cli
