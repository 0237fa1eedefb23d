// Alert encodings: JSON and text lines, journal records.
#include "src/outputs/alert_record.h"

#include <ctime>
#include <nlohmann/json.hpp>

namespace vigil::outputs {
namespace {

std::string rfc3339(int64_t ns) {
  time_t secs = time_t(ns / 1000000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[96];
  std::snprintf(out, sizeof(out), "%s.%09lldZ", buf, static_cast<long long>(ns % 1000000000));
  return out;
}

// Falco's text time without time_format_iso_8601: the local time of day, in ns.
std::string time_of_day(int64_t ns) {
  time_t secs = time_t(ns / 1000000000);
  struct tm tm;
  localtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%02d:%02d:%02d.%09lld", tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(ns % 1000000000));
  return buf;
}

std::string text_body(const Alert& a) {
  return std::string(priority_name(a.priority)) + " " + a.output + " (rule=" + a.rule +
         " action=" + a.action + " container=" + a.container_id + ")";
}

}  // namespace

std::string to_json_line(const Alert& a, const FormatOptions& o) {
  nlohmann::json fields = nlohmann::json::object();
  for (const auto& [k, v] : a.output_fields) fields[k] = v;
  nlohmann::json j = {
      {"time", rfc3339(a.time_ns)},
      {"rule", a.rule},
      {"priority", std::string(priority_name(a.priority))},
      {"source", "syscall"},
      {"hostname", a.hostname},
      {"output_fields", fields},
      {"action", a.action},
      {"container",
       {{"id", a.container_id}, {"name", a.container_name}, {"image", a.container_image}}},
  };
  if (o.include_output) j["output"] = a.output;
  if (o.include_tags) j["tags"] = a.tags;
  if (!a.id.empty()) j["id"] = a.id;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string to_record(const Alert& a) {
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& [k, v] : a.output_fields) fields.push_back({k, v});
  nlohmann::json j = {{"t", a.time_ns},          {"r", a.rule},          {"p", int(a.priority)},
                      {"o", a.output},           {"f", fields},          {"g", a.tags},
                      {"a", a.action},           {"ci", a.container_id}, {"cn", a.container_name},
                      {"cm", a.container_image}, {"h", a.hostname},      {"id", a.id}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<Alert> from_record(const std::string& text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    Alert a;
    a.time_ns = j.at("t").get<int64_t>();
    a.rule = j.at("r").get<std::string>();
    a.priority = Priority(j.at("p").get<int>());
    a.output = j.at("o").get<std::string>();
    for (const auto& f : j.at("f")) {
      a.output_fields.emplace_back(f.at(0).get<std::string>(), f.at(1).get<std::string>());
    }
    a.tags = j.at("g").get<std::vector<std::string>>();
    a.action = j.at("a").get<std::string>();
    a.container_id = j.at("ci").get<std::string>();
    a.container_name = j.at("cn").get<std::string>();
    a.container_image = j.at("cm").get<std::string>();
    a.hostname = j.at("h").get<std::string>();
    a.id = j.at("id").get<std::string>();
    return a;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::string to_text_line(const Alert& a, const FormatOptions& o) {
  return (o.time_iso_8601 ? rfc3339(a.time_ns) : time_of_day(a.time_ns)) + ": " + text_body(a);
}

std::string to_line(const Alert& a, const FormatOptions& o) {
  return o.json ? to_json_line(a, o) : to_text_line(a, o);
}

std::string to_syslog_message(const Alert& a, const FormatOptions& o) {
  return o.json ? to_json_line(a, o) : text_body(a);
}

}  // namespace vigil::outputs
