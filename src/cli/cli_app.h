// What every vigil command line shares, in both binaries: CLI11's parser with one error
// policy (help on stdout and exit 0, a usage error on stderr and exit 2), the -c/--config
// option and loading the config it names.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "src/config/config.h"

namespace vigil::cli {

// The exit statuses every command keeps (listed in `vigil --help`).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // the command ran and failed, or its input has errors
inline constexpr int kExitUsage = 2;   // the command line is wrong; nothing was done

// A parser named `name` whose help says "usage:" as the rest of vigil's text does.
void style(CLI::App& app);

// Parses argv and runs the chosen command's callback. --help prints the chosen command's
// help to stdout (0); a usage error says what is wrong on stderr, and where its help is
// (kExitUsage). Otherwise: `status`, which the callback set.
int run(CLI::App& app, int argc, const char* const* argv, const int& status);

// -c/--config PATH (also --config=PATH), default /etc/vigil/vigil.yaml.
CLI::Option* add_config_option(CLI::App* cmd, std::string& path);

// Loads the config at `path`; its diagnostics go to stderr. nullopt if it has errors.
std::optional<config::Config> load_config(const std::string& path);

}  // namespace vigil::cli
