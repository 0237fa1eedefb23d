// The config file of a command's -c/--config argument (default /etc/vigil/vigil.yaml),
// shared by `vigil` and the lean `vigil-runc`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "src/config/config.h"

namespace vigil::cli {

// Reads -c/--config PATH from args[first...] (-h prints `help` and exits 0; anything else
// exits 2) and loads it; its diagnostics go to stderr. nullopt if it has errors.
std::optional<config::Config> config_from(const std::vector<std::string>& args, size_t first,
                                          const char* help);

}  // namespace vigil::cli
