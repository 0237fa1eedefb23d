// Argument handling for the rules subcommands; the work is in src/rules and src/config.
#include "src/cli/rules_command.h"

#include <iostream>

#include "src/config/config.h"
#include "src/rules/compiler.h"
#include "src/rules/report.h"

namespace vigil::cli {
namespace {

constexpr const char* kRulesHelp =
    R"(usage: vigil rules validate [--json] PATH...
       vigil rules list [--json] [-c CONFIG]

validate  Load and compile Falco-format rules files (or folders of *.yaml files, in
          name order), as one load in the order given. For each file: the items read,
          each rule's status (compiled, unsupported with the missing fields, disabled,
          error), the syscalls it makes vigil intercept with seccomp, the fanotify
          events it needs, and for blocking rules whether the block is sound (decided
          on values the target cannot change) or racy. Then every warning and every
          error as file:line:col. Exits 1 if there is any error, 0 otherwise.
list      The rules in force: those of the config's rules_files that compile and are
          enabled, with the same facts. Exits 1 if the rules or config have errors.

options:
  --json        print one JSON object instead of text
  -c CONFIG     config file for list (default /etc/vigil/vigil.yaml)
  -h, --help    this help
)";

}  // namespace

int rules_command(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    std::cout << kRulesHelp;
    return args.empty() ? 2 : 0;
  }
  const std::string sub = args[0];
  bool json = false;
  std::string config_path;
  std::vector<std::string> paths;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--json") {
      json = true;
    } else if (a == "-h" || a == "--help") {
      std::cout << kRulesHelp;
      return 0;
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
    opts.matching = cfg->rule_matching;
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
    }
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << rules::report_text(result, sub == "list");
  }
  return result.diagnostics.has_errors() ? 1 : 0;
}

}  // namespace vigil::cli
