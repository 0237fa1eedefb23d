// The configured sinks.
#include "src/outputs/sinks/sinks.h"

namespace vigil::outputs {

std::vector<std::unique_ptr<AlertSink>> make_sinks(const OutputConfig& cfg,
                                                   std::vector<std::string>& errors) {
  std::vector<std::unique_ptr<AlertSink>> out;
  if (cfg.stdout_enabled) out.push_back(make_stdout_sink(cfg.json));
  if (cfg.syslog_enabled) out.push_back(make_syslog_sink());
  if (cfg.file_enabled) {
    std::string error;
    if (auto f = make_file_sink(cfg.file_path, error)) {
      out.push_back(std::move(f));
    } else {
      errors.push_back(error);
    }
  }
  return out;
}

}  // namespace vigil::outputs
