// Alert formatting and the output thread.
#include "src/outputs/alert.h"

#include <syslog.h>

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
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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
    queue_.push_back(std::move(a));
  }
  cv_.notify_one();
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
    Alert a = std::move(queue_.front());
    queue_.pop_front();
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
