#include "src/cli/cli_app.h"

#include <iostream>

#include "src/rules/diagnostics.h"

namespace vigil::cli {
namespace {

// The command the user was typing when parsing stopped: its help is the one to point at.
const CLI::App* deepest(const CLI::App& app, std::string& path) {
  path = app.get_name();
  const CLI::App* at = &app;
  for (;;) {
    auto chosen = at->get_subcommands();
    if (chosen.empty()) return at;
    at = chosen.front();
    path += " " + at->get_name();
  }
}

}  // namespace

void style(CLI::App& app) {
  app.get_formatter()->label("Usage", "usage");
  app.get_formatter()->column_width(24);
}

int run(CLI::App& app, int argc, const char* const* argv, const int& status) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      return app.exit(e, std::cout, std::cerr);  // --help
    }
    std::string where;
    const CLI::App* at = deepest(app, where);
    // CLI11 checks for a missing subcommand before it reports what it could not place:
    // `vigil frob` is an unknown command, not a missing one.
    const auto left = at->remaining();
    if (!at->get_subcommands({}).empty() && !left.empty() &&
        dynamic_cast<const CLI::RequiredError*>(&e)) {
      std::cerr << where << ": unknown command '" << left.front() << "'";
    } else {
      std::cerr << where << ": " << e.what();
    }
    std::cerr << "\n(see '" << where << " --help')\n";
    return kExitUsage;
  }
  return status;
}

CLI::Option* add_config_option(CLI::App* cmd, std::string& path) {
  path = config::kDefaultConfigPath;
  return cmd->add_option("-c,--config", path, "config file")
      ->type_name("PATH")
      ->capture_default_str();
}

std::optional<config::Config> load_config(const std::string& path) {
  rules::Diagnostics diags;
  auto cfg = config::load_config(path, diags);
  for (const auto& d : diags.all()) std::cerr << rules::format_diagnostic(d) << "\n";
  return cfg;
}

}  // namespace vigil::cli
