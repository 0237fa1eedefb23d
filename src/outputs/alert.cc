// Alert formatting and the output thread.
#include "src/outputs/alert.h"

#include <syslog.h>
#include <unistd.h>

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

}  // namespace

std::string to_json_line(const Alert& a) {
  nlohmann::json fields = nlohmann::json::object();
  for (const auto& [k, v] : a.output_fields) fields[k] = v;
  nlohmann::json j = {
      {"time", rfc3339(a.time_ns)},
      {"rule", a.rule},
      {"priority", std::string(priority_name(a.priority))},
      {"source", "syscall"},
      {"hostname", a.hostname},
      {"output", a.output},
      {"output_fields", fields},
      {"tags", a.tags},
      {"action", a.action},
      {"container",
       {{"id", a.container_id}, {"name", a.container_name}, {"image", a.container_image}}},
  };
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

std::string to_text_line(const Alert& a) {
  return rfc3339(a.time_ns) + ": " + std::string(priority_name(a.priority)) + " " + a.output +
         " (rule=" + a.rule + " action=" + a.action + " container=" + a.container_id + ")";
}

AsyncOutputs::AsyncOutputs(OutputConfig cfg, size_t capacity)
    : cfg_(std::move(cfg)), capacity_(capacity) {
  if (cfg_.file_enabled) {
    file_ = std::fopen(cfg_.file_path.c_str(), "ae");
    if (!file_) std::fprintf(stderr, "vigil: cannot open %s for alerts\n", cfg_.file_path.c_str());
  }
  if (cfg_.syslog_enabled) ::openlog("vigil", LOG_PID | LOG_NDELAY, LOG_DAEMON);
  thread_ = std::thread([this] { run(); });
}

AsyncOutputs::~AsyncOutputs() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (file_) std::fclose(file_);
}

void AsyncOutputs::push(Alert a) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= capacity_) {
      ++dropped_;
      return;
    }
    if (a.id.empty()) a.id = std::to_string(::getpid()) + "-" + std::to_string(++next_id_);
    const int slot = journal_.record(a);
    queue_.push_back(Queued{std::move(a), slot, journal_gen_});
  }
  cv_.notify_one();
}

void AsyncOutputs::use_journal(AlertJournal journal) {
  std::lock_guard<std::mutex> lock(mu_);
  journal_ = std::move(journal);
  ++journal_gen_;
}

bool AsyncOutputs::has_journal() const {
  std::lock_guard<std::mutex> lock(mu_);
  return journal_.valid();
}

size_t AsyncOutputs::replay() {
  size_t n = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [slot, alert] : journal_.pending()) {
      queue_.push_back(Queued{std::move(alert), slot, journal_gen_});
      ++n;
    }
  }
  cv_.notify_one();
  return n;
}

void AsyncOutputs::flush() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

uint64_t AsyncOutputs::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

void AsyncOutputs::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty() && stop_) return;
    Queued q = std::move(queue_.front());
    queue_.pop_front();
    const Alert& a = q.alert;
    busy_ = true;
    const uint64_t newly_dropped = dropped_ - reported_dropped_;
    reported_dropped_ = dropped_;
    lock.unlock();
    if (newly_dropped) {
      Alert d;
      d.time_ns = a.time_ns;
      d.rule = "vigil: alerts dropped";
      d.priority = Priority::kCritical;
      d.output = std::to_string(newly_dropped) + " alerts were dropped: the output queue was full";
      d.action = "alert";
      write(d);
    }
    write(a);
    lock.lock();
    // Every sink has it: no successor writes it again.
    if (q.gen == journal_gen_) journal_.done(q.slot);
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

void AsyncOutputs::write(const Alert& a) {
  const std::string line = cfg_.json ? to_json_line(a) : to_text_line(a);
  if (cfg_.stdout_enabled) {
    std::fprintf(stdout, "%s\n", line.c_str());
    std::fflush(stdout);
  }
  if (file_) {
    std::fprintf(file_, "%s\n", to_json_line(a).c_str());
    std::fflush(file_);
  }
  if (cfg_.syslog_enabled) {
    // Falco's priorities are syslog severities.
    ::syslog(LOG_DAEMON | int(a.priority), "%s", to_text_line(a).c_str());
  }
}

}  // namespace vigil::outputs
