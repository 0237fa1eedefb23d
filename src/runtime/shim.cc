// Argument parsing follows runc's CLI (urfave/cli): global options, then the subcommand,
// then its options and the container id.
#include "src/runtime/shim.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "src/runtime/inject.h"

namespace vigil::runtime {
namespace {

bool takes_value(const std::string& opt) {
  static const char* const kGlobal[] = {"--root", "--log", "--log-format", "--criu", "--rootless"};
  for (const char* g : kGlobal)
    if (opt == g) return true;
  return false;
}

}  // namespace

std::optional<RuntimeCall> parse_runtime_args(const std::vector<std::string>& args) {
  RuntimeCall call;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.empty() || a[0] != '-') break;
    if (a.find('=') == std::string::npos && takes_value(a)) ++i;
  }
  if (i >= args.size()) return std::nullopt;
  call.subcommand = args[i];
  for (size_t j = i + 1; j < args.size(); ++j) {
    const std::string& a = args[j];
    if ((a == "--bundle" || a == "-b") && j + 1 < args.size()) {
      call.bundle = args[j + 1];
      break;
    }
    if (a.rfind("--bundle=", 0) == 0) {
      call.bundle = a.substr(9);
      break;
    }
  }
  if (call.bundle.empty()) {
    char cwd[4096];
    if (::getcwd(cwd, sizeof(cwd))) call.bundle = cwd;
  }
  return call;
}

int run_shim(const std::string& runtime, const std::string& config_path,
             const std::vector<std::string>& args) {
  auto call = parse_runtime_args(args);
  if (call && (call->subcommand == "create" || call->subcommand == "run")) {
    rules::Diagnostics diags;
    auto cfg = config::load_config(config_path, diags);
    for (const auto& d : diags.all()) std::cerr << rules::format_diagnostic(d) << "\n";
    if (!cfg) {
      std::cerr << "vigil runtime: cannot read " << config_path << "; container not created\n";
      return 1;
    }
    const std::string path = call->bundle + "/config.json";
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    nlohmann::json oci = nlohmann::json::parse(text.str(), nullptr, false);
    if (!in || oci.is_discarded()) {
      std::cerr << "vigil runtime: cannot read " << path << " as JSON\n";
      return 1;
    }
    auto outcome =
        inject_config(oci, *cfg, "runtime shim", args.empty() ? "" : args.back(), call->bundle);
    for (const auto& w : outcome.warnings) std::cerr << "vigil runtime: " << w << "\n";
    if (!outcome.ok) {
      std::cerr << "vigil runtime: " << outcome.error << "\n";
      return 1;
    }
    const std::string tmp = path + ".vigil";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << oci.dump();
      if (!out) {
        std::cerr << "vigil runtime: cannot write " << tmp << "\n";
        return 1;
      }
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      std::cerr << "vigil runtime: cannot replace " << path << ": " << std::strerror(errno) << "\n";
      return 1;
    }
  }
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(runtime.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execvp(runtime.c_str(), argv.data());
  std::cerr << "vigil runtime: cannot run " << runtime << ": " << std::strerror(errno) << "\n";
  return 127;
}

}  // namespace vigil::runtime
