// The configured sinks.
#include "src/outputs/sinks/sinks.h"

namespace vigil::outputs {

OutputConfig output_config(const config::Config& c) {
  OutputConfig oc;
  oc.format.json = c.json_output;
  oc.format.include_output = c.json_include_output_property;
  oc.format.include_tags = c.json_include_tags_property;
  oc.format.time_iso_8601 = c.time_format_iso_8601;
  oc.buffered = c.buffered_outputs;
  oc.stdout_enabled = c.stdout_output;
  oc.syslog_enabled = c.syslog_output;
  oc.file_enabled = c.file_output;
  oc.file_path = c.file_output_path;
  oc.http = c.http_output;
  oc.program = c.program_output;
  return oc;
}

std::vector<std::unique_ptr<AlertSink>> make_sinks(const OutputConfig& cfg,
                                                   std::vector<std::string>& errors) {
  std::vector<std::unique_ptr<AlertSink>> out;
  if (cfg.stdout_enabled) out.push_back(make_stdout_sink(cfg.format, cfg.buffered));
  if (cfg.syslog_enabled) out.push_back(make_syslog_sink(cfg.format));
  std::string error;
  if (cfg.file_enabled) {
    if (auto f = make_file_sink(cfg.file_path, cfg.format, cfg.buffered, error)) {
      out.push_back(std::move(f));
    } else {
      errors.push_back(error);
    }
  }
  if (cfg.http.enabled) {
    if (auto h = make_http_sink(cfg.http, cfg.format, error)) {
      out.push_back(std::move(h));
    } else {
      errors.push_back("http_output: " + error);
    }
  }
  if (cfg.program.enabled) out.push_back(make_program_sink(cfg.program, cfg.format));
  return out;
}

}  // namespace vigil::outputs
