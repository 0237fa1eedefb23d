// Argument handling for the rules subcommands; the work is in src/rules and src/config.
#include "src/cli/rules_command.h"

#include <algorithm>
#include <iostream>

#include "src/config/compile_options.h"
#include "src/config/config.h"
#include "src/rules/compiler.h"
#include "src/rules/report.h"
#include "src/ruletest/replay.h"
#include "src/ruletest/rule_tests.h"

namespace vigil::cli {
namespace {

constexpr const char* kRulesHelp =
    R"(usage: vigil rules validate [--json] PATH...
       vigil rules list [--json] [-c CONFIG]
       vigil rules test [--json] --cases CASES.yaml [--cases ...] PATH...
       vigil rules replay [--json] --events RECORDING [--cases OUT.yaml] PATH...

validate  Load and compile Falco-format rules files (or folders of *.yaml files, in
          name order), as one load in the order given. For each file: the items read,
          each rule's status (compiled, unsupported with the missing fields, disabled,
          error), the syscalls it makes vigil intercept with seccomp, the fanotify
          events it needs, and for blocking rules whether the block is sound (decided
          on values the target cannot change) or racy. Then every warning and every
          error as file:line:col. Exits 1 if there is any error, 0 otherwise.
list      The rules in force: those of the config's rules_files that compile and are
          enabled, with the same facts. Exits 1 if the rules or config have errors.
test      Rules as code: loads PATH... as the daemon does (rule_matching: all) and runs
          each case of each CASES file through the compiled rules and the daemon's own
          verdict pipeline, once per channel the event type can come from. A case gives
          field values (Falco's names and meanings; a field it does not give is <NA>)
          and expects the rules that fire and/or the action (alert, block, kill, none)
          in its mode (enforce by default):
            - case: a mount in a container is blocked
              event: {evt.type: mount, container.id: 0123456789ab, proc.name: mount}
              expect: {rules: [Mount in container], action: block}
          Prints one line per case (a failure says what was expected and what fired),
          then "N passed, M failed"; exits 1 if any case failed or a file has errors
          (an unknown field is an error with file:line:col; a field no rule reads, a
          warning). --json: per case the rules, the action and the output lines.
replay    Evaluates a recording (record: in vigil.yaml: every event the daemon evaluated,
          with the fields its rules read) against the rules in PATH..., each event on
          the channel it came from, in enforce mode: what they would alert and block,
          per rule and per container, and every event decided differently than the
          daemon did. --cases OUT.yaml also writes the recording as a cases file for
          `rules test` (expecting what these rules do). Try a block rule on last week's
          traffic before you enforce it.

options:
  --json        print one JSON object instead of text
  -c CONFIG     config file for list (default /etc/vigil/vigil.yaml)
  -h, --help    this help
)";

int test_command(const std::vector<std::string>& paths, const std::vector<std::string>& cases_files,
                 bool json) {
  if (paths.empty() || cases_files.empty()) {
    std::cerr << "vigil rules test: needs --cases FILE and at least one rules file or folder\n";
    return 2;
  }
  auto loaded = rules::load_and_compile(paths, {RuleMatching::kAll});
  for (const auto& d : loaded.diagnostics.sorted()) {
    if (d.severity == rules::Severity::kError) std::cerr << rules::format_diagnostic(d) << "\n";
  }
  if (loaded.diagnostics.has_errors()) {
    std::cerr << "vigil rules test: the rules have errors\n";
    return 1;
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
  return failed || diags.has_errors() ? 1 : 0;
}

int replay_command(const std::vector<std::string>& paths, const std::string& events,
                   const std::string& cases_out, bool json) {
  if (paths.empty() || events.empty()) {
    std::cerr << "vigil rules replay: needs --events FILE and at least one rules file or folder\n";
    return 2;
  }
  auto loaded = rules::load_and_compile(paths, {RuleMatching::kAll});
  for (const auto& d : loaded.diagnostics.sorted()) {
    if (d.severity == rules::Severity::kError) std::cerr << rules::format_diagnostic(d) << "\n";
  }
  if (loaded.diagnostics.has_errors()) {
    std::cerr << "vigil rules replay: the rules have errors\n";
    return 1;
  }
  rules::Diagnostics diags;
  ruletest::ReplayOptions o;
  o.json = json;
  o.cases_out = cases_out;
  const size_t bad = ruletest::replay(*loaded.rules, events, o, std::cout, diags);
  for (const auto& d : diags.sorted()) std::cerr << rules::format_diagnostic(d) << "\n";
  return bad || diags.has_errors() ? 1 : 0;
}

}  // namespace

int rules_command(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    std::cout << kRulesHelp;
    return args.empty() ? 2 : 0;
  }
  const std::string sub = args[0];
  bool json = false;
  std::string config_path;
  std::vector<std::string> paths, cases_files;
  std::string events_file;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--json") {
      json = true;
    } else if (a == "-h" || a == "--help") {
      std::cout << kRulesHelp;
      return 0;
    } else if (a == "--events" && sub == "replay") {
      if (i + 1 >= args.size()) {
        std::cerr << "vigil rules replay: --events needs a file\n";
        return 2;
      }
      events_file = args[++i];
    } else if (a == "--cases" && (sub == "test" || sub == "replay")) {
      if (i + 1 >= args.size()) {
        std::cerr << "vigil rules test: --cases needs a file\n";
        return 2;
      }
      cases_files.push_back(args[++i]);
    } else if ((a == "-c" || a == "--config") && sub == "list") {
      if (i + 1 >= args.size()) {
        std::cerr << "vigil rules list: -c needs a file\n";
        return 2;
      }
      config_path = args[++i];
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "vigil rules " << sub << ": unknown option '" << a << "'\n" << kRulesHelp;
      return 2;
    } else {
      paths.push_back(a);
    }
  }
  rules::CompileOptions opts;
  if (sub == "test") return test_command(paths, cases_files, json);
  if (sub == "replay") {
    return replay_command(paths, events_file, cases_files.empty() ? "" : cases_files[0], json);
  }
  if (sub == "validate") {
    if (paths.empty()) {
      std::cerr << "vigil rules validate: name at least one rules file or folder\n";
      return 2;
    }
  } else if (sub == "list") {
    if (!paths.empty()) {
      std::cerr << "vigil rules list: takes no paths; the rules come from the config\n";
      return 2;
    }
    rules::Diagnostics diags;
    const std::string path = config_path.empty() ? config::kDefaultConfigPath : config_path;
    auto cfg = config::load_config(path, diags);
    if (!cfg) {
      for (const auto& d : diags.all()) std::cerr << rules::format_diagnostic(d) << "\n";
      return 1;
    }
    for (const auto& d : diags.all()) std::cerr << rules::format_diagnostic(d) << "\n";
    paths = cfg->rules_files;
    opts = config::compile_options(*cfg);
  } else {
    std::cerr << "vigil rules: unknown subcommand '" << sub << "'\n" << kRulesHelp;
    return 2;
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
  return result.diagnostics.has_errors() ? 1 : 0;
}

}  // namespace vigil::cli
