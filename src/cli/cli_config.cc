#include "src/cli/cli_config.h"

#include <cstdlib>
#include <iostream>

#include "src/rules/diagnostics.h"

namespace vigil::cli {

std::optional<config::Config> config_from(const std::vector<std::string>& args, size_t first,
                                          const char* help) {
  std::string path = config::kDefaultConfigPath;
  for (size_t i = first; i < args.size(); ++i) {
    if ((args[i] == "-c" || args[i] == "--config") && i + 1 < args.size()) {
      path = args[++i];
    } else if (args[i] == "-h" || args[i] == "--help") {
      std::cout << help;
      std::exit(0);
    } else {
      std::cerr << "vigil: unexpected argument '" << args[i] << "'\n" << help;
      std::exit(2);
    }
  }
  rules::Diagnostics diags;
  auto cfg = config::load_config(path, diags);
  for (const auto& d : diags.all()) std::cerr << rules::format_diagnostic(d) << "\n";
  return cfg;
}

}  // namespace vigil::cli
